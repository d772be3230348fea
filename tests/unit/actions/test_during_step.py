"""What the user says while a step is on screen (actions/during_step.py), and the close
confirmation: nothing but a clear outcome moves the problem on."""
from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop
from rasa_sdk.executor import CollectingDispatcher

from actions.during_step import ActionHandleDuringStep
from actions.troubleshooting import ActionCloseProblem, ActionNextStep, ActionStartTroubleshooting
from bot.app.invoices.base import InvoiceStatus
from knowledge.types import KnownError, StepHelp
from tests.unit.actions.fakes import (
    MONDAY_10,
    SELLER_TAX_ID,
    FakeInvoices,
    FakeKnowledge,
    FakeTickets,
    invoice,
    make_tracker,
)

ON_STEP = {"problem": "login_failure", "step_index": 1.0, "steps_tried": ["s0", "s1"], "step_on_screen": True}


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages]


def slots(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def pin_locked() -> KnownError:
    return KnownError("ukey_pin_locked", "issuance_failure", "税务UKey", "口令锁死", (), ("口令已锁死",), (),
                      "连续输错口令。", "1. 联系服务单位解锁。", True, "https://example.com")


@pytest.fixture
def kb():
    fake = FakeKnowledge()
    fake.step_helps["额度在哪里看"] = StepHelp("question", "在开票软件首页右上角。", "额度在哪看", 0.8, "s1")
    fake.step_helps["我们公司没有UKey"] = StepHelp("not_applicable", "数电用户没有UKey，可以跳过这一步。",
                                                "没有ukey", 0.8, "s1", implies=("no_tax_device",))
    fake.known_errors["ukey_pin_locked"] = pin_locked()
    return fake


async def during(kb, text, intent, entities=None, confidence=0.95, state=ON_STEP, ranking=None, **deps):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(dict(state), intent=intent, text=text, entities=entities or [],
                           confidence=confidence, ranking=ranking)
    events = await ActionHandleDuringStep(kb, clock=lambda: MONDAY_10, **deps).run(dispatcher, tracker, {})
    return dispatcher, events


async def test_a_question_about_the_step_is_answered_and_the_step_offered_again(kb):
    dispatcher, events = await during(kb, "额度在哪里看", "nlu_fallback", confidence=0.3)
    assert responses(dispatcher) == ["utter_step_help", "utter_reoffer_step"]
    assert dispatcher.messages[1]["step_number"] == 2  # the same step
    assert "step_index" not in slots(events) and "problem" not in slots(events)


async def test_a_step_that_does_not_apply_is_passed_over(kb):
    kb.problems["login_failure"] = kb.problems["login_failure"]  # steps s0..s2; s1 is skipped below
    step = kb.problems["login_failure"].steps[1]
    kb.problems["login_failure"] = kb.problems["login_failure"].__class__(
        **{**kb.problems["login_failure"].__dict__,
           "steps": (kb.problems["login_failure"].steps[0],
                     step.__class__(**{**step.__dict__, "skip_when": ("no_tax_device",)}),
                     kb.problems["login_failure"].steps[2])})
    dispatcher, events = await during(kb, "我们公司没有UKey", "deny")
    assert responses(dispatcher) == ["utter_step_help", "utter_troubleshooting_step"]
    assert slots(events)["skip_conditions"] == ["no_tax_device"] and slots(events)["step_index"] == 2.0


@pytest.mark.parametrize("text, intent, expected", [
    ("好的，我试试", "affirm", ["utter_waiting_for_step_result"]),
    ("等一下", "wait", ["utter_waiting_for_step_result"]),
    ("谢谢", "thank", ["utter_you_are_welcome_during_step", "utter_reoffer_step"]),
    ("那什么时候能好", "nlu_fallback", ["utter_step_question_unknown", "utter_reoffer_step"]),
    ("嗯嗯嗯啊", "out_of_scope", ["utter_step_question_unknown", "utter_reoffer_step"]),
    ("那个上传的也这样吗", "upload_failure", ["utter_step_not_understood", "utter_reoffer_step"]),
])
async def test_remarks_never_close_or_advance_the_problem(kb, text, intent, expected):
    dispatcher, events = await during(kb, text, intent, confidence=0.5)
    assert responses(dispatcher) == expected
    assert slots(events) == {}


async def test_a_general_question_mid_step_is_answered_then_the_step_resumes(kb):
    from knowledge.types import SearchHit

    kb.hits = [SearchHit("faq", "red_invoice_how", "红字发票怎么开？", "在开票软件里先填开红字信息表……", 0.9)]
    dispatcher, events = await during(kb, "红字发票怎么开", "ask_invoice_question")
    assert responses(dispatcher) == ["utter_knowledge_answer", "utter_reoffer_step"]
    assert slots(events) == {}


async def test_an_invoice_number_during_the_steps_is_looked_up_not_taken_for_solved(kb):
    invoices = FakeInvoices({"34567890": invoice("34567890", InvoiceStatus.UPLOAD_FAILED)})
    dispatcher, events = await during(kb, "发票号码 3456 7890", "inform", invoices=invoices,
                                      entities=[{"entity": "invoice_number", "value": "34567890"}],
                                      state={**ON_STEP, "tax_id": SELLER_TAX_ID})
    # Looked up (what is disclosed depends on the relation rules of bot.app.invoices.access),
    # the step offered again, nothing closed.
    assert responses(dispatcher)[-1] == "utter_reoffer_step"
    assert slots(events)["invoice_number"] == "34567890" and slots(events)["invoice_status"]
    assert "problem" not in slots(events) and "step_index" not in slots(events)


async def test_another_problem_said_with_confidence_starts_that_problem(kb):
    dispatcher, events = await during(kb, "现在连上传都不行了", "upload_failure")
    assert responses(dispatcher)[-1] == "utter_troubleshooting_step"
    assert slots(events)["problem"] == "upload_failure" and slots(events)["step_index"] == 0.0


@pytest.mark.parametrize("second_readings", [["invoice_missing", "problem_persists"],
                                             ["login_failure", "upload_failure"]])
async def test_an_unsure_other_problem_with_this_one_or_not_solved_close_behind_is_this_one_still(
        kb, second_readings):
    dispatcher, events = await during(kb, "重启了电脑还是打不开", "system_outage", confidence=0.44,
                                      ranking=["system_outage", *second_readings])
    assert responses(dispatcher) == ["utter_same_problem_continues", "utter_troubleshooting_step"]
    assert slots(events)["step_index"] == 2.0 and "problem" not in slots(events)


async def test_an_unsure_other_problem_far_from_this_one_is_not_taken_for_either(kb):
    dispatcher, events = await during(kb, "那个上传的也这样吗", "upload_failure", confidence=0.5,
                                      ranking=["upload_failure", "query_empty", "invoice_missing",
                                               "login_failure", "problem_persists"])
    assert responses(dispatcher) == ["utter_step_not_understood", "utter_reoffer_step"]
    assert slots(events) == {}


async def test_switching_to_a_missing_invoice_asks_for_the_number_through_the_form(kb):
    dispatcher, events = await during(kb, "另外有张发票在系统里找不到", "invoice_missing")
    assert slots(events)["problem"] == "invoice_missing"
    assert events[-1] == ActiveLoop("invoice_form")


async def test_a_pasted_error_mid_step_steers_to_its_fix(kb):
    dispatcher, events = await during(kb, "开票时又提示口令已锁死", "issuance_failure",
                                      entities=[{"entity": "known_error", "value": "ukey_pin_locked"}])
    assert responses(dispatcher)[-2:] == ["utter_known_error", "utter_known_error_needs_person"]
    assert dispatcher.messages[-2]["error_text"] == "口令已锁死"
    assert slots(events)["problem"] == "issuance_failure" and slots(events)["step_index"] == -1.0


async def test_a_known_error_fix_comes_before_the_steps_and_an_escalating_one_hands_over(kb):
    tickets = FakeTickets()
    state = {"problem": "issuance_failure", "known_error": "ukey_pin_locked", "steps_tried": []}
    kb.problems["issuance_failure"] = kb.problems["login_failure"].__class__(
        **{**kb.problems["login_failure"].__dict__, "key": "issuance_failure"})
    dispatcher = CollectingDispatcher()
    events = await ActionNextStep(kb).run(dispatcher, make_tracker(state, intent="issuance_failure"), {})
    assert responses(dispatcher) == ["utter_known_error", "utter_known_error_needs_person"]
    state.update(slots(events))
    dispatcher = CollectingDispatcher()
    from bot.app import container

    container.use(container.Container(tickets=tickets, knowledge=kb))
    try:
        events = await ActionNextStep(kb).run(dispatcher, make_tracker(state, intent="problem_persists"), {})
    finally:
        container.use(None)
    assert responses(dispatcher)[0] == "utter_known_error_hand_over"
    assert tickets.created and tickets.created[0].steps_tried == ["error:ukey_pin_locked"]


async def test_start_keeps_the_pasted_error(kb):
    tracker = make_tracker(intent="issuance_failure", text="提示口令已锁死",
                           entities=[{"entity": "known_error", "value": "ukey_pin_locked"}])
    events = await ActionStartTroubleshooting(kb).run(CollectingDispatcher(), tracker, {})
    assert slots(events)["known_error"] == "ukey_pin_locked"


@pytest.mark.parametrize("confidence, expected", [(0.99, ["utter_problem_solved", "utter_ask_rating"]),
                                                  (0.6, ["utter_confirm_solved"])])
async def test_solved_needs_confidence_or_a_confirmation(kb, confidence, expected):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(ON_STEP, intent="problem_solved", text="好像可以了吧", confidence=confidence)
    events = await ActionCloseProblem(kb).run(dispatcher, tracker, {})
    assert responses(dispatcher) == expected
    assert ("problem" in slots(events)) is (confidence > 0.9)


async def test_a_typed_not_solved_that_the_step_context_answers_is_answered_in_place(kb):
    kb.step_helps["没有管理员权限装不了浏览器"] = StepHelp("not_applicable", "请IT同事帮忙安装。",
                                                          "没有管理员权限", 0.8, "s1")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(ON_STEP, intent="problem_persists", text="没有管理员权限装不了浏览器")
    events = await ActionNextStep(kb).run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_step_help", "utter_reoffer_step"]
    assert "step_index" not in slots(events)


async def test_a_number_read_as_solved_is_looked_up_and_nothing_closes(kb):
    from bot.app import container

    invoices = FakeInvoices({"34567890": invoice("34567890", InvoiceStatus.UPLOAD_FAILED)})
    container.use(container.Container(invoice_system=invoices, knowledge=kb))
    try:
        dispatcher = CollectingDispatcher()
        tracker = make_tracker({**ON_STEP, "tax_id": SELLER_TAX_ID}, intent="problem_solved",
                               text="对了发票号码是34567890", confidence=0.97,
                               entities=[{"entity": "invoice_number", "value": "34567890"}])
        events = await ActionCloseProblem(kb).run(dispatcher, tracker, {})
    finally:
        container.use(None)
    assert "utter_problem_solved" not in responses(dispatcher)
    assert slots(events)["invoice_number"] == "34567890" and "problem" not in slots(events)


async def test_the_tax_id_asked_for_looks_up_the_number_given_before(kb):
    from tests.unit.actions.fakes import BUYER_TAX_ID

    invoices = FakeInvoices({"34567890": invoice("34567890", InvoiceStatus.UPLOAD_FAILED)})
    state = {**ON_STEP, "invoice_number": "34567890", "invoice_status": "relation_needed",
             "tax_id": BUYER_TAX_ID}
    dispatcher, events = await during(kb, f"税号 {BUYER_TAX_ID}", "inform", invoices=invoices, state=state,
                                      entities=[{"entity": "tax_id", "value": BUYER_TAX_ID}])
    assert "utter_invoice_status_upload_failed" in responses(dispatcher)
    assert slots(events)["invoice_status"] == "upload_failed" and responses(dispatcher)[-1] == "utter_reoffer_step"


async def test_outside_the_steps_the_tax_id_asked_for_looks_the_number_up():
    from actions.conversation import ActionHandleInform
    from tests.unit.actions.fakes import BUYER_TAX_ID

    invoices = FakeInvoices({"34567890": invoice("34567890", InvoiceStatus.VOIDED)})
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"invoice_number": "34567890", "invoice_status": "relation_needed", "tax_id": BUYER_TAX_ID},
                           intent="inform", text=f"税号 {BUYER_TAX_ID}",
                           entities=[{"entity": "tax_id", "value": BUYER_TAX_ID}])
    events = await ActionHandleInform(invoices=invoices).run(dispatcher, tracker, {})
    assert slots(events)["invoice_status"] == "voided"


async def test_a_question_about_a_line_of_the_errors_fix_points_to_that_line(kb):
    on_fix = {**ON_STEP, "problem": "issuance_failure", "step_index": -1.0, "known_error": "ukey_pin_locked",
              "steps_tried": ["error:ukey_pin_locked"]}
    kb.problems["issuance_failure"] = kb.problems["login_failure"].__class__(
        **{**kb.problems["login_failure"].__dict__, "key": "issuance_failure"})
    dispatcher, events = await during(kb, "要找服务单位吗", "ask_invoice_question", state=on_fix)
    assert responses(dispatcher)[0] == "utter_step_passage"
    assert dispatcher.messages[0]["number"] == 1 and "服务单位" in dispatcher.messages[0]["line"]
    assert dispatcher.messages[0]["where"] == "刚才的处理方法" and slots(events) == {}


UKEY_STEP = "1. 拔下UKey重新插上。\n2. 设备坏了的，到服务单位更换设备。"


@pytest.mark.parametrize("faq_score, expected", [(0.35, "utter_step_passage"), (0.9, "utter_knowledge_answer")])
async def test_the_line_on_screen_beats_a_faq_that_only_shares_a_word(kb, faq_score, expected):
    from knowledge.types import SearchHit

    kb.problems["login_failure"] = kb.problems["login_failure"].__class__(**{
        **kb.problems["login_failure"].__dict__,
        "steps": tuple(s.__class__(**{**s.__dict__, "instructions": UKEY_STEP})
                       for s in kb.problems["login_failure"].steps)})
    kb.hits = [SearchHit("faq", "what_is_sd", "数电发票是什么？", "数电发票不需要税控设备……", faq_score)]
    dispatcher, _ = await during(kb, "设备要换吗", "ask_invoice_question")
    assert responses(dispatcher) == [expected, "utter_reoffer_step"]
    if expected == "utter_step_passage":
        assert dispatcher.messages[0]["number"] == 2 and dispatcher.messages[0]["where"] == "这一步"
