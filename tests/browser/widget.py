"""A page object for the chat widget (Playwright locators pierce its open shadow root)."""
from __future__ import annotations

from typing import List

from playwright.sync_api import Locator, Page, expect

STORAGE_SESSION_KEY = "fapiao-widget:session"


REPLY_TIMEOUT_MS = 30_000


class ChatWidget:
    """Drives the widget on a page the way a user does."""

    def __init__(self, page: Page) -> None:
        self.page = page

    # -- parts ------------------------------------------------------------------------------
    @property
    def launcher(self) -> Locator:
        return self.page.locator(".fw-launcher")

    @property
    def panel(self) -> Locator:
        return self.page.locator(".fw-panel")

    @property
    def input(self) -> Locator:
        return self.page.locator(".fw-input")

    @property
    def bot_messages(self) -> Locator:
        return self.page.locator(".fw-msg.fw-bot:not(.fw-greeting)")

    @property
    def user_messages(self) -> Locator:
        return self.page.locator(".fw-msg.fw-user")

    @property
    def active_chips(self) -> Locator:
        return self.page.locator(".fw-chip:not([disabled])")

    @property
    def status(self) -> Locator:
        return self.page.locator(".fw-status")

    @property
    def banner(self) -> Locator:
        return self.page.locator(".fw-banner")

    # -- actions ----------------------------------------------------------------------------
    def open(self) -> "ChatWidget":
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.status).to_be_hidden()  # connected
        return self

    def session_id(self) -> str:
        """The conversation id of the session the server minted (waits for its confirmation)."""
        self.page.wait_for_function(
            f"() => /^[0-9a-f]{{32}}$/.test(localStorage.getItem('{STORAGE_SESSION_KEY}') || '')")
        return self.page.evaluate(f"() => localStorage.getItem('{STORAGE_SESSION_KEY}')")

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def wait_for_reply(self, bot_count_before: int) -> None:
        """Wait until a new bot message arrived and the turn is over (typing indicator gone)."""
        # A first turn on a busy 2-core CI machine can take several seconds (the action server
        # builds the knowledge base index on first use): wait like a patient user, not 5 s.
        expect(self.bot_messages).not_to_have_count(bot_count_before, timeout=REPLY_TIMEOUT_MS)
        expect(self.page.locator(".fw-typing")).to_be_hidden(timeout=REPLY_TIMEOUT_MS)
        expect(self.page.locator(".fw-msg.fw-pending")).to_have_count(0, timeout=REPLY_TIMEOUT_MS)

    def say(self, text: str) -> None:
        before = self.bot_messages.count()
        self.send(text)
        self.wait_for_reply(before)

    def choose(self, title: str) -> None:
        before = self.bot_messages.count()
        self.active_chips.filter(has_text=title).first.click()
        self.wait_for_reply(before)

    def chip_titles(self) -> List[str]:
        return [t.strip() for t in self.active_chips.all_inner_texts()]

    def transcript(self) -> List[str]:
        return [t.strip() for t in self.page.locator(".fw-msg .fw-bubble").all_inner_texts()]
