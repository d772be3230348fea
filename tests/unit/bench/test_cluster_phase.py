"""bench/cluster.py: the pure parts of the cluster measurement (CPU accounting, the table)."""
from __future__ import annotations

import os

from bench.cluster import kind_of, pids_named, table
from bench.procs import cpu_seconds


def test_process_kinds_group_replicas():
    assert [kind_of(n) for n in ("rasa-1", "rasa-12", "actions-2", "proxy", "analytics")] == [
        "rasa", "rasa", "actions", "proxy", "analytics"]


def test_cpu_seconds_of_this_process_and_of_a_gone_one():
    sum(i * i for i in range(200_000))
    assert cpu_seconds(os.getpid()) > 0
    assert cpu_seconds(2**22 + 12345) == 0.0
    assert os.getpid() in pids_named(open(f"/proc/{os.getpid()}/comm").read().strip())


def test_the_table_separates_our_processes_from_the_shared_services():
    row = {"topology": "cluster-2", "concurrency": 8, "turns_per_s": 30.0, "p50_ms": 200, "p99_ms": 900,
           "errors": 0, "cpu_ms_per_turn": {"rasa": 40.0, "actions": 7.0, "postgresql": 5.0, "redis": 0.5,
                                            "rabbitmq": 1.0}}
    text = table([row])
    assert "| cluster-2 | 8 | 30.0 | 200 | 900 | 0 | 47 | 5.0, 0.5, 1.0 |" in text
