"""A bounded fuzz run of the public endpoints (issue 14): whatever arrives, the answer is a
clear status (never a 5xx, never a traceback) and the servers keep serving. Hypothesis decides
the inputs; ``max_examples`` and no shrinking past the first failure keep it within minutes."""
from __future__ import annotations

import json
import uuid

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import say

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
OK = {200, 201, 204, 400, 401, 403, 404, 405, 413, 415}
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                    lambda inner: (st.lists(inner, max_size=4)
                                   | st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                    max_leaves=12)
FIELDS = st.fixed_dictionaries({}, optional={"sender": st.one_of(st.text(max_size=70), JSON),
                                             "message": st.one_of(st.text(max_size=300), JSON),
                                             "metadata": JSON, "input_channel": JSON})
RAW = st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))


def post(url: str, data: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(url, data=data, headers={"Content-Type": content_type}, timeout=60)


def test_fuzz_the_rest_webhook(rasa_stack):
    url = f"{rasa_stack.rasa_url}/webhooks/rest/webhook"

    @FUZZ
    @given(body=FIELDS | JSON, raw=RAW)
    def run(body, raw):
        assert post(url, json.dumps(body).encode("utf-8")).status_code in OK
        assert post(url, raw).status_code in OK

    run()
    assert say(rasa_stack.rasa_url, f"fuzz-{uuid.uuid4().hex[:8]}", "你好").status_code == 200


def test_fuzz_the_console_api(rasa_stack):
    console = rasa_stack.console_url

    @FUZZ
    @given(body=JSON, raw=RAW, session=st.text(max_size=90), token=st.text(max_size=90))
    def run(body, raw, session, token):
        header = {"X-Fapiao-Session": token.encode("utf-8", "surrogatepass").decode("latin-1", "replace")}
        assert post(f"{console}/api/feedback", json.dumps(body).encode("utf-8")).status_code in OK
        assert post(f"{console}/api/feedback", raw).status_code in OK
        path = requests.utils.quote(session.encode("utf-8", "surrogatepass"), safe="")
        try:
            status = requests.get(f"{console}/api/history/{path}", headers=header, timeout=30).status_code
        except (ValueError, requests.exceptions.InvalidHeader):
            return  # a header the HTTP client itself refuses to send
        assert status in OK

    run()
    assert requests.get(f"{console}/api/health", timeout=30).status_code == 200


def test_fuzz_the_socketio_handshake_and_wechat_webhook(rasa_stack):
    rasa = rasa_stack.rasa_url

    @FUZZ
    @given(query=st.dictionaries(st.sampled_from(["signature", "timestamp", "nonce", "echostr", "encrypt_type",
                                                  "msg_signature", "EIO", "transport"]), st.text(max_size=40)),
           raw=RAW)
    def run(query, raw):
        assert requests.post(f"{rasa}/webhooks/wechat/webhook", params=query, data=raw, timeout=60).status_code \
            in OK | {503}
        assert requests.get(f"{rasa}/webhooks/wechat/webhook", params=query, timeout=60).status_code in OK | {503}
        assert requests.get(f"{rasa}/socket.io/", params=query, timeout=60).status_code in OK

    run()
