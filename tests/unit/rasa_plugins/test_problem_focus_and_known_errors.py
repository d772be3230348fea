"""ProblemClauseFocus (long messages: the problem clause decides) and KnownErrorClassifier (a
quoted catalogue error decides the problem), on Rasa messages."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_plugins.nlu.input_guard import FULL_TEXT, ProblemClauseFocus
from bot.rasa_plugins.nlu.known_errors import KNOWN_ERROR_ENTITY, KnownErrorClassifier
from bot.zhtext.clauses import focus_on_problem
from knowledge.reader import DEFAULT_CONTENT_DIR

STORY = "您好，我是一家小公司的会计，平时主要负责报销和记账，今天早上老板让我把上个月的票整理一下，"


@pytest.mark.parametrize("text, expected", [
    (STORY + "结果发现电子税务局登录不上了", "结果发现电子税务局登录不上了"),
    ("开票时一直提示授信额度不足，" + STORY + "请问怎么处理", "开票时一直提示授信额度不足"),
    ("电子税务局登录不上", "电子税务局登录不上"),  # short: unchanged
])
def test_the_problem_clause_is_kept_wherever_it_stands(text, expected):
    assert expected in focus_on_problem(text)
    assert "报销和记账" not in focus_on_problem(text) or len(text) <= 50


def test_a_long_message_without_problem_words_is_only_cut():
    chatter = "今天天气不错，我们团队下午要开会，讨论一下明年的预算，还有一些别的事情要安排，大家都很忙" * 10
    assert focus_on_problem(chatter, 300) == chatter[:300]


def test_the_component_focuses_messages_and_keeps_the_full_text():
    component = ProblemClauseFocus({"max_chars": 300})
    message = Message(data={TEXT: STORY + "结果发现电子税务局登录不上了"})
    component.process([message])
    assert message.get(TEXT) == "结果发现电子税务局登录不上了"
    assert message.get(FULL_TEXT).startswith("您好")
    training = TrainingData([Message(data={TEXT: STORY + "开票一直失败了", "intent": "issuance_failure"})])
    component.process_training_data(training)
    assert training.training_examples[0].get(TEXT) == "开票一直失败了"


def classified(component: KnownErrorClassifier, text: str, intent: str = "query_empty") -> Message:
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.6},
                            INTENT_RANKING_KEY: [{"name": intent, "confidence": 0.6}]})
    component.process([message])
    return message


def test_a_quoted_error_decides_the_problem_and_names_the_entry():
    component = KnownErrorClassifier({"content_dir": str(DEFAULT_CONTENT_DIR), "reload_seconds": 5.0})
    message = classified(component, "开票的时候提示‘税收分类编码不可用’怎么办")
    assert message.get(INTENT) == {"name": "issuance_failure", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "issuance_failure"
    [entity] = [e for e in message.get(ENTITIES) if e["entity"] == KNOWN_ERROR_ENTITY]
    assert entity["value"] == "tax_code_unavailable"


def test_ordinary_messages_keep_their_intent():
    component = KnownErrorClassifier({"content_dir": str(DEFAULT_CONTENT_DIR), "reload_seconds": 5.0})
    message = classified(component, "查询结果是空的")
    assert message.get(INTENT)["name"] == "query_empty" and not message.get(ENTITIES)


def test_an_edited_catalogue_is_read_again_without_a_restart(tmp_path: Path):
    shutil.copy(DEFAULT_CONTENT_DIR / "errors.yml", tmp_path / "errors.yml")
    component = KnownErrorClassifier({"content_dir": str(tmp_path), "reload_seconds": 0.0})
    assert classified(component, "提示：发票助手测试专用错误").get(ENTITIES) is None
    catalogue = (tmp_path / "errors.yml").read_text(encoding="utf-8")
    catalogue += """
  - key: test_only_error
    problem: upload_failure
    platform: 其他
    title: 测试专用错误
    match:
      texts: [发票助手测试专用错误]
    cause: 测试用。
    fix: 1. 测试用。
    escalate: false
    source: https://example.com/test
"""
    (tmp_path / "errors.yml").write_text(catalogue, encoding="utf-8")
    message = classified(component, "提示：发票助手测试专用错误")
    assert message.get(INTENT)["name"] == "upload_failure"


def test_a_broken_catalogue_edit_keeps_the_previous_catalogue(tmp_path: Path):
    shutil.copy(DEFAULT_CONTENT_DIR / "errors.yml", tmp_path / "errors.yml")
    component = KnownErrorClassifier({"content_dir": str(tmp_path), "reload_seconds": 0.0})
    (tmp_path / "errors.yml").write_text("errors: [broken", encoding="utf-8")
    assert classified(component, "税收分类编码不可用").get(INTENT)["name"] == "issuance_failure"


@pytest.mark.parametrize("text, details_only", [
    ("12345678", True),
    ("1234", True),  # too short for an invoice number, still an answer
    ("发票号码是 3456-7890", True),
    ("电话 138-0013-8000", True),
    ("对了发票号码是34567890", True),
    ("座机 0755-8888 6666 转 801，工作日都在", True),
    ("电话13800138000，下午一直在，随时可以打", True),
    ("12345678查不到", False),
    ("好的", False),
    ("5分", False),
])
def test_details_only_messages_are_inform_whatever_diet_said(text, details_only):
    from bot.rasa_plugins.nlu.input_guard import DetailsOnlyClassifier
    from bot.zhtext import extract

    entities = [{"entity": e.entity, "value": e.value, "start": e.start, "end": e.end} for e in extract(text)]
    message = Message(data={TEXT: text, ENTITIES: entities, INTENT: {"name": "goodbye", "confidence": 0.54}})
    DetailsOnlyClassifier().process([message])
    assert (message.get(INTENT)["name"] == "inform") is details_only


@pytest.mark.parametrize("text, intent, becomes", [
    ("发票12345678，我们的税号91110105MA00K7P8QR", "nlu_fallback", "inform"),  # unsure, with a number
    ("12345678查不到", "nlu_fallback", "inform"),
    ("12345678查不到", "query_empty", "query_empty"),  # a confident reading stays
    ("税号91110105MA00K7P8QR那个怎么弄", "nlu_fallback", "nlu_fallback"),  # no invoice number
])
def test_an_unsure_message_with_an_invoice_number_is_inform(text, intent, becomes):
    from bot.rasa_plugins.nlu.input_guard import DetailsOnlyClassifier
    from bot.zhtext import extract

    entities = [{"entity": e.entity, "value": e.value, "start": e.start, "end": e.end} for e in extract(text)]
    message = Message(data={TEXT: text, ENTITIES: entities, INTENT: {"name": intent, "confidence": 0.3}})
    DetailsOnlyClassifier().process([message])
    assert message.get(INTENT)["name"] == becomes
