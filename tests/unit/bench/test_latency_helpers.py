"""Helpers of the latency benchmark that need no server."""
from __future__ import annotations

from bench.latency import ABBA, PLAIN_RASA, SCRIPTS, LoadResult, whatif_entry


def test_scripts_cover_the_knowledge_base_and_an_invoice_lookup():
    messages = [m for script in SCRIPTS for m in script]
    assert any("34567890" in m for m in messages)  # a demo invoice of the embedded system
    assert "/problem_persists" in messages  # the next step comes from the knowledge base
    assert all(len(script) >= 5 for script in SCRIPTS)


def test_whatif_entry_keeps_the_keys_earlier_results_had_and_adds_the_new_ones():
    plain = {"name": PLAIN_RASA, "change": "plain", "turns": {"8": {"per_second": 8.0}},
             "startup_s": {"rasa": 27.0, "actions": 3.0},
             "memory": {"rasa": {"pid": 1, "rss": 9, "peak": 940_000_000, "children": []}}}
    entry = whatif_entry(plain)
    assert entry["name"] == "plain-rasa"
    assert entry["turns"]["8"]["per_second"] == 8.0
    assert entry["rasa_peak_rss"] == 940_000_000
    assert entry["startup_s"]["rasa"] == 27.0
    assert "rasa_peak_rss" not in plain  # the latency entry is not changed


def test_whatif_entry_of_a_stack_that_did_not_run_has_its_error():
    entry = whatif_entry({"name": PLAIN_RASA, "change": "plain", "error": "not run: 20 s left"})
    assert entry == {"name": "plain-rasa", "change": "plain", "error": "not run: 20 s left"}


def test_loops_in_halves_combine_into_one_load():
    first = LoadResult(latencies=[0.1, 0.2], errors=1, error_samples=["HTTP 500"], elapsed_s=2.0)
    second = LoadResult(latencies=[0.3], errors=5, error_samples=[f"timeout {i}" for i in range(5)], elapsed_s=1.0)
    combined = LoadResult.combined([first, second])
    assert combined.latencies == [0.1, 0.2, 0.3]
    assert combined.errors == 6 and combined.elapsed_s == 3.0
    assert combined.error_samples == ["HTTP 500", "timeout 0", "timeout 1", "timeout 2", "timeout 3"]
    assert combined.summary().per_second == 1.0  # 3 turns in 3 s of measuring
    assert first.latencies == [0.1, 0.2]  # the halves are not changed
    assert LoadResult.combined([]).summary() is None


def test_each_server_runs_first_and_last_equally_often():
    assert sorted(ABBA) == ["ours", "ours", "plain", "plain"]
    positions = {who: [i for i, name in enumerate(ABBA) if name == who] for who in ("ours", "plain")}
    assert sum(positions["ours"]) == sum(positions["plain"])  # same mean position: a linear drift cancels
