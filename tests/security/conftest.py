"""Fixtures of the hostile-input suite (issue 14): the real servers, as `make run` starts them.

- ``rasa_stack`` (tests/conftest.py): the session's stack with its console and the test WeChat
  accounts (safe mode), default limits;
- ``strict_stack``: a second stack with small invoice look-up limits (so that a limit can be hit
  without using up the budget of 127.0.0.1 for the other suites) and the Official Account in
  compatible mode (plaintext callbacks accepted, the replay check matters).
"""
from __future__ import annotations

from typing import Dict, Iterator

import pytest
import requests

from tests.channels.accounts import channel_env
from tests.conftest import stack_model
from tests.support.client import api_params, remember_token
from tests.support.servers import Stack

pytestmark = pytest.mark.servers

#: The embedded invoice system's demo parties (bot/app/invoices/sql.py, docs/invoice-api.md).
SELLER_TAX_ID = "91110108MA01A2B3CF"
BUYER_TAX_ID = "91110105MA00K7P8QR"
#: A valid tax ID of nobody in the demo data.
OTHER_TAX_ID = "91310000MA1FL0XX2F"
STRICT_LIMITS = {"INVOICE_LOOKUP_LIMIT_CONVERSATION": "2", "INVOICE_LOOKUP_LIMIT_CLIENT": "3"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/security" in str(item.fspath):
            item.add_marker(pytest.mark.servers)


@pytest.fixture(scope="session")
def strict_stack(tmp_path_factory) -> Iterator[Stack]:
    env: Dict[str, str] = {**channel_env("http://127.0.0.1:9"), "WECHAT_MODE": "compat", **STRICT_LIMITS}
    stack = Stack(var_dir=tmp_path_factory.mktemp("var-strict"), env=env, model=stack_model(), name="security-strict")
    stack.start()
    remember_token(stack)
    try:
        yield stack
    finally:
        stack.stop()


def say(rasa_url: str, sender: str, text: str, **extra) -> requests.Response:
    """One REST message (the raw response: status codes matter here)."""
    return requests.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text, **extra},
                         timeout=60)


def tracker(rasa_url: str, sender: str) -> dict:
    response = requests.get(f"{rasa_url}/conversations/{sender}/tracker", params=api_params(rasa_url), timeout=30)
    response.raise_for_status()
    return response.json()


def all_text(messages) -> str:
    return "\n".join(m.get("text", "") for m in messages if isinstance(m, dict))
