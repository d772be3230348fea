"""Targets (met / missed and by how much) and the Markdown report, on made-up results."""
from __future__ import annotations

import copy

import pytest

from bench import PROBLEM_INTENTS
from bench.metrics import Prediction, evaluate
from bench.report import make_plots, render_markdown
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


RESULTS = {
    "run": {"started": "2026-01-01T00:00:00+08:00", "commit": "abc1234", "quick": False,
            "budget_s": 1020, "wall_s": 900, "phases": {"train": 200.0}, "skipped": [], "notes": [],
            "model": "/tmp/m.tar.gz", "model_source": "trained by this run"},
    "machine": {"cpu_model": "AMD EPYC", "logical_cpus": 2, "usable_cpus": 2, "memory_total_bytes": 24 * 2**30,
                "os": "Linux", "python": "3.10.13", "packages": {"rasa": "3.6.21"},
                "load_average_at_start": "1.0 1.0 1.0", "load_average_at_end": "2.0 1.0 1.0"},
    "calibration": {"start": {"median_ms": 100.0}, "end": {"median_ms": 120.0}},
    "quality": {
        "heldout": {"project": quality(0.99, "project", "heldout"),
                    "keywords": quality(0.6, "keywords", "heldout")},
        "hard": {"project": quality(0.95, "project", "hard"),
                 "keywords": quality(0.5, "keywords", "hard"),
                 "tfidf_logreg": quality(0.7, "tfidf_logreg", "hard")},
    },
    "latency": {"settings": "short", "parse_1": summary(9, 20, 100), "parse_8": summary(50, 90, 140),
                "turns": {"1": summary(30, 60, 30), "8": summary(250, 874, 30), "32": summary(900, 2000, 31)}},
    "memory": {"rasa": {"pid": 1, "rss": 1_200_000_000, "peak": 1_300_000_000, "children": []},
               "actions": {"pid": 2, "rss": 100_000_000, "peak": 110_000_000, "children": []}},
    "startup": {"rasa": 28.0, "actions": 3.0},
    "training": {"project_full": {"wall_s": 180.0, "peak_rss_bytes": 1.5 * 2**30, "returncode": 0},
                 "rasa_init_literal": {"returncode": 1, "error": "UnsupportedLanguageError: zh"},
                 "keywords": {"sample": {"login_failure": ["登录", "密码"]}}},
    "tf_threads": [{"setting": "default", "cold_start_s": 28.0, "parse_1": summary(9, 20, 100),
                    "parse_8": summary(50, 90, 140), "turns_8": summary(250, 874, 30)},
                   {"setting": "1/1", "error": "RuntimeError: boom"}],
    "crossval": {"folds": 5, "per_fold": [{"accuracy": 0.9, "macro_f1": 0.95}] * 5,
                 "summary": {"folds_done": 5, "accuracy_mean": 0.9, "accuracy_std": 0.0,
                             "macro_f1_mean": 0.95, "macro_f1_std": 0.0},
                 "train_s": [100.0] * 5, "notes": [], "epochs": 30},
    "comparison": {"hard": {"baseline": "tfidf_logreg", "difference": 0.15, "low": 0.05, "high": 0.25,
                            "resamples": 1000}},
    "schema_cost": {"jsonschema": "4.17.3", "calls": 30, "validate_ms": 80.0, "prebuilt_validator_ms": 3.0},
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
    assert [r.met for r in rows] == [True, True, False, True, True]
    p99 = rows[2]
    assert p99.measured == "874 ms"
    assert p99.margin.startswith("+724 ms")
    hard = rows[1]
    assert "tfidf_logreg" in hard.measured
    assert "[+0.050, +0.250]" in hard.measured


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
                    "## Memory, start-up, training", "## TensorFlow thread settings",
                    "### What limits the full turn"):
        assert heading in text
    assert "**missed**" in text
    assert "![latency percentiles](latency.png)" in text
    assert "UnsupportedLanguageError" in text
    assert "error: RuntimeError: boom" in text
    assert "80.0 ms per call" in text and "80.0 → " in text
    assert "tracker store: load 40%" in text and "search (knowledge/search.py:1)" in text


def test_whatif_section_compares_each_variant_with_the_measured_turns():
    results = copy.deepcopy(RESULTS)
    results["whatif"] = [
        {"name": "two-workers", "change": "two workers", "rasa_peak_rss": 2_400_000_000,
         "turns": {"1": summary(10, 20, 90), "8": summary(60, 120, 100)}},
        {"name": "plain-rasa", "change": "plain Rasa", "error": "RuntimeError: no Redis"},
    ]
    text = render_markdown(results)
    assert "**two-workers**: two workers." in text
    assert "| 8 conversation(s) | 250 | 60.0 | 874 | 120 | 30.0 | 100.0 |" in text
    assert "peak RSS with its worker processes: 2.40 GB (project: 1.30 GB)" in text
    assert "**plain-rasa**: plain Rasa." in text and "- failed: RuntimeError: no Redis" in text


def test_ratios_use_the_mean_reference():
    text = render_markdown(RESULTS)
    # turn p99 at 8: 874 ms ÷ 110 ms reference
    assert "7.945" in text


def test_report_renders_with_partial_results():
    text = render_markdown({"run": {"skipped": ["latency: time budget"], "notes": ["x failed"]}})
    assert "## Not measured in this run" in text
    assert "latency: time budget" in text


def test_table_cells_escape_pipes_in_messages():
    results = copy.deepcopy(RESULTS)
    results["quality"]["hard"]["project"]["worst"] = [
        {"text": "a|b", "expected": "login_failure", "predicted": "greet", "confidence": 0.9, "fallback": False}]
    assert "a\\|b" in render_markdown(results)


@pytest.mark.filterwarnings("ignore")
def test_plots_are_written(tmp_path):
    images = make_plots(RESULTS, tmp_path)
    assert set(images) == {"confusion_heldout", "confusion_hard", "f1_comparison", "latency"}
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
