"""Secure defaults of the servers (issue 14, against the real servers): the HTTP API needs its
token, CORS and socket.io Origins follow one allow-list, the action server needs its secret and
never echoes requests, bodies and fields are capped and typed, payload slots are validated,
de-duplication is recorded after a turn succeeded."""
from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.security.conftest import say, tracker

EVIL = "https://evil.example"


def sender() -> str:
    return f"sec-{uuid.uuid4().hex[:16]}"


# --- the HTTP API ---------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("GET", "/conversations/someone/tracker"),
    ("PUT", "/conversations/someone/tracker/events"),
    ("POST", "/conversations/someone/messages"),
    ("DELETE", "/model"),
    ("GET", "/status"),
])
def test_the_http_api_needs_its_token(rasa_stack, method, path):
    response = requests.request(method, rasa_stack.rasa_url + path, json=[] if method == "PUT" else {}, timeout=30)
    assert response.status_code == 401
    wrong = requests.request(method, rasa_stack.rasa_url + path, params={"token": "guess"}, timeout=30)
    assert wrong.status_code == 401


def test_a_generated_token_is_in_the_launchers_environment(rasa_stack):
    token = rasa_stack.environment()["RASA_AUTH_TOKEN"]
    assert len(token) >= 32
    assert requests.get(f"{rasa_stack.rasa_url}/status", params={"token": token}, timeout=30).status_code == 200


def test_cors_answers_only_the_allowed_origins(rasa_stack):
    preflight = {"Access-Control-Request-Method": "GET"}
    evil = requests.options(f"{rasa_stack.rasa_url}/conversations/x/tracker",
                            headers={"Origin": EVIL, **preflight}, timeout=30)
    assert "Access-Control-Allow-Origin" not in evil.headers
    assert "Access-Control-Allow-Credentials" not in evil.headers
    own = rasa_stack.console_url
    allowed = requests.options(f"{rasa_stack.rasa_url}/conversations/x/tracker",
                               headers={"Origin": own, **preflight}, timeout=30)
    assert allowed.headers.get("Access-Control-Allow-Origin") == own


def test_socketio_refuses_other_origins(rasa_stack):
    url = f"{rasa_stack.rasa_url}/socket.io/?EIO=4&transport=polling"
    assert requests.get(url, headers={"Origin": EVIL}, timeout=30).status_code == 400
    assert requests.get(url, headers={"Origin": rasa_stack.console_url}, timeout=30).status_code == 200


def test_the_console_public_api_allows_only_the_allow_list(rasa_stack):
    url = f"{rasa_stack.console_url}/api/announcements/active"
    assert "Access-Control-Allow-Origin" not in requests.get(url, headers={"Origin": EVIL}, timeout=30).headers
    own = requests.get(url, headers={"Origin": rasa_stack.console_url}, timeout=30)
    assert own.headers.get("Access-Control-Allow-Origin") == rasa_stack.console_url


# --- the action server ----------------------------------------------------------------------

def action_call(sender_id: str, text: str) -> dict:
    return {"next_action": "action_check_invoice", "sender_id": sender_id, "version": "3.6.21",
            "tracker": {"sender_id": sender_id, "slots": {"invoice_number": text}, "latest_message": {"text": text},
                        "events": "not a list " + text, "paused": False, "active_loop": {}},
            "domain": {}}


def test_the_action_server_needs_its_secret(rasa_stack):
    body = action_call("x", "12345678")
    assert requests.post(f"{rasa_stack.action_url}/webhook", json=body, timeout=30).status_code == 401
    assert requests.post(f"{rasa_stack.action_url}/webhook", json=body, headers={"X-Action-Token": "guess"},
                         timeout=30).status_code == 401
    assert requests.get(f"{rasa_stack.action_url}/actions", timeout=30).status_code == 401


def test_the_action_server_never_echoes_a_request(rasa_stack):
    secret = rasa_stack.environment()["ACTION_SERVER_TOKEN"]
    response = requests.post(f"{rasa_stack.action_url}/webhook", json=action_call("x", "13812345678"),
                             headers={"X-Action-Token": secret}, timeout=30)
    assert response.status_code >= 400
    assert "13812345678" not in response.text and "request_body" not in response.text


# --- bodies and fields ----------------------------------------------------------------------

def test_a_huge_message_is_refused_and_not_stored(rasa_stack):
    who = sender()
    body = json.dumps({"sender": who, "message": "发票" * 1_000_000})
    response = requests.post(f"{rasa_stack.rasa_url}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 413
    assert not [e for e in tracker(rasa_stack.rasa_url, who)["events"] if e["event"] == "user"]


@pytest.mark.parametrize("body, error", [
    ('{"sender": "a-1", "message": 5}', "invalid_message"),
    ('{"sender": "a-1", "message": ["你好"]}', "invalid_message"),
    ('[{"sender": "a-1", "message": "你好"}]', "invalid_body"),
    ('"你好"', "invalid_body"),
    ('{"sender": "a-1", "message": "你好", "metadata": "x"}', "invalid_metadata"),
    ('{"sender": "a-1", "message": "\\ud800"}', "invalid_text"),
    ('{"sender": "a-1", "message": "你好"', "invalid_json"),
    ("[" * 5000 + "]" * 5000, "too_deep"),
])
def test_wrongly_typed_rest_bodies_are_a_clear_400(rasa_stack, body, error):
    response = requests.post(f"{rasa_stack.rasa_url}/webhooks/rest/webhook", data=body.encode("utf-8"),
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400 and response.json()["error"] == error


@pytest.mark.parametrize("body", ['{"kind": "vote", "x": ' + "[" * 5000 + "]" * 5000 + "}",
                                  '{"kind": "vote", "session_id": "\\udc00", "up": true}'])
def test_hostile_json_to_the_console_is_a_400(rasa_stack, body):
    response = requests.post(f"{rasa_stack.console_url}/api/feedback", data=body.encode("utf-8"),
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400


def test_the_http_api_gets_typed_bodies_too(rasa_stack):
    token = rasa_stack.environment()["RASA_AUTH_TOKEN"]
    parse = requests.post(f"{rasa_stack.rasa_url}/model/parse", params={"token": token}, json={"text": 5}, timeout=30)
    assert parse.status_code == 400
    array = requests.post(f"{rasa_stack.rasa_url}/model/parse", params={"token": token}, json=["x"], timeout=30)
    assert array.status_code == 400


# --- payloads -------------------------------------------------------------------------------

@pytest.mark.parametrize("payload, slot", [
    ('/inform{"invoice_number": "../../admin?x=1"}', "invoice_number"),
    ('/inform{"invoice_number": "1234"}', "invoice_number"),
    ('/inform{"tax_id": "91110108MA01A2B3C0"}', "tax_id"),
    ('/inform{"phone_number": {"$ne": 1}}', "phone_number"),
    ('/rate{"rating": "500"}', "rating"),
])
def test_payload_slots_are_validated_like_typed_values(rasa_stack, payload, slot):
    who = sender()
    assert say(rasa_stack.rasa_url, who, payload).status_code == 200
    assert tracker(rasa_stack.rasa_url, who)["slots"].get(slot) is None


def test_valid_payload_values_still_work(rasa_stack):
    who = sender()
    say(rasa_stack.rasa_url, who, '/inform{"tax_id": "91110108MA01A2B3CF"}')
    assert tracker(rasa_stack.rasa_url, who)["slots"]["tax_id"] == "91110108MA01A2B3CF"
