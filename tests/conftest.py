"""Shared fixtures: the real server stack, started once per test session when a test needs it."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Dict, Iterator

import pytest

from bot.launcher.commands import DEFAULT_MODEL
from tests.support.client import remember_token
from tests.support.servers import Stack, free_port

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


@pytest.fixture(scope="session")
def wechat_api_port() -> int:
    """Port the WeChat API simulator listens on; the stack's WECHAT_API_BASE points here."""
    return free_port()


def _channel_test_env(wechat_api_port: int) -> Dict[str, str]:
    """Settings of the WeChat/WeCom channels for tests (tests/support/wechat_env.py)."""
    if importlib.util.find_spec("tests.support.wechat_env") is None:
        return {}
    from tests.support.wechat_env import wechat_test_env

    return wechat_test_env(f"http://127.0.0.1:{wechat_api_port}")


#: Port of a second site that embeds the widget (allowed in the session stack's ALLOWED_ORIGINS).
WIDGET_SITE_PORT = free_port()


def stack_model() -> Path:
    """The model the test stacks serve: ``FAPIAO_TEST_MODEL`` (a model trained elsewhere, e.g.
    while models/fapiao.tar.gz is being retrained) or models/fapiao.tar.gz."""
    return Path(os.environ.get("FAPIAO_TEST_MODEL") or DEFAULT_MODEL)


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory, wechat_api_port) -> Iterator[Stack]:
    """Action server + Rasa server + console with their own databases, for the whole session."""
    console_port = free_port()
    # The one origin allow-list (docs/privacy.md): the stack's console and a second "site" that
    # embeds the widget from another origin (the browser tests' proxied console).
    origins = [f"http://127.0.0.1:{console_port}", f"http://localhost:{console_port}",
               f"http://127.0.0.1:{WIDGET_SITE_PORT}"]
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("var"),
        model=stack_model(),
        console_port=console_port,
        env={**_channel_test_env(wechat_api_port), "ALLOWED_ORIGINS": ",".join(origins)},
        with_console=importlib.util.find_spec("bot.console") is not None,
        name="session",
    )
    stack.start()
    remember_token(stack)  # the HTTP API always needs its token (tests/support/client.py)
    try:
        yield stack
    finally:
        stack.stop()
