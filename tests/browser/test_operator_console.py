"""The operator console in Debian's chromium against the real servers (issue 12): sign-in,
live hand-over with the widget, announcements in the widget and in the assistant's answer,
the dashboard's charts. Screenshots: results/screenshots/console-*.png (desktop and phone)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bot.app.database import make_app_session_factory
from bot.app.operators import SqlOperatorStore
from bot.app.settings import Settings
from tests.browser.support import DESKTOP, PHONE
from tests.browser.widget import ChatWidget

AGENT, PASSWORD = "wangfang", "browser-test-password"
REPLY_TIMEOUT = 60_000


@pytest.fixture(scope="module")
def operator_account(servers, loop_thread):
    """An editor account in the stack's app database (the console reads it per request)."""
    sessions = make_app_session_factory(Settings.from_env(dict(servers.env)).app_database_url)
    store = SqlOperatorStore(sessions)

    async def make():
        if await store.get(AGENT) is None:
            await store.add(AGENT, PASSWORD, "editor", "王芳")

    loop_thread.run(make())  # Playwright holds this thread's event loop
    return AGENT


def sign_in(page, servers, password=PASSWORD):
    page.goto(servers.console_url + "/operator/login")
    page.fill("input[name=username]", AGENT)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def shoot(page, screenshots, name):
    """Desktop and phone screenshots of the current page."""
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=screenshots / f"console-{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots / f"console-{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def test_sign_in_refuses_a_wrong_password(page, servers, operator_account, screenshots):
    sign_in(page, servers, password="not the password")
    expect(page.locator("#login-error")).to_contain_text("用户名或密码不正确")
    shoot(page, screenshots, "login-refused")
    sign_in(page, servers)
    expect(page).to_have_url(re.compile(r"/operator/tickets"))
    expect(page.locator(".whoami")).to_contain_text("王芳")


def test_live_hand_over_between_widget_and_agent(context, page, servers, operator_account, screenshots):
    # The user asks for a person in the widget.
    page.goto(servers.console_url + "/")
    widget = ChatWidget(page).open()
    widget.say("电子税务局登录不上")
    widget.say("转人工")
    expect(widget.bot_messages.last).to_contain_text("工单号")
    number = re.search(r"GD\d{8}-\d{6}", widget.bot_messages.last.inner_text()).group(0)
    session_id = widget.session_id()

    # The agent sees the waiting conversation and takes it.
    agent = context.new_page()
    sign_in(agent, servers)
    agent.goto(servers.console_url + "/operator/live")
    row = agent.locator(f'#waiting tr[data-number="{number}"]')
    expect(row).to_be_visible()
    shoot(agent, screenshots, "live")
    row.locator("button", has_text="接入").click()
    expect(agent.locator(".flash.ok")).to_contain_text("已接入会话")
    expect(widget.bot_messages.last).to_contain_text("人工客服王芳已接入", timeout=REPLY_TIMEOUT)

    # The agent's reply reaches the widget.
    agent.fill("#reply-text", "您好，我是王芳。请问登录时提示什么？")
    agent.press("#reply-text", "Enter")
    expect(agent.locator("#reply-state")).to_have_text("已发送")
    expect(widget.bot_messages.last).to_contain_text("我是王芳", timeout=REPLY_TIMEOUT)

    # The user answers: the assistant stays silent, the agent sees it live.
    bots_before = widget.bot_messages.count()
    widget.send("提示证书已过期，怎么办")
    expect(agent.locator("#transcript .msg.user").last).to_contain_text("提示证书已过期", timeout=REPLY_TIMEOUT)
    page.wait_for_timeout(1500)
    expect(widget.bot_messages).to_have_count(bots_before)
    assert "提示证书已过期，怎么办" in servers.user_texts(session_id)
    shoot(agent, screenshots, "ticket-live")
    page.screenshot(path=screenshots / "console-widget-agent-reply-desktop.png")

    # Nothing is lost when the agent's page reloads, not even a reply being written.
    agent.fill("#reply-text", "正在查，请稍等")
    agent.reload()
    expect(agent.locator("#reply-text")).to_have_value("正在查，请稍等")
    agent.fill("#reply-text", "")
    expect(agent.locator("#transcript .msg.agent")).to_contain_text("我是王芳")
    expect(agent.locator("#transcript .msg.user").last).to_contain_text("提示证书已过期")

    # Hand back: the user is told, and the assistant answers again.
    agent.click("#handback")
    expect(agent.locator(".flash.ok")).to_contain_text("已交回智能助手")
    expect(widget.bot_messages.last).to_contain_text("智能助手继续为您服务", timeout=REPLY_TIMEOUT)
    widget.say("我的工单怎么样了")
    expect(widget.bot_messages.last).to_contain_text(number)
    expect(widget.bot_messages.last).to_contain_text("正在处理中")  # the agent's take set it in progress
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots / "console-widget-agent-reply-phone.png")
    agent.goto(servers.console_url + f"/operator/tickets/{number}")
    expect(agent.locator("#history")).to_contain_text("交回智能助手")
    shoot(agent, screenshots, "ticket")
    agent.goto(servers.console_url + "/operator/tickets")
    expect(agent.locator(f'tr[data-number="{number}"]')).to_have_count(0)  # in progress, not open
    agent.goto(servers.console_url + "/operator/tickets?status=in_progress")
    expect(agent.locator(f'tr[data-number="{number}"]')).to_be_visible()
    shoot(agent, screenshots, "queue")
    agent.close()


def test_announcement_reaches_banner_and_first_answer(context, page, servers, operator_account, screenshots):
    agent = context.new_page()
    sign_in(agent, servers)
    agent.goto(servers.console_url + "/operator/announcements")
    agent.select_option("select[name=kind]", "maintenance")
    agent.fill("input[name=title]", "电子税务局登录服务升级")
    agent.fill("textarea[name=message]", "登录服务正在升级，部分用户暂时无法登录。")
    agent.check("input[name=affects][value=login_failure]")
    agent.click(".announcement-form button[type=submit]")
    expect(agent.locator(".flash.ok")).to_contain_text("已发布")
    shoot(agent, screenshots, "announcements")
    try:
        page.goto(servers.console_url + "/")
        widget = ChatWidget(page).open()
        expect(widget.banner).to_contain_text("电子税务局登录服务升级")
        widget.say("电子税务局登录不上")
        expect(page.locator(".fw-msg.fw-bot", has_text="先告诉您一个情况：电子税务局登录服务升级")).to_be_visible()
        page.screenshot(path=screenshots / "console-announcement-widget-desktop.png")
    finally:
        agent.goto(servers.console_url + "/operator/announcements")
        row = agent.locator("#announcements tr", has_text="电子税务局登录服务升级").first
        row.locator("button", has_text="结束").click()
        expect(agent.locator(".flash.ok")).to_contain_text("已结束")
        agent.close()


def test_knowledge_edit_is_previewed_published_and_answered(context, page, servers, operator_account,
                                                            screenshots):
    marker = "先重启一次路由器（控制台修改）"
    editor = context.new_page()
    sign_in(editor, servers)
    editor.goto(servers.console_url + "/operator/knowledge/problems/login_failure")
    box = editor.locator("textarea[name=step0_instructions]")
    original = box.input_value()
    box.fill(f"1. {marker}。\n" + original)
    editor.click("#save-problem")
    expect(editor.locator(".flash.ok")).to_contain_text("已保存到草稿")
    shoot(editor, screenshots, "knowledge-problem")
    editor.goto(servers.console_url + "/operator/knowledge")
    expect(editor.locator("#draft-valid")).to_be_visible()
    editor.fill("#preview-text", "电子税务局登录不上")
    editor.click("#preview-run")
    expect(editor.locator("#preview")).to_contain_text(marker)
    shoot(editor, screenshots, "knowledge")
    try:
        editor.fill("input[name=note]", "登录第一步先重启路由器")
        editor.click("#publish")
        expect(editor.locator(".flash.ok")).to_contain_text("已发布版本")
        page.goto(servers.console_url + "/")
        widget = ChatWidget(page).open()
        widget.say("电子税务局登录不上")
        expect(page.locator(".fw-msg.fw-bot", has_text=marker)).to_be_visible()
        page.screenshot(path=screenshots / "console-knowledge-widget-desktop.png")
    finally:
        editor.goto(servers.console_url + "/operator/knowledge/problems/login_failure")
        editor.locator("textarea[name=step0_instructions]").fill(original)
        editor.click("#save-problem")
        editor.goto(servers.console_url + "/operator/knowledge")
        editor.click("#publish")
        expect(editor.locator(".flash.ok")).to_contain_text("已发布版本")
        editor.close()


def test_a_down_vote_with_a_comment_reaches_the_feedback_page(context, page, servers, operator_account,
                                                               screenshots):
    page.goto(servers.console_url + "/")
    widget = ChatWidget(page).open()
    widget.say("电子税务局登录不上")
    last = page.locator(".fw-msg.fw-bot:not(.fw-greeting)").last
    last.locator(".fw-vote.fw-down").click()
    comment = last.locator(".fw-comment-input")
    expect(comment).to_be_visible()
    comment.fill("步骤太笼统，看不懂")
    last.locator(".fw-comment-send").click()
    expect(last.locator(".fw-vote-thanks")).to_contain_text("感谢您的留言")
    agent = context.new_page()
    sign_in(agent, servers)
    agent.goto(servers.console_url + "/operator/feedback?down=1")
    row = agent.locator("#votes tr", has_text="步骤太笼统，看不懂")
    expect(row).to_be_visible()
    expect(row).to_contain_text("登录失败")
    shoot(agent, screenshots, "feedback")
    row.locator("a", has_text="查看对话").click()
    expect(agent.locator("#transcript")).to_contain_text("电子税务局登录不上")
    shoot(agent, screenshots, "conversation")
    agent.close()


def test_an_admin_adds_an_agent_who_can_sign_in(context, page, servers, loop_thread, screenshots):
    sessions = make_app_session_factory(Settings.from_env(dict(servers.env)).app_database_url)
    store = SqlOperatorStore(sessions)

    async def make_admin():
        if await store.get("boss") is None:
            await store.add("boss", PASSWORD, "admin", "李主管")

    loop_thread.run(make_admin())
    page.goto(servers.console_url + "/operator/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(servers.console_url + "/operator/accounts")
    form = page.locator("form[action='/operator/accounts']")
    form.locator("input[name=username]").fill("zhaoliu")
    form.locator("input[name=display_name]").fill("赵六")
    form.locator("select[name=role]").select_option("agent")
    form.locator("input[name=password]").fill("zhaoliu-password")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash.ok")).to_contain_text("已添加 zhaoliu")
    shoot(page, screenshots, "accounts")
    page.goto(servers.console_url + "/operator/knowledge/errors/cy_daily_limit")
    expect(page.locator("textarea[name=fix]")).to_contain_text("明天次数会自动恢复")
    shoot(page, screenshots, "knowledge-error")
    page.click(".whoami button")
    expect(page).to_have_url(re.compile(r"/operator/login"))
    page.fill("input[name=username]", "zhaoliu")
    page.fill("input[name=password]", "zhaoliu-password")
    page.click("button[type=submit]")
    expect(page.locator(".whoami")).to_contain_text("赵六（客服）")
    expect(page.locator(".menu a[href='/operator/accounts']")).to_have_count(0)


def test_dashboard_renders_its_charts(page, servers, operator_account, screenshots, loop_thread):
    """After the conversations above (counted as `make run`'s analytics follower counts them)."""
    import uuid

    import requests

    from bot.app.analytics import SqlAnalyticsStore
    from bot.app.analytics_runner import TrackerEvents, catch_up

    sender = f"dashboard-{uuid.uuid4().hex[:12]}"  # at least one conversation, whatever ran before
    requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": "电子税务局登录不上"},
                  timeout=120).raise_for_status()
    settings = Settings.from_env(dict(servers.env))
    store = SqlAnalyticsStore(make_app_session_factory(settings.app_database_url))
    loop_thread.run(catch_up(store, TrackerEvents(settings.tracker_store_url)), timeout=120)
    sign_in(page, servers)
    page.goto(servers.console_url + "/operator/dashboard")
    expect(page.locator("[data-chart][data-rendered='1']")).to_have_count(6)
    expect(page.locator("[data-chart='conversations'] canvas")).to_have_count(1)
    expect(page.locator("#charts-missing")).to_be_hidden()
    assert int(page.locator("#kpi-conversations").inner_text()) > 0
    shoot(page, screenshots, "dashboard")
