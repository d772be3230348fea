"""The HTTP API's token compared in constant time, everything else left to Rasa's decorator."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
import rasa.server
from rasa.server import ErrorResponse

from bot.rasa_plugins import api_token


def request(token=None):
    args = {} if token is None else {"token": token}
    return SimpleNamespace(args=args, app=SimpleNamespace(config={}))


async def handler(request, conversation_id=None):
    return "served"


def guarded(token):
    app = SimpleNamespace(config={})  # no JWT configured
    return api_token.constant_time_requires_auth(rasa.server.requires_auth)(app, token)(handler)


def test_the_right_token_is_served_and_compared_with_compare_digest(monkeypatch):
    calls = []
    real = api_token.hmac.compare_digest
    monkeypatch.setattr(api_token.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    assert asyncio.run(guarded("s3cret")(request("s3cret"))) == "served"
    assert calls == [(b"s3cret", b"s3cret")]


@pytest.mark.parametrize("provided", [None, "", "s3cre", "s3cret ", "S3CRET", "令牌"])
def test_any_other_token_gets_rasas_401(provided):
    with pytest.raises(ErrorResponse) as error:
        asyncio.run(guarded("s3cret")(request(provided)))
    assert error.value.status == 401


def test_without_a_token_rasas_decorator_decides_as_before():
    assert asyncio.run(guarded(None)(request())) == "served"  # authentication disabled, as in Rasa


def test_install_replaces_rasas_decorator_once(monkeypatch):
    monkeypatch.setattr(rasa.server, "requires_auth", rasa.server.requires_auth)
    original = rasa.server.requires_auth
    api_token.install()
    installed = rasa.server.requires_auth
    api_token.install()
    assert installed is rasa.server.requires_auth is not original
    assert installed.constant_time
