"""Typing into the widget: Chinese input methods, Shift+Enter, and markup shown as text."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.widget import ChatWidget

# docs/channels.md §7: a real IME cannot be driven headless, so the tests dispatch the
# events a browser sends while a pinyin candidate is being confirmed.
COMPOSE_AND_CONFIRM = """
(input) => {
  input.dispatchEvent(new CompositionEvent('compositionstart', {data: ''}));
  input.value = '你好';
  input.dispatchEvent(new CompositionEvent('compositionupdate', {data: '你好'}));
  // Chrome / Firefox: Enter inside the composition has isComposing = true.
  input.dispatchEvent(new KeyboardEvent('keydown',
    {key: 'Enter', code: 'Enter', isComposing: true, bubbles: true, cancelable: true}));
  input.dispatchEvent(new CompositionEvent('compositionend', {data: '你好'}));
}
"""
SAFARI_STYLE_ENTER = """
(input) => {
  // Safari sends the confirming keydown after compositionend, recognisable only by keyCode 229.
  const event = new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', bubbles: true, cancelable: true});
  Object.defineProperty(event, 'keyCode', {get: () => 229});
  input.dispatchEvent(event);
}
"""
ENTER_RIGHT_AFTER_COMPOSITIONEND = """
(input) => {
  input.dispatchEvent(new CompositionEvent('compositionstart', {data: ''}));
  input.dispatchEvent(new CompositionEvent('compositionend', {data: '好'}));
  input.dispatchEvent(new KeyboardEvent('keydown',
    {key: 'Enter', code: 'Enter', bubbles: true, cancelable: true}));
}
"""


def open_widget(page, servers) -> ChatWidget:
    page.goto(servers.console_url + "/")
    return ChatWidget(page).open()


def test_enter_during_composition_sends_nothing(page, servers):
    widget = open_widget(page, servers)
    session = widget.session_id()
    widget.input.evaluate(COMPOSE_AND_CONFIRM)
    widget.input.evaluate(SAFARI_STYLE_ENTER)
    widget.input.evaluate(ENTER_RIGHT_AFTER_COMPOSITIONEND)
    page.wait_for_timeout(500)
    expect(widget.user_messages).to_have_count(0)
    expect(widget.input).to_have_value("你好")

    widget.input.press("Enter")  # a plain Enter afterwards sends
    expect(widget.user_messages).to_have_count(1)
    expect(widget.user_messages.first.locator('.fw-bubble')).to_have_text("你好")
    widget.wait_for_reply(0)
    assert servers.user_texts(session) == ["你好"]


def test_shift_enter_inserts_a_newline(page, servers):
    widget = open_widget(page, servers)
    widget.input.click()
    page.keyboard.type("第一行")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("第二行")
    expect(widget.input).to_have_value("第一行\n第二行")
    expect(widget.user_messages).to_have_count(0)
    page.keyboard.press("Enter")
    expect(widget.user_messages).to_have_count(1)
    assert widget.user_messages.first.locator(".fw-line").all_inner_texts() == ["第一行", "第二行"]


def test_markup_is_shown_as_text_and_never_runs(page, servers, screenshots):
    widget = open_widget(page, servers)
    markup = "<img src=x onerror=alert(1)>"
    widget.say(markup)
    expect(widget.user_messages.last.locator('.fw-bubble')).to_have_text(markup)
    assert page.locator(".fw-log img").count() == 0
    assert page.dialogs == []
    page.screenshot(path=screenshots / "desktop-6-markup-as-text.png")
    widget.say("<b>加粗</b><script>alert(2)</script>")
    expect(widget.user_messages.last.locator('.fw-bubble')).to_have_text("<b>加粗</b><script>alert(2)</script>")
    assert page.locator(".fw-log b, .fw-log script").count() == 0
    assert page.dialogs == []
