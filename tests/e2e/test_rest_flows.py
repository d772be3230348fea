"""End to end over the REST channel: the real Rasa server, action server and SQLite stores.

Every problem is taken through a complete flow; one flow survives a restart of both servers.
Assertions use response names and slots from the tracker, not the Chinese wording.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from knowledge.db import make_engine, make_session_factory
from knowledge.repository import KnowledgeBase
from tests.support.client import Conversation, button_payloads, texts

pytestmark = pytest.mark.servers

TICKET = re.compile(r"GD\d{8}-\d{6}")
STEP_BUTTONS = {"/problem_solved", "/problem_persists", "/request_human"}
CHINA = timezone(timedelta(hours=8))
#: The embedded invoice system's demo seller (bot/app/invoices/sql.py, docs/invoice-api.md).
SELLER_TAX_ID = "91110108MA01A2B3CF"


def run_out_of_steps(chat: Conversation, limit: int = 12) -> str:
    """Answer 没解决 until the assistant hands over; returns the ticket number."""
    for _ in range(limit):
        messages = chat.say("/problem_persists")
        found = TICKET.search(texts(messages))
        if found:
            assert "utter_steps_exhausted" in chat.last_turn_responses()
            return found.group(0)
        assert STEP_BUTTONS <= set(button_payloads(messages))
    raise AssertionError("the steps never ran out")


def test_login_failure_runs_out_of_steps_into_a_ticket(rasa_stack):
    chat = Conversation(rasa_stack.rasa_url)
    first = chat.say("电子税务局登录不上，一直提示密码错误")
    assert chat.last_intent() == "login_failure"
    assert "utter_troubleshooting_step" in chat.last_turn_responses()
    assert STEP_BUTTONS <= set(button_payloads(first))
    number = run_out_of_steps(chat)
    assert chat.slot("ticket_number") == number
    assert chat.slot("problem") is None
    chat.say("我的工单怎么样了")
    assert chat.last_turn_responses() == ["utter_ticket_status_open"]


def test_invoice_missing_looks_the_invoice_up_and_closes_with_a_rating(rasa_stack):
    chat = Conversation(rasa_stack.rasa_url)
    chat.say("客户说发票开给我们了，可我们系统里没有")
    assert chat.last_turn_responses()[-1] == "utter_ask_invoice_number"
    chat.say("发票号码是34567890")
    # Invoice data only after a relation is shown (issue 14): the seller's or buyer's tax ID.
    assert chat.last_turn_responses()[-1] == "utter_ask_invoice_relation"
    chat.say(f"销售方税号 {SELLER_TAX_ID}")
    assert chat.slot("invoice_status") == "upload_failed"
    responses = chat.last_turn_responses()
    assert "utter_invoice_status_upload_failed" in responses
    assert responses[-1] == "utter_troubleshooting_step"
    messages = chat.say("/problem_solved")
    assert chat.last_turn_responses() == ["utter_problem_solved", "utter_ask_rating"]
    assert any(p.startswith("/rate") for p in button_payloads(messages))
    chat.say('/rate{"rating":"4"}')
    assert chat.last_turn_responses() == ["utter_rating_thanks"]
    assert chat.slot("rating") == "4"


def test_query_empty_with_an_unknown_invoice_then_a_person(rasa_stack):
    chat = Conversation(rasa_stack.rasa_url)
    chat.say("查询发票结果是空的，什么都查不到")
    chat.say("1234")  # too short: what is wrong is said, the question is not repeated word for word
    assert chat.last_turn_responses() == ["utter_invoice_number_wrong_length"]
    chat.say("99999999")
    chat.say(f"我们的税号是{SELLER_TAX_ID}")
    assert chat.slot("invoice_status") == "not_found"
    messages = chat.say("转人工")
    assert TICKET.search(texts(messages))
    # the ticket holds the problem, the details given (number, tax ID) and the step shown
    assert chat.last_turn_responses() == ["utter_ticket_created_steps_details"]


def test_issuance_failure_typed_answers_until_a_ticket(rasa_stack):
    chat = Conversation(rasa_stack.rasa_url)
    chat.say("开票的时候提示“授信额度不足”，开不出来")
    assert chat.slot("problem") == "issuance_failure"
    chat.say("还是不行")
    assert chat.slot("step_index") == 1.0
    assert run_out_of_steps(chat)


def test_upload_failure_solved_at_the_first_step(rasa_stack):
    chat = Conversation(rasa_stack.rasa_url)
    chat.say("发票一直上传失败")
    chat.say("好了，已经解决了")
    assert chat.last_turn_responses()[0] == "utter_problem_solved"
    chat.say("5分")
    assert chat.slot("rating") == "5"


def test_system_outage_reports_the_active_announcement(rasa_stack):
    kb = KnowledgeBase(make_session_factory(make_engine(
        f"sqlite:///{rasa_stack.var_dir / 'app.db'}")))
    now = datetime.now(CHINA)
    notice = kb.add_announcement(
        "电子税务局系统升级维护", "升级期间暂停开票和查询服务。", kind="maintenance",
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2),
        expected_recovery=now + timedelta(hours=2), affects=["system_outage", "login_failure"],
    )
    try:
        chat = Conversation(rasa_stack.rasa_url)
        messages = chat.say("系统是不是崩了，网页打不开")
        assert "utter_announcement" in chat.last_turn_responses()
        assert "电子税务局系统升级维护" in texts(messages)
        assert run_out_of_steps(chat)
    finally:  # the stack is shared: later tests must not see this maintenance window
        kb.end_announcement(notice.id)


def test_a_conversation_continues_after_both_servers_restart(rasa_stack):
    chat = Conversation(rasa_stack.rasa_url)
    chat.say("上传发票一直报错，传不上去")
    chat.say("没解决")
    assert chat.slot("step_index") == 1.0
    rasa_stack.restart()
    chat.rasa_url = rasa_stack.rasa_url
    assert chat.slot("step_index") == 1.0  # the tracker came back from SQLite
    chat.say("/problem_persists")
    assert chat.slot("step_index") == 2.0
    assert chat.last_turn_responses()[-1] == "utter_troubleshooting_step"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "utter_empty_message"),
        ("   ", "utter_empty_message"),
        ("😭😭😭🙏", "utter_empty_message"),
        ("？？？！！", "utter_empty_message"),
        ("<script>alert(1)</script>", None),
        ("'; DROP TABLE tickets; --", None),
        ("发票" * 2500, None),
        ("我的税号是91110108MA01ABCD1Y", "utter_invalid_tax_id"),
    ],
    ids=["empty", "spaces", "emoji", "punctuation", "markup", "sql", "5000-chars", "bad-tax-id"],
)
def test_bad_input_gets_a_polite_answer(rasa_stack, text, expected):
    chat = Conversation(rasa_stack.rasa_url)
    messages = chat.say(text)
    assert messages and all(m.get("text") for m in messages)
    if expected:
        assert expected in chat.last_turn_responses()
    # the server is still fine for everyone
    other = Conversation(chat.rasa_url)
    other.say("你好")
    assert other.last_turn_responses() == ["utter_greet"]
