"""WeChat replay and unsubscribe, the privacy command line and log masking (issue 14, against the
real servers)."""
from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

from bot.app.settings import PROJECT_ROOT
from tests.channels.accounts import OA_ACCOUNT
from tests.channels.simulator import WeChatSimulator, sha1_signature, xml_of
from tests.security.conftest import say, tracker
from tests.support.client import api_params


def plaintext_callback(fields, nonce=None, timestamp=None):
    ts = str(timestamp or int(time.time()))
    nonce = nonce or str(uuid.uuid4().int % 10**9)
    query = {"signature": sha1_signature(OA_ACCOUNT.token, ts, nonce), "timestamp": ts, "nonce": nonce}
    return query, xml_of(fields).encode("utf-8")


def text_fields(user: str, content: str, msg_id: str) -> dict:
    return {"ToUserName": OA_ACCOUNT.to_user, "FromUserName": user, "CreateTime": str(int(time.time())),
            "MsgType": "text", "Content": content, "MsgId": msg_id}


def test_a_signed_plaintext_url_cannot_be_replayed_with_another_body(strict_stack):
    url = f"{strict_stack.rasa_url}/webhooks/wechat/webhook"
    user = "o" + uuid.uuid4().hex[:27]
    query, body = plaintext_callback(text_fields(user, "你好", str(uuid.uuid4().int % 10**15)))
    first = requests.post(url, params=query, data=body, timeout=30)
    assert first.status_code == 200
    forged = xml_of(text_fields("o" + uuid.uuid4().hex[:27], "转人工", str(uuid.uuid4().int % 10**15)))
    replay = requests.post(url, params=query, data=forged.encode("utf-8"), timeout=30)
    assert replay.status_code == 403
    redelivery = requests.post(url, params=query, data=body, timeout=30)  # WeChat's own re-send
    assert redelivery.status_code == 200


def test_unsubscribing_deletes_conversation_tickets_and_feedback(rasa_stack):
    user = "o" + uuid.uuid4().hex[:27]
    sim = WeChatSimulator(OA_ACCOUNT, f"{rasa_stack.rasa_url}/webhooks/wechat/webhook", None)
    url = f"{rasa_stack.rasa_url}/webhooks/wechat/webhook"

    def send(fields):
        query, body = sim.signed_request(fields)
        return requests.post(f"{url}?{query}", data=body, timeout=60)

    assert send(sim.text(user, "转人工")).status_code == 200
    database = rasa_stack.var_dir / "app.db"
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO feedback_ratings (sender_id, rating, comment, created_at) VALUES (?, 5, '', ?)",
                   (user, "2026-01-01 10:00:00+08:00"))
    assert count(database, "tickets", user) == 1
    assert send(sim.event(user, "unsubscribe")).status_code == 200
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (count(database, "tickets", user)
                                           or count(database, "feedback_ratings", user)):
        time.sleep(0.5)
    assert count(database, "tickets", user) == 0 and count(database, "feedback_ratings", user) == 0
    assert not [e for e in tracker(rasa_stack.rasa_url, user)["events"] if e["event"] == "user"]


def count(database: Path, table: str, sender_id: str) -> int:
    with sqlite3.connect(database) as db:
        return db.execute(f"SELECT count(*) FROM {table} WHERE sender_id = ?", (sender_id,)).fetchone()[0]


def privacy(stack, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.app.privacy", *args], cwd=PROJECT_ROOT,
                          env={**stack.environment(), **(env or {})}, capture_output=True, text=True, timeout=120)


def test_forget_deletes_a_users_conversation_tickets_and_feedback(rasa_stack):
    who = f"sec-{uuid.uuid4().hex[:12]}"
    say(rasa_stack.rasa_url, who, "转人工")
    database = rasa_stack.var_dir / "app.db"
    assert count(database, "tickets", who) == 1
    done = privacy(rasa_stack, "forget", who)
    assert done.returncode == 0, done.stderr
    assert count(database, "tickets", who) == 0
    events = requests.get(f"{rasa_stack.rasa_url}/conversations/{who}/tracker",
                          params=api_params(rasa_stack.rasa_url), timeout=30).json()["events"]
    assert not [e for e in events if e["event"] == "user"]


def test_purge_deletes_what_is_older_than_the_retention(rasa_stack, tmp_path):
    old, recent = f"sec-{uuid.uuid4().hex[:12]}", f"sec-{uuid.uuid4().hex[:12]}"
    say(rasa_stack.rasa_url, old, "转人工")
    say(rasa_stack.rasa_url, recent, "转人工")
    # Work on copies, so the shared stack keeps its data: age the first conversation by a year.
    trackers, app = tmp_path / "tracker.db", tmp_path / "app.db"
    for source, target in ((rasa_stack.var_dir / "tracker.db", trackers), (rasa_stack.var_dir / "app.db", app)):
        with sqlite3.connect(source) as db, sqlite3.connect(target) as copy:
            db.backup(copy)
    with sqlite3.connect(trackers) as db:
        db.execute("UPDATE events SET timestamp = timestamp - 365 * 86400 WHERE sender_id = ?", (old,))
    with sqlite3.connect(app) as db:
        db.execute("UPDATE tickets SET updated_at = '2025-01-01 10:00:00.000000+08:00' WHERE sender_id = ?", (old,))
    done = privacy(rasa_stack, "purge", "--older-than", "180d",
                   env={"TRACKER_STORE_URL": f"sqlite:///{trackers}", "APP_DATABASE_URL": f"sqlite:///{app}"})
    assert done.returncode == 0, done.stderr
    assert count(trackers, "events", old) == 0 and count(app, "tickets", old) == 0
    assert count(trackers, "events", recent) > 0 and count(app, "tickets", recent) == 1


def test_personal_data_never_reaches_the_server_logs(rasa_stack):
    who = f"sec-{uuid.uuid4().hex[:12]}"
    secrets = ["１３９８７６５４３２１", "13987654321", "zhangsan.secret@example.com", "6222021234567890123",
               "010-87654321", "110101900101123"]
    for text in secrets:
        say(rasa_stack.rasa_url, who, f"我的信息：{text}")
        say(rasa_stack.rasa_url, who, f'/inform{{"phone_number": "{text}"}}')
    logs = "".join(p.read_text(encoding="utf-8", errors="replace")
                   for p in (PROJECT_ROOT / "results" / "server-logs" / "session").glob("*.log"))
    for text in secrets:
        assert text not in logs


def test_masking_covers_tracebacks_and_every_kind(caplog):
    from bot.app.logmask import install
    from bot.zhtext.mask import mask_personal_data

    for raw, hidden in [("电话１３８１２３４５６７８", "5678"), ("身份证110101900101123", "123"),
                        ("卡号6222 0212 3456 7890 123", "0123"), ("座机010-12345678", "5678"),
                        ("邮箱ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "example.com"),
                        ("mail li.si@example.com", "example.com")]:
        masked = mask_personal_data(raw)
        assert masked != raw and masked.endswith(hidden) and "*" in masked
    invoice = "发票24112000000012345678 代码011002400111"
    assert mask_personal_data(invoice) == invoice
    install()
    logger = logging.getLogger("tests.security.masking")
    try:
        raise ValueError("bad tax id 91110108MA01A2B3CF for 13812345678")
    except ValueError:
        with caplog.at_level(logging.ERROR):
            logger.exception("lookup failed")
    text = caplog.text
    assert "lookup failed" in text and "13812345678" not in text and "91110108MA01A2B3CF" not in text


