"""The learning loop (bot/app/learning.py): fallbacks, re-routed messages and messages that
ended in a ticket, read from a tracker store shaped like Rasa's, exported as a labelling file."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa
import yaml

from bot.app.learning import FALLBACK, REROUTED, TICKET, candidates, conversations, labelling_file, main


def tracker_store(tmp_path, events):
    """A SQLite file with Rasa's ``events`` table (SQLTrackerStore.SQLEvent's columns)."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = sa.create_engine(url, future=True)
    table = sa.Table("events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("sender_id", sa.String(255)), sa.Column("type_name", sa.String(255)),
                     sa.Column("timestamp", sa.Float), sa.Column("intent_name", sa.String(255)),
                     sa.Column("action_name", sa.String(255)), sa.Column("data", sa.Text))
    table.metadata.create_all(engine)
    now = datetime.now(timezone.utc).timestamp()
    with engine.begin() as connection:
        for i, (sender, kind, value) in enumerate(events):
            if kind == "user":
                text, intent = value
                data = {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}
                row = {"type_name": "user", "intent_name": intent, "action_name": None}
            else:
                data, row = {"event": "action", "name": value}, {"type_name": "action", "intent_name": None,
                                                                "action_name": value}
            connection.execute(table.insert().values(sender_id=sender, timestamp=now - 100 + i,
                                                     data=json.dumps(data, ensure_ascii=False), **row))
    engine.dispose()
    return url


EVENTS = [
    ("u1", "user", ("那个啥也弄不了", "nlu_fallback")),
    ("u1", "user", ("/problem_persists", "problem_persists")),  # a button: not wording
    ("u2", "user", ("发票上传报错了", "issuance_failure")),
    ("u2", "user", ("不是开票，是上传", "upload_failure")),
    ("u3", "user", ("电子税务局进不去，电话13800138000", "login_failure")),
    ("u3", "action", "action_next_step"),
    ("u3", "action", "action_create_ticket"),
    ("u4", "user", ("那个啥也弄不了", "nlu_fallback")),
    ("u10", "user", ("票据传不上去", "upload_failure")),
    ("u10", "user", ("你理解错了", "wrong_problem")),
]


def test_fallbacks_reroutes_and_tickets_are_found_and_masked(tmp_path):
    found = candidates(conversations(tracker_store(tmp_path, EVENTS)))
    by_text = {c.text: c for c in found}
    assert list(by_text["那个啥也弄不了"].reasons) == [FALLBACK] and by_text["那个啥也弄不了"].count == 2
    assert list(by_text["发票上传报错了"].reasons) == [REROUTED]
    assert list(by_text["票据传不上去"].reasons) == [REROUTED]  # "你理解错了"
    ticket = [c for c in found if TICKET in c.reasons]
    assert len(ticket) == 1 and "13800138000" not in ticket[0].text  # personal data masked
    assert not any(c.text.startswith("/") for c in found)
    assert found[0].text == "那个啥也弄不了"  # most frequent first


def test_the_labelling_file_is_rasa_nlu_yaml_grouped_by_the_models_intent(tmp_path):
    found = candidates(conversations(tracker_store(tmp_path, EVENTS)))
    document = yaml.safe_load(labelling_file(found))
    intents = {block["intent"] for block in document["nlu"]}
    assert {"nlu_fallback", "issuance_failure", "login_failure"} <= intents
    example = document["nlu"][0]["examples"][0]
    assert set(example["metadata"]) == {"source", "reasons", "seen", "conversations"}
    assert all(len(c) == 12 for c in example["metadata"]["conversations"])  # hashed, not the ids


def test_the_problem_picked_after_an_unsure_reply_is_kept_as_the_users_label(tmp_path):
    events = [
        ("u5", "user", ("提取码用不了", "nlu_fallback")),
        ("u5", "user", ("/invoice_missing", "invoice_missing")),  # picked from "which of these"
        ("u6", "user", ("提取码用不了", "nlu_fallback")),
        ("u6", "user", ("/invoice_missing", "invoice_missing")),
        ("u7", "user", ("点了没反应", "nlu_fallback")),
        ("u7", "user", ("/request_human", "request_human")),  # not a problem: no label
        ("u8", "user", ("卡住了", "nlu_fallback")),
        ("u8", "user", ("/upload_failure", "upload_failure")),
        ("u9", "user", ("卡住了", "nlu_fallback")),
        ("u9", "user", ("/issuance_failure", "issuance_failure")),  # users disagree
        ("u11", "user", ("弄不好", "nlu_fallback")),
        ("u11", "user", ("/query_empty", "query_empty")),
        ("u11", "user", ("不是这个问题", "wrong_problem")),  # the pick was wrong after all
    ]
    found = {c.text: c for c in candidates(conversations(tracker_store(tmp_path, events)))}
    assert set(found) == {"提取码用不了", "点了没反应", "卡住了", "弄不好"}  # the clicks are not wording
    assert not found["弄不好"].chosen
    assert list(found["提取码用不了"].chosen) == ["invoice_missing"] and found["提取码用不了"].count == 2
    assert not found["点了没反应"].chosen
    document = yaml.safe_load(labelling_file(list(found.values())))
    blocks = {block["intent"]: block["examples"] for block in document["nlu"]}
    assert [e["text"] for e in blocks["invoice_missing"]] == ["提取码用不了"]
    assert blocks["invoice_missing"][0]["metadata"]["user_chose"] == ["invoice_missing"]
    assert {e["text"] for e in blocks["nlu_fallback"]} == {"点了没反应", "卡住了", "弄不好"}
    mixed = next(e for e in blocks["nlu_fallback"] if e["text"] == "卡住了")
    assert mixed["metadata"]["user_chose"] == ["upload_failure", "issuance_failure"]
    # A pick is not a re-route of the unsure message, and a click never counts as a problem stated.
    assert all(list(c.reasons) == [FALLBACK] for c in found.values())


def test_the_command_writes_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_store(tmp_path, EVENTS))
    out = tmp_path / "to_label.yml"
    assert main(["export", "--since", "1d", "--out", str(out)]) == 0
    assert "那个啥也弄不了" in out.read_text(encoding="utf-8")
    assert main(["export", "--since", "soon", "--out", str(out)]) == 2


def test_an_empty_or_missing_store_gives_an_empty_file(tmp_path):
    assert candidates(conversations(f"sqlite:///{tmp_path / 'none.db'}")) == []
