"""tests/nlu/real_gate.py: strict and lenient scoring over the six problem intents, the note
format of ambiguous items, and the same numbers as bench/model_choice.py's scoring."""
from __future__ import annotations

import random

import pytest

from bench import model_choice
from tests.nlu.real_gate import (
    OTHER,
    EvaluationError,
    Item,
    collapse,
    load_items,
    main,
    note_labels,
    percentile,
    score,
)


def item(intent, alternative=None):
    accepted = (intent,) if alternative is None else (intent, alternative)
    return Item(f"t{random.random()}", intent, accepted, alternative is not None)


def test_notes_name_two_labels():
    assert note_labels("invoice_missing vs query_empty — absent") == ("invoice_missing", "query_empty")
    assert note_labels("no labels here") is None


def test_other_labels_collapse():
    assert collapse("ask_invoice_question") == OTHER
    assert collapse("greet") == OTHER
    assert collapse("login_failure") == "login_failure"


def test_a_how_to_question_sent_into_a_problem_costs_precision():
    items = [item("login_failure"), item("ask_invoice_question")]
    scores = score(items, ["login_failure", "login_failure"], "strict")
    assert scores.per_intent["login_failure"].precision == 0.5
    assert scores.per_intent["login_failure"].recall == 1.0


def test_lenient_accepts_the_other_label_of_an_ambiguous_item_only():
    items = [item("invoice_missing", "query_empty"), item("invoice_missing"), item("query_empty")]
    predictions = ["query_empty", "query_empty", "query_empty"]
    strict = score(items, predictions, "strict")
    lenient = score(items, predictions, "lenient")
    assert strict.per_intent["query_empty"].precision == pytest.approx(1 / 3)
    assert lenient.per_intent["query_empty"].precision == pytest.approx(2 / 3)
    assert lenient.per_intent["invoice_missing"].support == 1  # the ambiguous item moved
    assert lenient.macro_f1 > strict.macro_f1
    # A third label is wrong under both rules.
    assert score([items[0]], ["login_failure"], "lenient").per_intent["login_failure"].precision == 0.0


def test_an_ambiguous_problem_vs_ask_item_accepts_any_other_prediction():
    items = [item("issuance_failure", "ask_invoice_question")]
    assert score(items, ["out_of_scope"], "lenient").per_intent["issuance_failure"].support == 0
    assert score(items, ["out_of_scope"], "strict").per_intent["issuance_failure"].recall == 0.0


def test_the_gate_and_the_model_choice_bench_score_alike():
    rng = random.Random(7)
    labels = ["login_failure", "invoice_missing", "issuance_failure", "query_empty", "upload_failure",
              "system_outage", "ask_invoice_question", "out_of_scope", "greet"]
    items, real_items, predictions = [], [], []
    for n in range(300):
        intent = rng.choice(labels[:8])
        alternative = rng.choice([x for x in labels[:8] if x != intent]) if rng.random() < 0.3 else None
        items.append(Item(str(n), intent, (intent,) if alternative is None else (intent, alternative),
                          alternative is not None))
        real_items.append(model_choice.RealItem(str(n), intent, "", "", alternative))
        predictions.append(rng.choice(labels))
    for scoring, lenient in (("strict", False), ("lenient", True)):
        assert score(items, predictions, scoring).macro_f1 == pytest.approx(
            model_choice.macro_f1(real_items, predictions, lenient))
        gate_precision = {k: v.precision for k, v in score(items, predictions, scoring).per_intent.items()}
        bench_precision = model_choice.per_intent_precision(real_items, predictions, lenient)
        assert gate_precision == pytest.approx(bench_precision)


def test_load_items_checks_the_note(tmp_path):
    path = tmp_path / "t.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: query_empty\n  examples:\n  - text: "查无此票"\n'
        '    metadata:\n      ambiguous: true\n      note: "query_empty vs invoice_missing — x"\n'
        '- intent: greet\n  examples: |\n    - 你好\n', encoding="utf-8")
    first, second = load_items(path)
    assert first.accepted == ("query_empty", "invoice_missing") and first.ambiguous
    assert second.intent == "greet" and not second.ambiguous
    path.write_text('version: "3.1"\nnlu:\n- intent: query_empty\n  examples:\n  - text: "x"\n'
                    '    metadata:\n      ambiguous: true\n      note: "login_failure vs upload_failure"\n',
                    encoding="utf-8")
    with pytest.raises(EvaluationError):
        load_items(path)


def test_a_missing_model_or_file_is_an_error_not_a_pass(tmp_path):
    assert main(["--model", str(tmp_path / "none.tar.gz"), "--data", str(tmp_path / "none.yml"),
                 "--out", str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r.json").exists()


def test_percentile():
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([], 0.95) == 0.0
