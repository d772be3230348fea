"""An active announcement shows as a banner when the panel opens."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.widget import ChatWidget


def test_active_announcement_shows_as_banner(page, servers, screenshots):
    published = servers.operator("POST", "/api/operator/announcements", json={
        "kind": "maintenance",
        "title": "系统升级维护",
        "message": "今晚 22:00 至次日 02:00 升级开票服务，期间无法开具发票。",
        "expected_recovery": "2030-01-01T02:00:00+08:00",
    })
    assert published.status_code == 201, published.text
    announcement = published.json()["announcement"]
    try:
        page.goto(servers.console_url + "/")
        widget = ChatWidget(page).open()
        expect(widget.banner).to_have_count(1)
        expect(widget.banner).to_contain_text("系统升级维护")
        expect(widget.banner).to_contain_text("系统维护")
        expect(widget.banner.locator(".fw-banner-eta")).to_contain_text("1月1日")
        page.screenshot(path=screenshots / "desktop-7-announcement-banner.png")

        widget.banner.locator(".fw-banner-close").click()
        expect(widget.banner).to_have_count(0)
    finally:
        ended = servers.operator("DELETE", f"/api/operator/announcements/{announcement['id']}")
        assert ended.status_code == 200, ended.text

    page.reload()
    expect(ChatWidget(page).panel).to_be_visible()
    page.wait_for_timeout(300)
    expect(ChatWidget(page).banner).to_have_count(0)
