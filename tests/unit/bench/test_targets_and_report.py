"""Targets (met / missed and by how much) and the Markdown report, on made-up results."""
from __future__ import annotations

import copy

import pytest

from bench import PROBLEM_INTENTS
from bench.metrics import Prediction, evaluate
from bench.report import make_plots, render_markdown
from bench.stats import side_by_side
from bench.targets import best_baseline, check


def quality(macro_f1_like: float, model: str, dataset: str):
    """A real QualityReport dict whose predictions are right for a share of messages."""
    predictions = []
    for i in range(100):
        intent = PROBLEM_INTENTS[i % 6]
        predicted = intent if i < macro_f1_like * 100 else "out_of_scope"
        predictions.append(Prediction(f"m{i}", intent, predicted, 0.5 + i / 1000))
    return evaluate(predictions, model, dataset).as_dict()


def summary(p50, p99, rate, count=100):
    return {"count": count, "errors": 0, "elapsed_s": count / rate, "p50_ms": p50, "p95_ms": (p50 + p99) / 2,
            "p99_ms": p99, "mean_ms": p50 * 1.1, "max_ms": p99 * 1.2, "per_second": rate}


TURNS = {"1": summary(30, 60, 30), "8": summary(250, 874, 30), "32": summary(900, 2000, 31)}
PLAIN_TURNS = {"1": summary(80, 150, 12), "8": summary(700, 2000, 12), "32": summary(2500, 6000, 12.4)}

RESULTS = {
    "run": {"started": "2026-01-01T00:00:00+08:00", "commit": "abc1234", "quick": False,
            "budget_s": 1020, "wall_s": 900, "phases": {"train": 200.0}, "skipped": [], "notes": [],
            "model": "/tmp/m.tar.gz", "model_source": "trained by this run"},
    "machine": {"cpu_model": "AMD EPYC", "logical_cpus": 2, "usable_cpus": 2, "memory_total_bytes": 24 * 2**30,
                "os": "Linux", "python": "3.10.13", "packages": {"rasa": "3.6.21"},
                "load_average_at_start": "1.0 1.0 1.0", "load_average_at_end": "2.0 1.0 1.0"},
    "quality": {
        "heldout": {"project": quality(0.99, "project", "heldout"),
                    "keywords": quality(0.6, "keywords", "heldout")},
        "hard": {"project": quality(0.95, "project", "hard"),
                 "keywords": quality(0.5, "keywords", "hard"),
                 "tfidf_logreg": quality(0.7, "tfidf_logreg", "hard")},
    },
    "latency": {"settings": "short", "parse_1": summary(9, 20, 100), "parse_8": summary(50, 90, 140),
                "turns": TURNS,
                "plain_rasa": {"name": "plain-rasa", "change": "plain Rasa", "startup_s": {"rasa": 26.5},
                               "turns": PLAIN_TURNS,
                               "memory": {"rasa": {"pid": 3, "rss": 900_000_000, "peak": 1_000_000_000,
                                                   "children": []}}},
                "vs_plain": side_by_side(TURNS, PLAIN_TURNS)},
    "memory": {"rasa": {"pid": 1, "rss": 1_200_000_000, "peak": 1_300_000_000, "children": []},
               "actions": {"pid": 2, "rss": 100_000_000, "peak": 110_000_000, "children": []}},
    "startup": {"rasa": 28.0, "actions": 3.0},
    "training": {"project_full": {"wall_s": 180.0, "peak_rss_bytes": 1.5 * 2**30, "returncode": 0},
                 "rasa_init_literal": {"returncode": 1, "error": "UnsupportedLanguageError: zh"},
                 "keywords": {"sample": {"login_failure": ["登录", "密码"]}}},
    "crossval": {"folds": 5, "per_fold": [{"accuracy": 0.9, "macro_f1": 0.95}] * 5,
                 "summary": {"folds_done": 5, "accuracy_mean": 0.9, "accuracy_std": 0.0,
                             "macro_f1_mean": 0.95, "macro_f1_std": 0.0},
                 "train_s": [100.0] * 5, "notes": [], "epochs": 30},
    "comparison": {"hard": {"baseline": "tfidf_logreg", "difference": 0.15, "low": 0.05, "high": 0.25,
                            "resamples": 1000}},
    "profile": {"seconds": 15,
                "rasa": {"samples": 1000, "categories": {"tracker store: load": 0.4, "TensorFlow": 0.2},
                         "top_self": [["retrieve (rasa/core/tracker_store.py:1)", 0.1]]},
                "actions": {"samples": 300, "categories": {"knowledge base (action server)": 0.5},
                            "top_self": [["search (knowledge/search.py:1)", 0.2]]}},
}


def rows_by_name(results):
    return {row.name.split(",")[0].split(" on ")[0]: row for row in check(results)}


def test_targets_met_and_missed_with_margins():
    rows = check(RESULTS)
    assert [r.met for r in rows][:5] == [True, True, False, True, True]
    p99 = rows[2]
    assert p99.measured == "874 ms"
    assert p99.margin.startswith("+724 ms")
    hard = rows[1]
    assert "tfidf_logreg" in hard.measured
    assert "[+0.050, +0.250]" in hard.measured


def test_issue_11_turn_rate_targets_read_the_rate_the_p99_and_the_ratio_to_plain_rasa():
    from bench.targets import turn_rate_targets

    results = {"latency": {"turns": {"8": {"per_second": 97.8, "p99_ms": 188.0}},
                           "vs_plain": {"8": {"throughput_ratio": 3.79}}}}
    rate, p99, ratio = turn_rate_targets(results)
    assert (rate.met, p99.met, ratio.met) == (True, True, False)
    assert rate.margin == "+27.8/s" and p99.margin == "-12 ms" and ratio.margin == "-0.21×"
    assert [r.met for r in turn_rate_targets({})] == [None, None, None]


def test_hard_target_compares_with_the_best_baseline():
    assert best_baseline(RESULTS, "hard")[0] == "tfidf_logreg"
    worse = copy.deepcopy(RESULTS)
    worse["quality"]["hard"]["tfidf_logreg"] = quality(0.95, "tfidf_logreg", "hard")
    assert check(worse)[1].met is False


def test_hard_target_says_when_it_cannot_be_reached():
    results = copy.deepcopy(RESULTS)
    results["quality"]["hard"]["tfidf_logreg"] = quality(0.85, "tfidf_logreg", "hard")  # F1 ≈ 0.92
    row = check(results)[1]
    assert row.met is False and "unreachable" in row.margin


def test_missing_measurements_are_reported_as_not_measured():
    rows = check({"run": {}})
    assert all(r.met is None for r in rows)
    assert all(r.measured == "not measured" for r in rows)


def test_rss_target_uses_decimal_gigabytes():
    results = copy.deepcopy(RESULTS)
    results["memory"]["rasa"]["peak"] = int(1.45 * 2**30)  # 1.56 GB: over 1.5 GB, under 1.5 GiB
    assert check(results)[3].met is False


def test_report_has_headline_first_and_every_section():
    text = render_markdown(RESULTS, {"latency": "latency.png", "confusion_hard": "confusion_hard.png"})
    assert text.index("## Headline") < text.index("## Run and machine")
    assert text.index("## Missed targets") < text.index("## Run and machine")
    assert "turns/s" in text.split("## Missed targets")[1].split("## Run and machine")[0]
    for heading in ("## Understanding quality", "## Baselines", "## Cross-validation", "## Speed",
                    "### Side by side with plain `rasa run`", "## Memory, start-up, training",
                    "### What limits the full turn"):
        assert heading in text
    assert "**missed**" in text
    assert "![latency percentiles](latency.png)" in text
    assert "UnsupportedLanguageError" in text
    assert "tracker store: load 40%" in text and "search (knowledge/search.py:1)" in text
    # the retired experiments leave nothing behind in the report
    for gone in ("TensorFlow thread", "÷ ref", "What if", "schema_cost"):
        assert gone not in text


def test_headline_puts_plain_rasa_next_to_ours_with_the_ratio():
    headline = render_markdown(RESULTS).split("## Missed targets")[0]
    # 8 conversations: p99 874 ms ours, 2000 ms plain; 30 turns/s against 12 → 2.50×
    assert "| 8 concurrent | 250 | 562 | 874 | 2000 | 30.0 | 12.0 | 2.50× |" in headline


def test_side_by_side_section_has_both_servers_and_both_ratios():
    text = render_markdown(RESULTS, {"vs_plain": "vs_plain.png"})
    section = text.split("### Side by side with plain `rasa run`")[1].split("###")[0]
    # p99 ours ÷ plain 874 / 2000 = 0.44×; turns/s 30 / 12 = 2.50×; errors of the plain loops
    assert "| 8 conversation(s) | 250 | 700 | 874 | 2000 | 0.44× | 30.0 | 12.0 | 2.50× | 0 |" in section
    assert "| 32 conversation(s) |" in section and "![ours and plain rasa run](vs_plain.png)" in section
    missed = text.split("## Missed targets")[1].split("## Run and machine")[0]
    assert "30.0 turns/s against 12.0 at 8 conversations (2.50×), p99 874 ms against 2000 ms" in missed


def test_memory_and_cold_start_of_plain_rasa_are_next_to_ours():
    resources = render_markdown(RESULTS).split("## Memory, start-up, training")[1]
    assert "| Rasa server RSS peak (VmHWM) / now | 1.21 / 1.12 GiB | 0.93 GiB peak |" in resources
    assert "| Rasa server cold start (exec → HTTP ready) | 28.0 s | 26.5 s |" in resources


def test_plain_rasa_that_did_not_run_is_reported_with_its_reason():
    results = copy.deepcopy(RESULTS)
    results["latency"]["plain_rasa"] = {"name": "plain-rasa", "change": "plain Rasa",
                                        "error": "RuntimeError: no trained model"}
    del results["latency"]["vs_plain"]
    text = render_markdown(results)
    assert "- not measured: RuntimeError: no trained model" in text
    assert "Full REST turns (plain `rasa run` not measured in this run):" in text
    assert "| 8 concurrent | 250 | 562 | 874 | – | 30.0 | – | – |" in text


def test_report_renders_with_partial_results():
    text = render_markdown({"run": {"skipped": ["latency: time budget"], "notes": ["x failed"]}})
    assert "## Not measured in this run" in text
    assert "latency: time budget" in text
    assert "## Baselines" not in text and "### Side by side" not in text  # nothing to show, no heading


def test_table_cells_escape_pipes_in_messages():
    results = copy.deepcopy(RESULTS)
    results["quality"]["hard"]["project"]["worst"] = [
        {"text": "a|b", "expected": "login_failure", "predicted": "greet", "confidence": 0.9, "fallback": False}]
    assert "a\\|b" in render_markdown(results)


@pytest.mark.filterwarnings("ignore")
def test_plots_are_written(tmp_path):
    images = make_plots(RESULTS, tmp_path)
    assert set(images) == {"confusion_heldout", "confusion_hard", "f1_comparison", "latency", "vs_plain"}
    for name in images.values():
        assert (tmp_path / name).stat().st_size > 1000


def test_paused_conversations_are_reported_next_to_the_stress_loop_not_instead_of_it():
    results = copy.deepcopy(RESULTS)
    results["latency"]["turns_paused"] = {"8": summary(70, 140, 3.5), "pause_s": [1.0, 3.0]}
    rows = {row.name: row for row in check(results)}
    strict = rows["p99 of a full REST turn at 8 concurrent conversations"]
    paused = next(row for name, row in rows.items() if name.startswith("the same, users pausing 1–3 s"))
    assert strict.met is False and strict.measured == "874 ms"
    assert paused.met is True and paused.measured == "140 ms"
    text = render_markdown(results, {})
    assert "full turn, 8 conversations pausing 1–3 s" in text
    assert "pausing 1–3 s before each message (reading the reply, clicking or typing), p99 is 140 ms" in text
