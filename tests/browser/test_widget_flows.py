"""The widget on the demo page, against the real servers: opening, the login-failure flow by
buttons and by typed text, history after a reload and across pages, a new conversation, votes."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.support import PHONE
from tests.browser.widget import ChatWidget

STEP_BUTTONS = {"已解决", "没解决", "转人工"}


def open_demo(page, servers, path: str = "/") -> ChatWidget:
    page.goto(servers.console_url + path)
    expect(page.locator("h1")).to_be_visible()
    return ChatWidget(page)


def start_login_problem(widget: ChatWidget, text: str = "我登录不了电子税务局") -> None:
    widget.say(text)
    expect(widget.active_chips.first).to_be_visible()
    assert STEP_BUTTONS <= set(widget.chip_titles())


def test_demo_page_embeds_the_widget_with_one_script_tag(page, servers, screenshots):
    page.goto(servers.console_url + "/")
    assert page.locator("script[src*='/widget/']").count() == 1
    expect(page).to_have_title("帮助中心 - 汇票云发票服务平台")
    widget = ChatWidget(page)
    expect(widget.launcher).to_be_visible()
    expect(widget.panel).to_be_hidden()
    page.screenshot(path=screenshots / "desktop-1-page-closed.png")
    widget.open()
    expect(page.locator(".fw-greeting")).to_be_visible()
    expect(widget.input).to_be_focused()
    page.screenshot(path=screenshots / "desktop-2-panel-open.png")


def test_login_failure_with_buttons(page, servers, screenshots):
    widget = open_demo(page, servers).open()
    start_login_problem(widget)
    step = widget.bot_messages.last
    assert step.locator(".fw-step").count() + step.locator(".fw-line").count() > 0
    page.screenshot(path=screenshots / "desktop-3-steps-with-buttons.png")

    widget.choose("没解决")
    # The button's title, not its payload.
    expect(widget.user_messages.last.locator('.fw-bubble')).to_have_text("没解决")
    expect(widget.active_chips.first).to_be_visible()
    widget.choose("已解决")
    expect(widget.user_messages.last.locator('.fw-bubble')).to_have_text("已解决")
    page.screenshot(path=screenshots / "desktop-4-solved.png")

    sent = servers.user_texts(widget.session_id())
    assert sent.count("/problem_persists") == 1
    assert sent.count("/problem_solved") == 1


def test_login_failure_with_typed_text(page, servers):
    widget = open_demo(page, servers).open()
    start_login_problem(widget, "登录不了，一直提示密码错误")
    widget.say("还是不行")
    expect(widget.active_chips.first).to_be_visible()
    widget.say("好了，能登录了")

    sent = servers.user_texts(widget.session_id())
    for text in ("登录不了，一直提示密码错误", "还是不行", "好了，能登录了"):
        assert sent.count(text) == 1, sent
    assert all(not t.startswith("/") for t in sent)


def test_history_survives_reload_and_is_shared_across_pages(page, servers, screenshots):
    widget = open_demo(page, servers).open()
    start_login_problem(widget)
    session = widget.session_id()
    before = widget.transcript()

    page.reload()
    widget = ChatWidget(page)
    expect(widget.panel).to_be_visible()  # it stays open across page loads
    expect(page.locator(".fw-msg")).to_have_count(len(before))
    assert widget.transcript() == before
    assert widget.session_id() == session
    assert STEP_BUTTONS <= set(widget.chip_titles())  # the last step can still be answered
    page.screenshot(path=screenshots / "desktop-5-after-reload.png")

    page.goto(servers.console_url + "/faq.html")
    widget = ChatWidget(page)
    expect(page.locator(".fw-msg")).to_have_count(len(before))
    assert widget.session_id() == session
    widget.choose("已解决")  # the conversation goes on from the other page
    assert servers.user_texts(session).count("/problem_solved") == 1


def test_new_conversation_starts_fresh(page, servers):
    widget = open_demo(page, servers).open()
    start_login_problem(widget)
    old_session = widget.session_id()

    page.locator(".fw-new").click()
    expect(widget.bot_messages).to_have_count(0)
    expect(widget.user_messages).to_have_count(0)
    expect(page.locator(".fw-greeting")).to_be_visible()
    new_session = widget.session_id()
    assert new_session != old_session and len(new_session) == 32

    widget.say("你好")
    assert servers.user_texts(new_session) == ["你好"]
    page.reload()
    expect(ChatWidget(page).user_messages).to_have_count(1)


def test_votes_are_stored_with_the_conversation(page, servers):
    widget = open_demo(page, servers).open()
    start_login_problem(widget)
    answer = widget.bot_messages.last
    answer.locator(".fw-up").click()
    expect(answer.locator(".fw-vote-thanks")).to_have_text("感谢您的反馈")
    expect(answer.locator(".fw-up")).to_have_attribute("aria-pressed", "true")

    stored = servers.operator("GET", f"/api/operator/feedback/{widget.session_id()}").json()
    assert [v["up"] for v in stored["votes"]] == [True]
    assert stored["votes"][0]["message_id"].startswith("bot-")

    answer.locator(".fw-down").click()  # changing one's mind replaces the vote
    expect(answer.locator(".fw-down")).to_have_attribute("aria-pressed", "true")
    stored = servers.operator("GET", f"/api/operator/feedback/{widget.session_id()}").json()
    assert [v["up"] for v in stored["votes"]] == [False]


def test_phone_width_is_full_screen(browser, servers, screenshots):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="zh-CN")
    try:
        page = context.new_page()
        widget = open_demo(page, servers)
        page.screenshot(path=screenshots / "phone-1-page-closed.png")
        widget.open()
        box = widget.panel.bounding_box()
        assert box["width"] >= PHONE["width"] - 1 and box["height"] >= PHONE["height"] - 1
        start_login_problem(widget)
        page.screenshot(path=screenshots / "phone-2-steps-with-buttons.png")
        widget.choose("没解决")
        page.screenshot(path=screenshots / "phone-3-next-step.png")
    finally:
        context.close()
