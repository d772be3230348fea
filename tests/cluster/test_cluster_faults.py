"""``make cluster`` under faults, on the real parts on 127.0.0.1: HAProxy, two Rasa replicas
and two action servers, PostgreSQL (tracker store, app database), Redis (lock store, channel
state), RabbitMQ (Rasa's Pika event broker) and the analytics consumer.

Each client sends its messages with a ``message_id`` and resends a failed one once with the
same id; whatever the proxy and the clients retry, each message must be processed exactly once
(the tracker holds each id once, in the order sent). Tests run in file order: later ones use
the cluster the earlier ones left (a killed replica is waited for before the lock test)."""
from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Dict, List

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.app.analytics import SqlAnalyticsStore, tally
from bot.app.database import make_app_session_factory
from tests.cluster.support import TOKEN, Chat, Launched, answers, free_block, proxy_stats, wait_for

pytestmark = [pytest.mark.servers, pytest.mark.timeout(900)]

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
TRACKER_DB, APP_DB, QUEUE = "fapiao_test_tracker", "fapiao_test_app", "fapiao_test_events"
SCRIPT = ["电子税务局登录不上，一直提示密码错误", "没解决", "没解决", "没解决", "没解决", "转人工"]


def reset_services() -> None:
    """Fresh test databases and queue (other clusters on this machine use other names)."""
    for name in (TRACKER_DB, APP_DB):
        subprocess.run(["psql", f"{POSTGRES}/postgres", "-q", "-c",
                        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
                        "-c", f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)

    async def delete_queue() -> None:
        import aio_pika

        connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(QUEUE)

    asyncio.run(delete_queue())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reset_services()
    rasa, actions = free_block(3), free_block(3)
    var_dir = tmp_path_factory.mktemp("cluster-var")
    launched = Launched("cluster", var_dir, {
        "VAR_DIR": str(var_dir), "RASA_PORT": str(rasa), "ACTION_PORT": str(actions + 1),
        "CONSOLE_PORT": str(free_block(1)), "CLUSTER_REPLICAS": "2", "RASA_AUTH_TOKEN": TOKEN,
        "TRACKER_STORE_URL": f"{POSTGRES}/{TRACKER_DB}", "APP_DATABASE_URL": f"{POSTGRES}/{APP_DB}",
        "EVENT_QUEUE": QUEUE, "ANALYTICS_RECONCILE_SECONDS": "5",
    }).start()
    print(f"cluster started in {launched.started_in:.0f} s")
    try:
        yield launched
    finally:
        launched.stop()
    assert not (var_dir / "processes.json").exists(), "the launcher did not stop its processes"


def replica_url(cluster, i: int) -> str:
    return f"http://127.0.0.1:{int(cluster.env['RASA_PORT']) + i}"


def action_url(cluster, i: int) -> str:
    return f"http://127.0.0.1:{int(cluster.env['ACTION_PORT']) + i - 1}"


def run_conversations(cluster, count: int, during, after_turn: int = 2) -> List[Chat]:
    """``count`` conversations of `SCRIPT` side by side; ``during()`` runs once every one of
    them has finished ``after_turn`` turns (while they go on)."""
    chats = [Chat(cluster.rasa_url) for _ in range(count)]
    reached = threading.Barrier(count + 1)
    errors: List[BaseException] = []

    def talk(chat: Chat) -> None:
        try:
            for turn, text_ in enumerate(SCRIPT, start=1):
                assert chat.say(text_), f"{chat.sender}: empty reply to {text_!r}"
                if turn == after_turn:
                    reached.wait(timeout=300)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
            reached.abort()

    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(talk, chat) for chat in chats]
        reached.wait(timeout=300)
        during()
        for future in futures:
            future.result()
    if errors:
        raise errors[0]
    return chats


def assert_each_message_once(chats: List[Chat]) -> None:
    for chat in chats:
        assert chat.user_message_ids() == chat.sent, f"{chat.sender}: lost or duplicated turns"
        turns = chat.turns()
        assert all(responses for _, responses in turns), f"{chat.sender}: a turn without a reply"
        assert not any("utter_service_unavailable" in r for _, r in turns), f"{chat.sender}: an outage showed"
        assert "utter_ticket_created" in " ".join(turns[-1][1]) or chat.slot("ticket_number")


def test_conversations_spread_over_both_replicas(cluster):
    table = cluster.table()
    assert {"proxy", "actions-1", "actions-2", "rasa-1", "rasa-2", "console", "analytics"} <= set(table)
    chats = [Chat(cluster.rasa_url) for _ in range(8)]
    for chat in chats:
        chat.say(SCRIPT[0])
    served = [chat.served_by[0] for chat in chats]
    assert set(served) == {"rasa-1", "rasa-2"}, served
    assert answers(f"http://127.0.0.1:{cluster.env['CONSOLE_PORT']}/api/health")


def kill_while_busy(cluster, backend: str, name: str, killed: Dict[str, object]) -> None:
    """SIGKILL ``name`` as soon as the proxy has a request in flight on it (within 10 s)."""
    deadline = time.monotonic() + 10
    busy = False
    while not busy and time.monotonic() < deadline:
        busy = int(proxy_stats(cluster.var_dir)[(backend, name)]["scur"] or 0) > 0
    killed[name] = cluster.kill(name)
    killed["in_flight"] = busy


def watch_for_new_process(cluster, name: str, old_pid: int, seen: Dict[str, float], stop: threading.Event) -> None:
    """Record in ``seen[name]`` when the launcher's table first shows ``name`` under a pid other
    than ``old_pid`` (the restarted process needs many seconds to load its model before it can
    answer, so a reply from ``name`` after that moment comes from the new process)."""
    while not stop.is_set():
        try:
            if cluster.pid(name) not in (old_pid, 0):
                seen[name] = time.monotonic()
                return
        except (KeyError, OSError, TypeError, ValueError):
            pass
        stop.wait(0.1)


def test_a_replica_killed_mid_conversation(cluster):
    killed: Dict[str, object] = {}
    restarted: Dict[str, float] = {}
    stop = threading.Event()

    def kill_and_watch() -> None:
        kill_while_busy(cluster, "rasa_rest", "rasa-1", killed)
        threading.Thread(target=watch_for_new_process, daemon=True,
                         args=(cluster, "rasa-1", int(killed["rasa-1"]), restarted, stop)).start()

    started = time.monotonic()
    try:
        chats = run_conversations(cluster, 6, kill_and_watch)
    finally:
        stop.set()
    stats = proxy_stats(cluster.var_dir)[("rasa_rest", "BACKEND")]
    print(f"6 conversations × {len(SCRIPT)} turns, rasa-1 killed (a request in flight on it: "
          f"{killed['in_flight']}): {time.monotonic() - started:.1f} s; proxy retries {stats['wretr']}, "
          f"redispatches {stats['wredis']}; client resends {sum(c.resends for c in chats)}")
    assert_each_message_once(chats)
    # After the kill only rasa-2 answers, until the launcher has restarted rasa-1 (a conversation
    # slowed by a resend can outlast the restart, and the new process may then serve it).
    back = restarted.get("rasa-1", float("inf"))
    for chat in chats:
        for replica, at in zip(chat.served_by[3:], chat.answered_at[3:]):
            assert replica == "rasa-2" or (replica == "rasa-1" and at > back), \
                f"{chat.sender}: {replica} answered after the kill and before a restart"
    took = cluster.wait_restarted("rasa-1", int(killed["rasa-1"]), f"{replica_url(cluster, 1)}/", timeout=420)
    print(f"rasa-1 back in {took:.0f} s")


def test_an_action_server_killed_mid_conversation(cluster):
    killed: Dict[str, object] = {}
    chats = run_conversations(cluster, 6, lambda: kill_while_busy(cluster, "actions", "actions-1", killed))
    stats = proxy_stats(cluster.var_dir)[("actions", "BACKEND")]
    print(f"actions-1 killed (a call in flight on it: {killed['in_flight']}); proxy retries {stats['wretr']}, "
          f"redispatches {stats['wredis']}")
    assert_each_message_once(chats)
    cluster.wait_restarted("actions-1", int(killed["actions-1"]), f"{action_url(cluster, 1)}/health", timeout=180)


def test_two_messages_at_once_to_two_replicas_are_processed_one_after_the_other(cluster):
    wait_for(lambda: answers(f"{replica_url(cluster, 1)}/") and answers(f"{replica_url(cluster, 2)}/"),
             300, "both replicas up")
    chat = Chat(cluster.rasa_url)
    chat.say(SCRIPT[0])
    assert chat.slot("step_index") == 0
    chat.sent += [f"{chat.sender}-a", f"{chat.sender}-b"]
    gate = threading.Barrier(2)

    def send(message_id: str, replica: int) -> None:
        gate.wait()
        response = requests.post(f"{replica_url(cluster, replica)}/webhooks/rest/webhook", timeout=120, json={
            "sender": chat.sender, "message": "没解决", "metadata": {"message_id": message_id}})
        assert response.status_code == 200 and response.json()

    threads = [threading.Thread(target=send, args=(f"{chat.sender}-{x}", i)) for x, i in (("a", 1), ("b", 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = chat.tracker()["events"]
    kinds = [(e["event"], e.get("name")) for e in events]
    users = [i for i, (kind, _) in enumerate(kinds) if kind == "user"]
    first, second = users[-2], users[-1]
    assert ("action", "action_listen") in kinds[first + 1:second], "the two turns interleaved"
    assert chat.slot("step_index") == 2, "each message saw the state the other one left"
    assert sorted(chat.user_message_ids()[-2:]) == sorted(chat.sent[-2:])


def test_a_message_sent_again_to_the_other_replica_is_answered_from_the_tracker(cluster):
    chat = Chat(cluster.rasa_url)
    chat.say(SCRIPT[0])
    message_id = f"{chat.sender}-again"
    body = {"sender": chat.sender, "message": "没解决", "metadata": {"message_id": message_id}}
    first = requests.post(f"{replica_url(cluster, 1)}/webhooks/rest/webhook", json=body, timeout=120)
    again = requests.post(f"{replica_url(cluster, 2)}/webhooks/rest/webhook", json=body, timeout=120)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and first.json()
    assert chat.user_message_ids() == [chat.sent[0], message_id]
    assert chat.slot("step_index") == 1
    assert "processed already" in cluster.output()


def tracker_events() -> List[dict]:
    engine = create_engine(f"{POSTGRES}/{TRACKER_DB}", future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT sender_id, data FROM events ORDER BY id")).all()
    finally:
        engine.dispose()
    return [{"sender_id": sender, **json.loads(data)} for sender, data in rows]


def test_analytics_equal_the_trackers_across_a_rabbitmq_restart(cluster):
    def restart_rabbitmq() -> None:
        subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=120)
        time.sleep(2)
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=120)

    chats = run_conversations(cluster, 4, restart_rabbitmq)
    assert_each_message_once(chats)
    store = SqlAnalyticsStore(make_app_session_factory(f"{POSTGRES}/{APP_DB}"))
    every_day = (date(2000, 1, 1), date(2100, 1, 1))
    expected: Dict = {}

    def equal() -> bool:
        expected.clear()
        expected.update(tally(tracker_events()).totals())
        return asyncio.run(store.totals(*every_day)) == expected

    try:
        wait_for(equal, 90, "analytics equal to the trackers", every=2)
    finally:
        print("tracker:  ", expected)
        print("analytics:", asyncio.run(store.totals(*every_day)))
    engine = create_engine(f"{POSTGRES}/{APP_DB}", future=True)
    with engine.connect() as connection:
        sources = dict(connection.execute(text("SELECT source, count(*) FROM analytics_events GROUP BY source")).all())
    engine.dispose()
    print("events counted by source:", sources)
    assert sources.get("broker", 0) > 0, "the queue delivered nothing"
    assert expected["conversations"][""] >= 8 + 6 + 6 + 1 + 4


def test_the_proxy_the_console_and_the_analytics_consumer_killed(cluster):
    console = f"http://127.0.0.1:{cluster.env['CONSOLE_PORT']}/api/health"
    for name, ready in (("proxy", f"{cluster.rasa_url}/proxy-health"), ("console", console), ("analytics", None)):
        old = cluster.kill(name)
        cluster.wait_restarted(name, old, ready, timeout=120)
    chat = Chat(cluster.rasa_url)
    assert chat.say(SCRIPT[0])
