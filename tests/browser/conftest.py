"""Fixtures of the browser tests: real servers on 127.0.0.1 and Debian's headless chromium.

Servers: the session's ``rasa_stack`` (tests/conftest.py: action server, Rasa server and console
from models/fapiao.tar.gz). For work on the widget alone, ``BROWSER_TEST_RASA_URL`` points the
tests at an already running Rasa server instead (any model with ``login_failure`` and the
已解决/没解决/转人工 buttons, socket.io channel ``SocketIOInputFixed``); the console then runs in
this process.

Next to that console the tests run, in this process, an operator console (same databases,
known OPERATOR_TOKEN) and a console whose widget reaches Rasa through a TCP proxy the tests
can cut (the dropped-connection test).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from bot.app.settings import PROJECT_ROOT
from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    DroppableProxy,
    InProcessConsole,
    LoopThread,
    Servers,
    console_settings,
)
from tests.conftest import WIDGET_SITE_PORT
from tests.support.servers import free_port

SCREENSHOTS = PROJECT_ROOT / "results" / "screenshots"
OPERATOR_TOKEN = "browser-test-operator-token"

pytestmark = [pytest.mark.browser, pytest.mark.servers]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.servers)


@pytest.fixture(scope="session")
def loop_thread() -> Iterator[LoopThread]:
    loop = LoopThread()
    yield loop
    loop.stop()


@pytest.fixture(scope="session")
def servers(request, tmp_path_factory, loop_thread) -> Iterator[Servers]:
    """The Rasa server, the console of the demo page and an operator console."""
    started = []
    external = os.environ.get("BROWSER_TEST_RASA_URL")
    if external:
        var_dir = tmp_path_factory.mktemp("browser-var")
        env = dict(os.environ, VAR_DIR=str(var_dir), RASA_URL=external.rstrip("/"))
        env.pop("APP_DATABASE_URL", None)
        console = InProcessConsole(loop_thread, console_settings(env, free_port())).start()
        started.append(console)
        rasa_url, console_url = external.rstrip("/"), console.url
    else:
        stack = request.getfixturevalue("rasa_stack")
        env = stack.environment()
        rasa_url = stack.rasa_url
        if stack.with_console:
            console_url = stack.console_url
        else:
            console = InProcessConsole(loop_thread, console_settings(env, free_port())).start()
            started.append(console)
            console_url = console.url
    base = console_settings(env, free_port())
    operator = InProcessConsole(loop_thread, base.replace(operator_token=OPERATOR_TOKEN)).start()
    started.append(operator)
    try:
        yield Servers(rasa_url=rasa_url, console_url=console_url, env=env,
                      operator_token=OPERATOR_TOKEN, operator_console_url=operator.url)
    finally:
        for server in reversed(started):
            server.stop()


@pytest.fixture()
def proxied(servers, loop_thread) -> Iterator[tuple]:
    """A console whose demo page points the widget at Rasa through a droppable proxy."""
    rasa_port = int(servers.rasa_url.rsplit(":", 1)[1])
    proxy = DroppableProxy(loop_thread, free_port(), rasa_port).start()
    # Served from the second site the session stack allows (tests/conftest.py WIDGET_SITE_PORT).
    console = InProcessConsole(loop_thread, console_settings(
        servers.env, WIDGET_SITE_PORT, rasa_public_url=proxy.url)).start()
    try:
        yield console, proxy
    finally:
        console.stop()
        proxy.stop()


# Package scope: Playwright's sync API holds this thread's event loop while it runs, which
# would break async tests collected after the browser tests in the same pytest run.
@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture()
def context(browser):
    """A fresh browser profile (own localStorage) per test, desktop size."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture()
def page(context):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    dialogs = []
    page.dialogs = dialogs

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    assert page.errors == [], f"JavaScript errors on the page: {page.errors}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
