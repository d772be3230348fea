"""The action server's entry point (actions/__main__.py): warm-up and loopback default."""
import logging
import os

import pytest

from actions import __main__ as action_server
from bot.app import container


class RecordingKnowledgeBase:
    def __init__(self, fail: bool = False) -> None:
        self.queries = []
        self.fail = fail

    async def search(self, text, limit=3):
        self.queries.append(text)
        if self.fail:
            raise RuntimeError("database is locked")
        return []


@pytest.fixture(autouse=True)
def clean_container():
    container.use(None)
    yield
    container.use(None)


def test_warm_up_builds_the_search_index():
    kb = RecordingKnowledgeBase()
    container.use(container.Container(knowledge=kb))
    seconds = action_server.warm_up()
    assert kb.queries == [action_server.WARM_UP_QUERY]
    assert seconds >= 0


def test_a_failed_warm_up_is_logged_and_the_server_still_starts(caplog):
    container.use(container.Container(knowledge=RecordingKnowledgeBase(fail=True)))
    with caplog.at_level(logging.ERROR):
        action_server.warm_up()
    assert "Warm-up of the knowledge base failed" in caplog.text


def test_the_server_listens_on_loopback_unless_told_otherwise(monkeypatch):
    hosts = []

    def rasa_sdk_main():  # what rasa-sdk's run() reads to bind
        hosts.append(os.environ["SANIC_HOST"])

    monkeypatch.setattr(action_server, "warm_up", lambda: 0.0)
    monkeypatch.setattr(action_server, "install_security", lambda token: None)
    monkeypatch.setattr("rasa_sdk.__main__.main", rasa_sdk_main)
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "unit-test-action-token")
    monkeypatch.delenv("SANIC_HOST", raising=False)
    action_server.main()
    monkeypatch.setenv("SANIC_HOST", "0.0.0.0")
    action_server.main()
    assert hosts == ["127.0.0.1", "0.0.0.0"]


def test_the_server_refuses_to_start_without_its_shared_secret(monkeypatch):
    monkeypatch.setattr(action_server, "warm_up", lambda: 0.0)
    monkeypatch.setattr("rasa_sdk.__main__.main", lambda: pytest.fail("started without a token"))
    monkeypatch.delenv("ACTION_SERVER_TOKEN", raising=False)
    with pytest.raises(SystemExit) as stopped:
        action_server.main()
    assert "ACTION_SERVER_TOKEN" in str(stopped.value)
