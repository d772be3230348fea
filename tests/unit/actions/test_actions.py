"""Actions with fakes: assertions on response names, their arguments and events."""
from __future__ import annotations

from typing import List

import pytest
from rasa_sdk.events import ActiveLoop
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionHandleInform
from actions.during_step import ActionHandleDuringStep
from actions.feedback import ActionStoreRating
from actions.handoff import ActionCreateTicket, ActionFollowUpTicket, ActionReportTicket
from actions.invoice_lookup import ActionAskInvoiceNumber, ActionCheckInvoice, ValidateInvoiceForm
from actions.knowledge_search import ActionOfferOtherProblems, ActionSearchKnowledge
from actions.troubleshooting import (
    ActionCloseProblem,
    ActionGivePrevention,
    ActionNextStep,
    ActionStartTroubleshooting,
)
from bot.app import container
from bot.app.invoices.base import InvoiceStatus
from bot.app.tickets import TicketStatus
from knowledge.types import SearchHit
from tests.unit.actions.fakes import (
    BUYER_TAX_ID,
    MONDAY_10,
    SELLER_TAX_ID,
    FakeFeedback,
    FakeInvoices,
    FakeKnowledge,
    FakeTickets,
    announcement,
    form_tracker,
    invoice,
    make_problem,
    make_tracker,
)


@pytest.fixture
def kb():
    return FakeKnowledge()


@pytest.fixture
def tickets(kb):
    fake = FakeTickets()
    container.use(container.Container(tickets=fake, knowledge=kb))
    yield fake
    container.use(None)


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages]


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_start_acknowledges_and_resets_the_position_but_keeps_a_given_number(kb):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"step_index": 3.0, "invoice_number": "87654321"}, intent="login_failure")
    events = await ActionStartTroubleshooting(kb).run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == "理解您的着急。"
    assert slot_events(events) | {} == {**slot_events(events), "problem": "login_failure", "step_index": None,
                                        "step_on_screen": False}
    assert "invoice_number" not in slot_events(events)  # never asked for twice


async def test_start_keeps_an_invoice_number_given_in_the_same_message(kb):
    tracker = make_tracker(intent="invoice_missing",
                           entities=[{"entity": "invoice_number", "value": "12345678"}])
    events = await ActionStartTroubleshooting(kb).run(CollectingDispatcher(), tracker, {})
    assert "invoice_number" not in slot_events(events)


@pytest.mark.parametrize("affects, announced",
                         [(("login_failure",), True), (("upload_failure",), False), ((), True)])
async def test_start_reports_a_matching_announcement(kb, affects, announced):
    kb.announcements.append(announcement(affects))
    dispatcher = CollectingDispatcher()
    await ActionStartTroubleshooting(kb).run(dispatcher, make_tracker(intent="login_failure"), {})
    assert ("utter_announcement" in responses(dispatcher)) is announced


async def test_start_without_a_known_problem_asks_which(kb):
    dispatcher = CollectingDispatcher()
    events = await ActionStartTroubleshooting(kb).run(dispatcher, make_tracker(intent="greet"), {})
    assert responses(dispatcher) == ["utter_which_problem"] and events == []


async def test_steps_one_at_a_time_then_a_ticket(kb, tickets):
    action = ActionNextStep(kb)
    slots = {"problem": "login_failure", "step_index": None, "steps_tried": []}
    for expected_index in range(3):
        dispatcher = CollectingDispatcher()
        intent = "login_failure" if expected_index == 0 else "problem_persists"
        events = await action.run(dispatcher, make_tracker(slots, intent=intent), {})
        step_message = dispatcher.messages[-1]
        assert step_message["response"] == "utter_troubleshooting_step"
        assert step_message["step_number"] == expected_index + 1 and step_message["step_total"] == 3
        assert ("utter_step_did_not_help" in responses(dispatcher)) is (expected_index > 0)
        slots.update(slot_events(events))
        assert slots["step_index"] == expected_index
    assert slots["steps_tried"] == ["s0", "s1", "s2"]

    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(slots, intent="problem_persists"), {})
    assert responses(dispatcher) == ["utter_step_did_not_help", "utter_steps_exhausted",
                                     "utter_ticket_created_steps"]
    assert dispatcher.messages[-1]["steps_count"] == 3
    ticket = tickets.created[-1]
    assert ticket.problem == "login_failure" and ticket.steps_tried == ["s0", "s1", "s2"]
    assert slot_events(events)["ticket_number"] == ticket.number
    assert slot_events(events)["problem"] is None
    assert slot_events(events)["ticket_open"] is True and slot_events(events)["step_on_screen"] is False


async def test_next_step_without_a_problem_asks_which(kb):
    dispatcher = CollectingDispatcher()
    await ActionNextStep(kb).run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_which_problem"]


async def test_close_gives_a_tip_and_asks_for_a_rating(kb):
    dispatcher = CollectingDispatcher()
    events = await ActionCloseProblem(kb).run(
        dispatcher, make_tracker({"problem": "login_failure", "step_index": 1.0}), {})
    assert responses(dispatcher) == ["utter_problem_solved", "utter_ask_rating"]
    assert dispatcher.messages[0]["tip"] == "提示一"
    assert slot_events(events)["awaiting_rating"] is True
    dispatcher = CollectingDispatcher()
    await ActionCloseProblem(kb).run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_nothing_to_solve"]


@pytest.mark.parametrize("problem, expected", [("login_failure", "1. 提示一"), (None, "1. 通用一")])
async def test_prevention_tips(kb, problem, expected):
    dispatcher = CollectingDispatcher()
    await ActionGivePrevention(kb).run(dispatcher, make_tracker({"problem": problem}), {})
    tips = dispatcher.messages[0]["tips"].splitlines()
    assert tips[0] == expected and len(tips) == 3 and len(set(tips)) == 3


async def test_ticket_on_request_collects_details_and_leaves_the_form(kb, tickets):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"problem": "invoice_missing", "invoice_number": "12345678",
                            "platform": "电子税务局", "steps_tried": ["s0"]},
                           intent="request_human", active_loop="invoice_form")
    events = await ActionCreateTicket(clock=lambda: MONDAY_10).run(dispatcher, tracker, {})
    assert events[0] == ActiveLoop(None)
    assert tickets.created[0].details == {"invoice_number": "12345678", "platform": "电子税务局"}
    assert responses(dispatcher) == ["utter_ticket_created_steps_details"]
    assert "前" in dispatcher.messages[0]["follow_up"]  # a concrete time from the service level


@pytest.mark.parametrize("slots, expected", [
    ({"problem": "login_failure", "steps_tried": ["s0"]}, "utter_ticket_created_steps"),
    ({"problem": "login_failure"}, "utter_ticket_created_problem"),
    ({"problem": "login_failure", "phone_number": "13800138000"}, "utter_ticket_created_problem_details"),
    ({"phone_number": "13800138000"}, "utter_ticket_created_details"),
    ({}, "utter_ticket_created_bare"),
])
async def test_the_ticket_reply_says_exactly_what_was_recorded(kb, tickets, slots, expected):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, intent="request_human")
    await ActionCreateTicket(clock=lambda: MONDAY_10).run(dispatcher, tracker, {})
    assert responses(dispatcher) == [expected]


async def test_asking_again_returns_the_open_ticket(kb, tickets):
    first, second = CollectingDispatcher(), CollectingDispatcher()
    await ActionCreateTicket(clock=lambda: MONDAY_10).run(first, make_tracker(intent="request_human"), {})
    tracker = make_tracker({"problem": "upload_failure"}, intent="request_human")
    events = await ActionCreateTicket(clock=lambda: MONDAY_10).run(second, tracker, {})
    assert len(tickets.created) == 1
    assert responses(second) == ["utter_ticket_exists"]
    assert second.messages[0]["ticket_number"] == tickets.created[0].number
    assert tickets.created[0].details["notes"] == ["problem=upload_failure"]
    assert slot_events(events)["ticket_number"] == tickets.created[0].number


async def test_the_promise_is_the_same_at_creation_and_in_the_status_reply(kb, tickets):
    created = CollectingDispatcher()
    await ActionCreateTicket(clock=lambda: MONDAY_10).run(created, make_tracker(intent="request_human"), {})
    status = CollectingDispatcher()
    await ActionReportTicket(tickets, kb, clock=lambda: MONDAY_10).run(status, make_tracker(), {})
    assert responses(status) == ["utter_ticket_status_open"]
    assert status.messages[0]["follow_up"] == created.messages[0]["follow_up"]


async def test_ticket_failure_still_answers(kb):
    dispatcher = CollectingDispatcher()
    events = await ActionCreateTicket(FakeTickets(fail=True), kb).run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_ticket_creation_failed"] and events == []


async def test_ticket_status_only_for_the_owner():
    fake = FakeTickets()
    mine = await fake.create("user-1", "login_failure", {}, [])
    other = await fake.create("user-2", "login_failure", {}, [])
    dispatcher = CollectingDispatcher()
    await ActionReportTicket(fake).run(dispatcher, make_tracker(text=f"查一下{other.number}"), {})
    assert dispatcher.messages[0]["ticket_number"] == mine.number
    dispatcher = CollectingDispatcher()
    await ActionReportTicket(fake).run(dispatcher, make_tracker(sender_id="user-3"), {})
    assert responses(dispatcher) == ["utter_no_ticket"]


@pytest.mark.parametrize("status", list(InvoiceStatus))
async def test_each_invoice_status_is_explained(status):
    fake = FakeInvoices({"12345678": invoice("12345678", status)})
    dispatcher = CollectingDispatcher()
    events = await ActionCheckInvoice(fake).run(
        dispatcher, make_tracker({"invoice_number": "12345678", "tax_id": SELLER_TAX_ID}, intent="inform",
                                 text="12345678"), {})
    assert responses(dispatcher) == ["utter_invoice_found", f"utter_invoice_status_{status.value}"]
    assert slot_events(events) == {"invoice_number": "12345678", "invoice_status": status.value}


async def test_a_number_given_earlier_is_used_and_said(kb):
    fake = FakeInvoices({"12345678": invoice("12345678", InvoiceStatus.ISSUED)})
    dispatcher = CollectingDispatcher()
    await ActionCheckInvoice(fake).run(
        dispatcher, make_tracker({"invoice_number": "12345678", "tax_id": BUYER_TAX_ID}, intent="query_empty",
                                 text="还是查不到"), {})
    assert responses(dispatcher)[0] == "utter_invoice_number_kept"


@pytest.mark.parametrize(
    "fake, expected, status",
    [
        (FakeInvoices({}), "utter_invoice_not_found_for_relation", "not_found"),
        (FakeInvoices({}, down=True), "utter_invoice_lookup_unavailable", "unavailable"),
    ],
)
async def test_unknown_invoice_and_unavailable_system(fake, expected, status):
    dispatcher = CollectingDispatcher()
    events = await ActionCheckInvoice(fake).run(
        dispatcher, make_tracker({"invoice_number": "87654321", "tax_id": SELLER_TAX_ID}, intent="inform",
                                 text="87654321"), {})
    assert responses(dispatcher) == [expected]
    assert slot_events(events) == {"invoice_number": "87654321", "invoice_status": status}


async def test_check_without_a_number_says_nothing():
    dispatcher = CollectingDispatcher()
    assert await ActionCheckInvoice(FakeInvoices({})).run(dispatcher, make_tracker(), {}) == []
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "value, intent, attempts, expected_slots, expected_response",
    [
        ("12345678", "inform", 0, {"invoice_number": "12345678"}, None),
        ("2411 2000 0000 1234 5678", "inform", 0,
         {"invoice_number": "24112000000012345678"}, None),
        ("1234", "inform", 0, {"invoice_number": None, "invoice_number_attempts": 1.0},
         "utter_invoice_number_wrong_length"),
        ("不记得了", "inform", 0, {"invoice_number": None, "invoice_number_attempts": 1.0},
         "utter_invoice_number_not_found_in_text"),
        ("1234", "inform", 1, {"invoice_number": None, "invoice_number_attempts": 2.0},
         "utter_invoice_number_skipped"),
        ("没有", "deny", 0, {"invoice_number": None, "invoice_number_attempts": 2.0},
         "utter_invoice_number_skipped"),
    ],
)
def test_invoice_number_validation(value, intent, attempts, expected_slots, expected_response):
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(answers=["1234"] * attempts + [value], intent=intent)
    result = ValidateInvoiceForm().validate_invoice_number(value, dispatcher, tracker, {})
    assert result == expected_slots
    assert responses(dispatcher) == ([expected_response] if expected_response else [])


def test_the_message_that_started_the_form_is_not_an_answer():
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(answers=[], intent="invoice_missing", opener="我们系统里没有这张发票")
    result = ValidateInvoiceForm().validate_invoice_number("我们系统里没有这张发票", dispatcher, tracker, {})
    assert result == {"invoice_number": None} and dispatcher.messages == []


def test_waiting_is_not_a_failed_answer():
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(answers=["等一下我找找"], intent="wait")
    result = ValidateInvoiceForm().validate_invoice_number("等一下我找找", dispatcher, tracker, {})
    assert result == {"invoice_number": None} and responses(dispatcher) == ["utter_take_your_time"]
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(answers=["等一下我找找", "1234"], intent="inform")
    result = ValidateInvoiceForm().validate_invoice_number("1234", dispatcher, tracker, {})
    assert result["invoice_number_attempts"] == 1.0  # the pause did not count


async def test_the_number_is_asked_for_once_in_full():
    dispatcher = CollectingDispatcher()
    await ActionAskInvoiceNumber().run(dispatcher, form_tracker(answers=[], intent="invoice_missing"), {})
    assert responses(dispatcher) == ["utter_ask_invoice_number"]
    dispatcher = CollectingDispatcher()
    await ActionAskInvoiceNumber().run(dispatcher, form_tracker(answers=["1234"], intent="inform"), {})
    assert dispatcher.messages == []  # the validation already said what was wrong


async def test_a_pasted_error_needs_no_invoice_number():
    form = ValidateInvoiceForm()
    tracker = make_tracker({"known_error": "cy_daily_limit"})
    assert await form.required_slots(["invoice_number"], CollectingDispatcher(), tracker, {}) == []


async def test_form_stops_asking_after_two_failures():
    form = ValidateInvoiceForm()
    assert await form.required_slots(["invoice_number"], CollectingDispatcher(),
                                     make_tracker({"invoice_number_attempts": 2.0}), {}) == []
    assert await form.required_slots(["invoice_number"], CollectingDispatcher(),
                                     make_tracker({"invoice_number_attempts": 1.0}), {}) == ["invoice_number"]


async def test_search_answers_a_good_faq_match(kb):
    kb.hits = [SearchHit("faq", "vat_types", "专票和普票的区别", "专票可以抵扣……", 0.8)]
    dispatcher = CollectingDispatcher()
    await ActionSearchKnowledge(kb).run(dispatcher, make_tracker(text="专票普票区别"), {})
    assert responses(dispatcher) == ["utter_knowledge_answer", "utter_anything_else"]


async def test_search_offers_close_problems_and_a_person(kb):
    kb.hits = [SearchHit("faq", "x", "问", "答", 0.05),
               SearchHit("problem", "login_failure", "登录失败", "…", 0.04)]
    dispatcher = CollectingDispatcher()
    await ActionSearchKnowledge(kb).run(dispatcher, make_tracker(text="随便说说"), {})
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert responses(dispatcher) == ["utter_out_of_scope"]
    assert payloads == ["/login_failure", "/request_human"]


def _unsure_tracker(text: str, ranking: List[str]):
    tracker = make_tracker(intent="nlu_fallback", text=text)
    tracker.latest_message["intent_ranking"] = (
        [{"name": "nlu_fallback", "confidence": 0.3}]
        + [{"name": name, "confidence": 0.25 - 0.02 * n} for n, name in enumerate(ranking)])
    return tracker


async def test_an_unsure_message_offers_the_problems_the_classifier_ranked_first(kb):
    # The search would offer login; the classifier's own ranking comes first, in its order,
    # skipping the intents that are not problems and the problems the knowledge base lacks
    # (the fake has no query_empty), filled up from the search.
    kb.hits = [SearchHit("problem", "login_failure", "登录失败", "…", 0.04)]
    tracker = _unsure_tracker("提取码被禁用", ["upload_failure", "thank", "invoice_missing", "greet", "query_empty"])
    dispatcher = CollectingDispatcher()
    await ActionSearchKnowledge(kb).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_which_of_these"]
    buttons = dispatcher.messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == [
        "/upload_failure", "/invoice_missing", "/login_failure", "/request_human"]
    assert [b["title"] for b in buttons[:3]] == [
        kb.problems["upload_failure"].title, kb.problems["invoice_missing"].title, "登录失败"]


async def test_an_unsure_message_with_one_ranked_problem_is_completed_from_the_search(kb):
    kb.hits = [SearchHit("problem", "login_failure", "登录失败", "…", 0.04),
               SearchHit("problem", "upload_failure", "上传失败", "…", 0.03)]
    tracker = _unsure_tracker("弄不了", ["upload_failure", "thank"])
    dispatcher = CollectingDispatcher()
    await ActionSearchKnowledge(kb).run(dispatcher, tracker, {})
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == ["/upload_failure", "/login_failure", "/request_human"]


async def test_a_strong_faq_match_is_answered_even_when_the_classifier_was_unsure(kb):
    kb.hits = [SearchHit("faq", "vat_types", "专票和普票的区别", "专票可以抵扣……", 0.8)]
    dispatcher = CollectingDispatcher()
    await ActionSearchKnowledge(kb).run(dispatcher, _unsure_tracker("专票普票区别", ["issuance_failure"]), {})
    assert responses(dispatcher) == ["utter_knowledge_answer", "utter_anything_else"]


async def test_a_merely_good_faq_match_does_not_answer_an_unsure_message(kb):
    # "發票資料簽章不符" shares words with "开发票需要提供哪些信息？" (0.5 here): when the classifier
    # was unsure, the user is asked which problem it is instead of getting that answer.
    kb.hits = [SearchHit("faq", "issue_info", "开发票需要提供哪些信息？", "……", 0.5)]
    dispatcher = CollectingDispatcher()
    await ActionSearchKnowledge(kb).run(dispatcher, _unsure_tracker("發票資料簽章不符", ["upload_failure"]), {})
    assert responses(dispatcher) == ["utter_which_of_these"]
    # The same match still answers a general question.
    dispatcher = CollectingDispatcher()
    general = make_tracker(intent="ask_invoice_question", text="开票要啥信息")
    await ActionSearchKnowledge(kb).run(dispatcher, general, {})
    assert responses(dispatcher) == ["utter_knowledge_answer", "utter_anything_else"]


async def test_an_off_topic_message_is_not_asked_which_problem_it_is(kb):
    kb.hits = [SearchHit("problem", "login_failure", "登录失败", "…", 0.04)]
    tracker = make_tracker(intent="out_of_scope", text="今天天气怎么样")
    tracker.latest_message["intent_ranking"] = [
        {"name": "out_of_scope", "confidence": 0.9}, {"name": "upload_failure", "confidence": 0.05}]
    dispatcher = CollectingDispatcher()
    await ActionSearchKnowledge(kb).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_out_of_scope"]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/login_failure", "/request_human"]


def _named(text: str, intent: str, ranking: List[str]):
    return {"event": "user", "text": text, "parse_data": {
        "intent": {"name": intent}, "intent_ranking": [{"name": n, "confidence": 0.5} for n in ranking]}}


async def test_not_my_problem_offers_the_openers_other_readings_and_closes_the_problem(kb):
    kb.problems.update({k: make_problem(k) for k in ("issuance_failure", "query_empty", "system_outage")})
    events = [_named("票据传不上去", "upload_failure", ["upload_failure", "greet", "query_empty"]),
              _named("不是这个问题", "wrong_problem", ["wrong_problem", "invoice_missing"])]
    tracker = make_tracker({"problem": "upload_failure", "step_index": 0.0, "step_on_screen": True},
                           intent="wrong_problem", text="不是这个问题", events=events)
    dispatcher = CollectingDispatcher()
    result = await ActionOfferOtherProblems(kb).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_which_problem_instead"]
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    # The opener's second reading first, then the other problems in their usual order; never the
    # problem the user just said is not theirs.
    assert payloads == ["/query_empty", "/login_failure", "/invoice_missing", "/request_human"]
    # The rejected problem is closed: what comes next is read afresh, not against its step.
    assert {"problem": None, "step_index": None, "step_on_screen": False}.items() <= {
        e["name"]: e["value"] for e in result}.items()


async def test_not_my_problem_after_a_picked_problem_uses_the_unsure_messages_ranking(kb):
    events = [_named("卡住了", "nlu_fallback", ["nlu_fallback", "upload_failure", "invoice_missing"]),
              _named("/upload_failure", "upload_failure", ["upload_failure"]),  # a click: no ranking
              "not an event",  # tolerated
              _named("你理解错了", "wrong_problem", ["wrong_problem"])]
    tracker = make_tracker({"problem": "upload_failure", "step_index": 0.0}, intent="wrong_problem",
                           text="你理解错了", events=events)
    dispatcher = CollectingDispatcher()
    await ActionOfferOtherProblems(kb).run(dispatcher, tracker, {})
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]][0] == "/invoice_missing"


async def test_not_my_problem_with_no_problem_open_offers_every_problem(kb):
    dispatcher = CollectingDispatcher()
    result = await ActionOfferOtherProblems(kb).run(
        dispatcher, make_tracker(intent="wrong_problem", text="你理解错了"), {})
    assert responses(dispatcher) == ["utter_which_problem_instead"] and result == []
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [
        f"/{k}" for k in ("login_failure", "invoice_missing", "upload_failure")] + ["/request_human"]


@pytest.mark.parametrize("entities, text, stored", [
    ([{"entity": "rating", "value": "5"}], '/rate{"rating":"5"}', 5),
    ([], "给个4分吧", 4),
    ([], "嗯嗯", None),
])
async def test_rating_is_stored_when_understood(entities, text, stored):
    feedback = FakeFeedback()
    dispatcher = CollectingDispatcher()
    await ActionStoreRating(feedback).run(
        dispatcher, make_tracker(intent="rate", text=text, entities=entities), {})
    if stored:
        assert feedback.ratings == [("user-1", stored)]
        assert responses(dispatcher) == ["utter_rating_thanks"]
    else:
        assert feedback.ratings == [] and responses(dispatcher) == ["utter_rating_unclear"]


async def test_the_same_problem_again_during_its_steps_moves_on(kb):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"problem": "login_failure", "step_index": 1.0, "steps_tried": ["s0", "s1"]},
                           intent="login_failure", text="还是登录不上")
    events = await ActionHandleDuringStep(kb).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_same_problem_continues", "utter_troubleshooting_step"]
    assert slot_events(events)["step_index"] == 2.0


async def test_another_problem_during_the_steps_starts_over(kb):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"problem": "login_failure", "step_index": 1.0}, intent="upload_failure")
    events = await ActionStartTroubleshooting(kb).run(dispatcher, tracker, {})
    assert slot_events(events)["problem"] == "upload_failure" and slot_events(events)["step_index"] is None


@pytest.mark.parametrize("text, rating", [("5", 5), ("４", 4), ("3分", 3), ("1 星", 1)])
async def test_a_bare_number_after_the_rating_question_is_the_rating(text, rating):
    feedback = FakeFeedback()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"awaiting_rating": True}, intent="inform", text=text)
    events = await ActionHandleInform(feedback=feedback).run(dispatcher, tracker, {})
    assert feedback.ratings == [("user-1", rating)]
    assert responses(dispatcher) == ["utter_rating_thanks"]
    assert slot_events(events)["awaiting_rating"] is False


@pytest.mark.parametrize("slots, text", [({"awaiting_rating": True}, "13800138000"),
                                         ({"awaiting_rating": True}, "我在3楼"),
                                         ({}, "5")])
async def test_other_details_are_not_taken_for_a_rating(slots, text):
    feedback = FakeFeedback()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, intent="inform", text=text)
    await ActionHandleInform(feedback=feedback).run(dispatcher, tracker, {})
    assert feedback.ratings == []
    assert responses(dispatcher) == ["utter_inform_received"]


async def test_a_detail_after_the_hand_over_goes_on_the_ticket(kb):
    tickets = FakeTickets()
    ticket = await tickets.create("user-1", "login_failure", {}, [])
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"ticket_number": ticket.number, "ticket_open": True}, intent="inform",
                           text="电话 138-0013-8000，下午都在",
                           entities=[{"entity": "phone_number", "value": "13800138000"}])
    await ActionFollowUpTicket(tickets, kb, clock=lambda: MONDAY_10).run(dispatcher, tracker, {})
    assert ticket.details["notes"] == ["电话 138-0013-8000，下午都在"]
    assert responses(dispatcher) == ["utter_detail_added_to_ticket"]
    assert dispatcher.messages[0]["ticket_number"] == ticket.number


async def test_a_follow_up_is_answered_from_the_ticket(kb):
    tickets = FakeTickets()
    ticket = await tickets.create("user-1", "login_failure", {}, [])
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"ticket_number": ticket.number, "ticket_open": True}, intent="problem_persists",
                           text="还是不行啊，什么时候有人联系我")
    await ActionFollowUpTicket(tickets, kb, clock=lambda: MONDAY_10).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_ticket_status_open"]
    assert ticket.details["notes"] == ["还是不行啊，什么时候有人联系我"]  # nothing said is lost


async def test_a_resolved_ticket_ends_the_ticket_context(kb):
    tickets = FakeTickets()
    ticket = await tickets.create("user-1", "login_failure", {}, [])
    await tickets.set_status(ticket.number, TicketStatus.RESOLVED)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"ticket_number": ticket.number, "ticket_open": True}, intent="inform",
                           text="在吗")
    events = await ActionFollowUpTicket(tickets, kb, clock=lambda: MONDAY_10).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_ticket_status_resolved"]
    assert slot_events(events)["ticket_open"] is False
