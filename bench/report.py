"""The Markdown report and its plots (results/bench/report.md, *.png).

``render_markdown`` is pure (results dict in, text out) so it can be tested without a run;
``make_plots`` draws the PNGs with matplotlib's Agg backend (no display needed).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

from bench import PROBLEM_INTENTS
from bench.targets import P99_TURN_MS_AT_8, PROJECT, check, verdict

MODEL_TITLES = {
    PROJECT: "assistant (config.yml)",
    "rasa_init_jieba": "rasa init default + JiebaTokenizer",
    "tfidf_logreg": "TF-IDF (jieba) + logistic regression",
    "keywords": "keyword matcher",
}
DATASET_TITLES = {
    "heldout": "tests/nlu/heldout.yml (held-out set)",
    "hard": "tests/nlu/hard.yml (harder, realistic wording)",
}


# ---------------------------------------------------------------- small formatting helpers

def fmt(value: Optional[float], digits: int = 3) -> str:
    """A number, or an en dash for a missing one."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def ms(value: Optional[float]) -> str:
    """Milliseconds, precision by size."""
    if value is None:
        return "–"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> List[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(str(cell).replace("|", "\\|").replace("\n", " ") for cell in row) + " |")
    return lines


def times(value: Optional[float]) -> str:
    """A ratio such as ours ÷ plain ``rasa run`` ("2.41×"), or an en dash."""
    if value is None:
        return "–"
    return f"{value:.2f}×"


def gb(value: Optional[float]) -> str:
    """Bytes as decimal GB with GiB in brackets, or an en dash."""
    if value is None:
        return "–"
    return f"{value / 1e9:.2f} GB ({value / 2**30:.2f} GiB)"


def _levels(turns: Dict[str, Any]) -> List[str]:
    """Concurrency levels in numeric order."""
    return sorted(turns, key=int)


def plain_rasa(results: Dict[str, Any]) -> Dict[str, Any]:
    """The plain ``rasa run`` figures of the latency phase ({} when not measured)."""
    return (results.get("latency") or {}).get("plain_rasa") or {}


def title(model: str) -> str:
    return MODEL_TITLES.get(model, model)


# ---------------------------------------------------------------- sections

def headline(results: Dict[str, Any]) -> List[str]:
    """Targets with met/missed and margins, then the key figures."""
    rows = check(results)
    lines = ["## Headline", ""]
    lines += table(["target", "measured", "target value", "result", "margin"],
                   [(r.name, r.measured, r.target, verdict(r.met), r.margin) for r in rows])
    lines.append("")
    quality = results.get("quality") or {}
    models = [m for m in MODEL_TITLES if any(m in (quality.get(d) or {}) for d in DATASET_TITLES)]
    if models:
        lines += table(
            ["model", "held-out macro-F1", "held-out accuracy", "hard macro-F1", "hard accuracy"],
            [(title(m),
              fmt(_q(quality, "heldout", m, "macro_f1")), fmt(_q(quality, "heldout", m, "accuracy")),
              fmt(_q(quality, "hard", m, "macro_f1")), fmt(_q(quality, "hard", m, "accuracy")))
             for m in models],
        )
        lines.append("")
    turns = (results.get("latency") or {}).get("turns") or {}
    versus = (results.get("latency") or {}).get("vs_plain") or {}
    if turns:
        lines.append("Full REST turns, ours next to plain `python -m rasa run` with the same model in "
                     "the same run (the speed target is the ratio):" if versus else
                     "Full REST turns (plain `rasa run` not measured in this run):")
        lines.append("")
        rows = []
        for level in _levels(turns):
            s, v = turns[level], versus.get(level) or {}
            if s:
                rows.append((f"{level} concurrent", ms(s["p50_ms"]), ms(s["p95_ms"]), ms(s["p99_ms"]),
                             ms(v.get("p99_ms_plain")), fmt(s["per_second"], 1),
                             fmt(v.get("per_second_plain"), 1), times(v.get("throughput_ratio"))))
        lines += table(["full REST turn", "p50 ms", "p95 ms", "p99 ms", "p99 ms plain", "turns/s",
                        "turns/s plain", "turns/s ours ÷ plain"], rows)
        lines.append("")
    return lines


def misses_section(results: Dict[str, Any]) -> List[str]:
    """For each missed target: by how much, and what the run's own figures say limits it."""
    rows = check(results)
    missed = [r for r in rows if r.met is False]
    if not missed:
        return []
    lines = ["## Missed targets: by how much, and what limits them", ""]
    for row in missed:
        lines.append(f"**{row.name}**: {row.measured} against {row.target} ({row.margin}).")
        lines.append("")
        if row.name.startswith("macro-F1 on tests/nlu/hard.yml"):
            lines += _hard_limits(results)
        elif row.name.startswith("p99 of a full REST turn"):
            lines += _turn_limits(results)
        elif row.name.startswith("Rasa server peak RSS"):
            plain_peak = ((plain_rasa(results).get("memory") or {}).get("rasa") or {}).get("peak")
            lines.append("- The Rasa server holds TensorFlow and the DIET model"
                         + (f"; plain `rasa run` with the same model peaked at {gb(plain_peak)}"
                            if plain_peak else "") + ".")
        lines.append("")
    return lines


def _hard_limits(results: Dict[str, Any]) -> List[str]:
    comparison = (results.get("comparison") or {}).get("hard") or {}
    reports = (results.get("quality") or {}).get("hard") or {}
    lines = []
    if comparison:
        lines.append(
            f"- The best baseline is {title(comparison['baseline'])}. The paired bootstrap puts the "
            f"assistant's lead between {comparison['low']:+.3f} and {comparison['high']:+.3f} (95 %): with "
            f"{(reports.get(PROJECT) or {}).get('count', '?')} messages, one message more or less right moves "
            "an intent's F1 by several hundredths.")
    best = max((r["macro_f1"] for m, r in reports.items() if m != PROJECT), default=None)
    if best is not None and best + 0.10 > 1:
        lines.append(f"- With the best baseline at {best:.3f}, a lead of 0.10 would need a macro-F1 above 1: "
                     "the target cannot be met on this file against this baseline, whatever the model.")
    project = reports.get(PROJECT)
    if project:
        wrong = [w for w in project.get("worst") or [] if w["expected"] in PROBLEM_INTENTS]
        if wrong:
            lines.append("- The assistant's misses on problem messages (see the table below): "
                         + "; ".join(f"「{w['text']}」 {w['expected']} → {w['predicted']}" for w in wrong[:6]) + ".")
    return lines


def _turn_limits(results: Dict[str, Any]) -> List[str]:
    turns = (results.get("latency") or {}).get("turns") or {}
    one, eight = turns.get("1"), turns.get("8")
    lines = []
    if one and eight:
        needed = 8 / (P99_TURN_MS_AT_8 / 1000)
        lines.append(
            f"- Throughput: {eight['per_second']:.1f} turns/s at 8 conversations against "
            f"{one['per_second']:.1f} with one, so the server is busy all the time and a turn mostly "
            f"waits for the 7 others (queueing); the target needs well over {needed:.0f} turns/s, "
            f"{needed / eight['per_second']:.1f}× what was measured.")
    shares = ((results.get("profile") or {}).get("rasa") or {}).get("categories") or {}
    versus = ((results.get("latency") or {}).get("vs_plain") or {}).get("8")

    def pct(key: str) -> Optional[str]:
        value = next((v for k, v in shares.items() if k.startswith(key)), None)
        return None if value is None else f"{value:.0%}"

    def share(*keys: str) -> str:
        parts = [f"{label} {pct(key)}" for key, label in keys if pct(key)]
        return f" ({', '.join(parts)} of the Rasa server's on-CPU samples)" if parts else ""

    if versus:
        lines.append(
            f"- Against plain `python -m rasa run` with the same model, in this run: "
            f"{fmt(versus['per_second'], 1)} turns/s against {fmt(versus['per_second_plain'], 1)} at 8 "
            f"conversations ({times(versus['throughput_ratio'])}), p99 {ms(versus['p99_ms'])} ms against "
            f"{ms(versus['p99_ms_plain'])} ms.")
    lines += [
        "- Where the Rasa server's time goes. Already done in the project: the Rasa server runs "
        "through bot/rasa_plugins/server.py (a jsonschema validator built once instead of "
        "`jsonschema.validate` per custom action), the action server builds the knowledge-base "
        "index before it accepts requests, and TEDPolicy was dropped (docs/benchmarks.md, "
        "*Finished experiments*). What is left:",
        f"  - NLU and TensorFlow{share(('NLU', 'parse_message'), ('TensorFlow', 'TensorFlow'))}: "
        "DIET on every typed message; button payloads skip it.",
        f"  - policies{share(('policy prediction', 'prediction'), ('tracker state building', 'state building'))}: "
        "every predicted action rebuilds the conversation's states for RulePolicy and "
        "MemoizationPolicy, and a turn predicts several actions.",
        "  - the tracker store"
        f"{share(('tracker store: retrieve', 'retrieve'), ('tracker store: save', 'save'), ('SQLAlchemy', 'SQL'))}: "
        "with SQL every turn loads the conversation's events, rebuilds the tracker, counts the "
        "stored events and saves; a Redis tracker store and short sessions cut it.",
        f"  - custom actions{share(('HTTP to the action server', 'HTTP'), ('jsonschema', 'response validation'))}.",
        "  - one Sanic worker uses one core. Two workers with the Redis lock store were measured "
        "(docs/benchmarks.md, *Finished experiments*): on two cores shared with the action server "
        "they added little at 8 conversations and doubled the memory.",
    ]
    paused = ((results.get("latency") or {}).get("turns_paused") or {})
    if paused.get("8"):
        low, high = paused.get("pause_s") or ("?", "?")
        lines.append(
            f"- The stress loop has every user send its next message the moment a reply arrives, so "
            f"the server is never idle. With the same 8 conversations pausing {low:g}–{high:g} s "
            f"before each message (reading the reply, clicking or typing), p99 is "
            f"{paused['8']['p99_ms']:.0f} ms at {paused['8']['per_second']:.1f} turns/s.")
    return lines


def _q(quality: Dict[str, Any], dataset: str, model: str, key: str) -> Optional[float]:
    return ((quality.get(dataset) or {}).get(model) or {}).get(key)


def run_section(results: Dict[str, Any]) -> List[str]:
    run = results.get("run") or {}
    machine = results.get("machine") or {}
    lines = ["## Run and machine", ""]
    quick = " — **quick mode: reduced epochs and loops, figures are not representative**" if run.get("quick") else ""
    lines.append(f"- started {run.get('started', '–')}, commit `{run.get('commit', '–')}`{quick}")
    lines.append(f"- model benchmarked: `{run.get('model', '–')}` ({run.get('model_source', '–')})")
    lines.append(f"- wall time of `python -m bench`: {fmt((run.get('wall_s') or 0) / 60, 1)} min "
                 f"(budget {fmt((run.get('budget_s') or 0) / 60, 0)} min)")
    phases = run.get("phases") or {}
    if phases:
        lines.append("- phases: " + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items()))
    for note in run.get("notes") or []:
        lines.append(f"- note: {note}")
    lines.append("")
    if machine:
        packages = machine.get("packages") or {}
        lines += table(["machine", ""], [
            ("CPU", machine.get("cpu_model")),
            ("CPUs usable / logical", f"{machine.get('usable_cpus')} / {machine.get('logical_cpus')}"
             + (f", cgroup quota {machine['cgroup_cpu_quota']:.1f}" if machine.get("cgroup_cpu_quota") else "")),
            ("memory", f"{(machine.get('memory_total_bytes') or 0) / 2**30:.1f} GiB"),
            ("OS", machine.get("os")),
            ("Python", machine.get("python")),
            ("packages", ", ".join(f"{k} {v}" for k, v in packages.items())),
            ("load average (1/5/15 min) at start → end",
             f"{machine.get('load_average_at_start', '–')} → {machine.get('load_average_at_end', '–')}"),
        ])
        lines.append("")
    lines.append(
        "Every speed figure depends on the machine and on what else runs on it (the load average "
        "above). Ours ÷ plain `rasa run`, both measured in this run with the same model and loops, "
        "is the figure to compare across runs and machines.")
    lines.append("")
    return lines


def quality_section(results: Dict[str, Any], images: Dict[str, str]) -> List[str]:
    quality = results.get("quality") or {}
    if not quality:
        return []
    lines = ["## Understanding quality", ""]
    lines.append(
        "Scores as `rasa test nlu` computes them (a FallbackClassifier `nlu_fallback` is undone "
        "to score DIET's intent); *as deployed* counts a fallback as not understood. Macro-F1 is "
        "over the six problem intents (precision includes every other intent predicted as the "
        "problem), accuracy over every message of the file.")
    lines.append("")
    if "f1_comparison" in images:
        lines += [f"![macro-F1 by model]({images['f1_comparison']})", ""]
    for dataset, dataset_title in DATASET_TITLES.items():
        reports = quality.get(dataset) or {}
        if not reports:
            continue
        lines += [f"### {dataset_title}", ""]
        comparison = (results.get("comparison") or {}).get(dataset)
        if comparison:
            lines.append(
                f"Assistant minus the best baseline ({title(comparison['baseline'])}): macro-F1 "
                f"{comparison['difference']:+.3f}, 95 % paired bootstrap interval "
                f"[{comparison['low']:+.3f}, {comparison['high']:+.3f}] over {comparison['resamples']} "
                "resamples of the file's messages.")
            lines.append("")
        lines += table(
            ["model", "messages", "accuracy", "macro-F1", "accuracy as deployed", "fallback rate"],
            [(title(m), r["count"], fmt(r["accuracy"]), fmt(r["macro_f1"]),
              fmt(r["deployed_accuracy"]), fmt(r["fallback_rate"]))
             for m, r in _ordered(reports)],
        )
        lines.append("")
        header = ["intent"] + [f"{title(m)} P / R" for m, _ in _ordered(reports)]
        lines += table(header, [
            [intent] + [f"{fmt(r['per_intent'][intent]['precision'], 2)} / "
                        f"{fmt(r['per_intent'][intent]['recall'], 2)}" for _, r in _ordered(reports)]
            for intent in PROBLEM_INTENTS
        ])
        lines.append("")
        if f"confusion_{dataset}" in images:
            lines += [f"![confusion matrices, {dataset}]({images[f'confusion_{dataset}']})", ""]
        for model, report in _ordered(reports):
            worst = report.get("worst") or []
            block = [f"Ten worst misclassifications of the {title(model)} (most confident first):", ""]
            block += table(["message", "expected", "predicted", "confidence", "fallback"],
                           [(w["text"], w["expected"], w["predicted"], fmt(w["confidence"], 2),
                             "yes" if w["fallback"] else "") for w in worst]) if worst else ["none"]
            if model == PROJECT:
                lines += block + [""]
            else:
                lines += ["<details><summary>" + f"{title(model)}: ten worst misclassifications"
                          + "</summary>", ""] + block + ["", "</details>", ""]
    parse = results.get("project_parse") or {}
    if parse:
        lines.append(f"The assistant's predictions came from {parse.get('how', '–')}: " + "; ".join(
            f"{d}: p50 {ms(s['p50_ms'])} ms, p99 {ms(s['p99_ms'])} ms per message"
            for d, s in parse.items() if isinstance(s, dict)) + ".")
        lines.append("")
    return lines


def _ordered(reports: Dict[str, Any]):
    order = list(MODEL_TITLES)
    return sorted(reports.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))


def baselines_section(results: Dict[str, Any]) -> List[str]:
    training = results.get("training") or {}
    lines = ["## Baselines: how they were built", ""]
    literal = training.get("rasa_init_literal")
    if literal:
        lines.append(
            "- **rasa init, literally** (its config.yml with `language: zh`; the commented-out "
            "pipeline means Rasa's default pipeline with WhitespaceTokenizer): "
            + ("trained (unexpected)." if literal.get("returncode") == 0 else
               f"does not train — exit code {literal.get('returncode')}: `{literal.get('error', '').strip()}`"))
    jieba = training.get("rasa_init_jieba")
    if jieba:
        epochs = training.get("rasa_init_jieba_epochs", 100)
        lines.append(
            "- **rasa init + JiebaTokenizer**: the same default pipeline (DIET with 2 transformer "
            "layers of 256, ResponseSelector, FallbackClassifier 0.3) with WhitespaceTokenizer "
            "replaced by JiebaTokenizer without a user dictionary — the minimal change; trained "
            "NLU-only on data/nlu"
            + (f", **DIET epochs reduced from 100 to {epochs}** to fit the time budget"
               if epochs != 100 else " with Rasa's default 100 epochs")
            + f"; {fmt(jieba.get('wall_s'), 0)} s for training and scoring"
            + ("" if jieba.get("returncode") == 0 else f", **failed** (exit {jieba.get('returncode')})") + ".")
    tfidf = training.get("tfidf_logreg")
    if tfidf:
        lines.append(
            f"- **TF-IDF + logistic regression**: jieba tokens with the project's user dictionary, "
            f"unigrams + bigrams, sublinear TF; C = {tfidf.get('C')} chosen by 5-fold CV on "
            f"data/nlu among {tfidf.get('C_grid')}; fitted in {fmt(tfidf.get('train_s'), 1)} s.")
    keywords = training.get("keywords")
    if keywords:
        sample = "; ".join(f"{intent}: {', '.join(words[:6])}" for intent, words in
                           (keywords.get("sample") or {}).items())
        lines.append(
            "- **keyword matcher**: keyword lists *learned* from data/nlu (not hand-written): per "
            "intent the 20 most discriminative jieba tokens (in ≥ 2 examples, ≥ 60 % of their "
            "occurrences in that intent, weight precision × log(1 + count)); the message goes to "
            "the intent with the largest sum of matched weights, to out_of_scope when nothing "
            f"matches. Top keywords — {sample}.")
    if len(lines) == 2:
        return []  # no baseline ran
    lines.append("")
    return lines


def crossval_section(results: Dict[str, Any]) -> List[str]:
    cv = results.get("crossval")
    if not cv:
        return []
    summary = cv.get("summary") or {}
    lines = ["## Cross-validation of the assistant's pipeline on data/nlu", ""]
    epochs = cv.get("epochs")
    lines.append(
        f"{cv.get('folds')}-fold, stratified by intent (seed 42); each fold trained on config.yml's "
        "pipeline with Rasa's training function (bench/worker.py)"
        + (f", **DIET epochs reduced from config.yml's to {epochs}** to fit the time budget"
           if isinstance(epochs, int) else " with config.yml's own epochs")
        + ", and scored on the fold it did not see.")
    lines.append("")
    per_fold = cv.get("per_fold") or []
    if per_fold:
        train_s = {f"fold{i + 1}": t for i, t in enumerate(cv.get("train_s") or [])}
        lines += table(["fold", "accuracy", "macro-F1", "training s"],
                       [(f.get("fold", i + 1), fmt(f["accuracy"]), fmt(f["macro_f1"]),
                         fmt(train_s.get(f.get("fold")), 0))
                        for i, f in enumerate(per_fold)])
        lines.append("")
        lines.append(
            f"Mean ± sd over {summary.get('folds_done')} folds: accuracy "
            f"{fmt(summary.get('accuracy_mean'))} ± {fmt(summary.get('accuracy_std'))}, macro-F1 "
            f"{fmt(summary.get('macro_f1_mean'))} ± {fmt(summary.get('macro_f1_std'))}.")
        pooled = cv.get("pooled")
        if pooled:
            lines.append("")
            lines += table(["intent (pooled over folds)", "precision", "recall", "F1", "support"],
                           [(i, fmt(pooled["per_intent"][i]["precision"]), fmt(pooled["per_intent"][i]["recall"]),
                             fmt(pooled["per_intent"][i]["f1"]), pooled["per_intent"][i]["support"])
                            for i in PROBLEM_INTENTS])
    for note in cv.get("notes") or []:
        lines.append(f"\nNote: {note}")
    lines.append("")
    return lines


def speed_section(results: Dict[str, Any], images: Dict[str, str]) -> List[str]:
    latency = results.get("latency") or {}
    if not latency:
        return []
    lines = ["## Speed (real servers on 127.0.0.1)", ""]
    settings = latency.get("settings") or {}
    if settings:
        lines.append(
            f"Rasa server + action server as `make run` starts them (SQLite tracker store, in-memory "
            f"lock store, one Sanic worker). Loops: {settings}. The load generator (aiohttp) runs on "
            "the same cores.")
        lines.append("")

    def row(label: str, s: Dict[str, Any]) -> tuple:
        return (label, s["count"], ms(s["p50_ms"]), ms(s["p95_ms"]), ms(s["p99_ms"]),
                fmt(s["per_second"], 1), s["errors"])

    rows = []
    for key, label in (("parse_1", "/model/parse, 1 client"), ("parse_8", "/model/parse, 8 clients")):
        if latency.get(key):
            rows.append(row(label, latency[key]))
    turns = latency.get("turns") or {}
    for level in _levels(turns):
        if turns[level]:
            rows.append(row(f"full turn, {level} conversations", turns[level]))
    paused = latency.get("turns_paused") or {}
    if paused.get("8"):
        low, high = paused.get("pause_s") or ("?", "?")
        rows.append(row(f"full turn, 8 conversations pausing {low:g}–{high:g} s", paused["8"]))
    lines += table(["what", "n", "p50 ms", "p95 ms", "p99 ms", "per s", "errors"], rows)
    lines.append("")
    if latency.get("error_samples"):
        lines.append("Error samples: " + "; ".join(latency["error_samples"]))
        lines.append("")
    if "latency" in images:
        lines += [f"![latency percentiles]({images['latency']})", ""]
    lines += plain_section(results, images)
    lines += limits_paragraph(results)
    return lines


def plain_section(results: Dict[str, Any], images: Dict[str, str]) -> List[str]:
    """Ours next to plain ``python -m rasa run``: same model, same scripts, same levels."""
    plain = plain_rasa(results)
    if not plain:
        return []
    lines = ["### Side by side with plain `rasa run`", ""]
    lines.append(
        f"A second stack in the same phase: {plain.get('change', 'plain `python -m rasa run`')}, the "
        "same model and its own action server, measured with the same scripts at the same "
        "concurrency levels. Each level's loop runs in halves in the order ours, plain, plain, ours, "
        "so a load on the machine that changes steadily during the phase weighs the same on both.")
    lines.append("")
    if plain.get("error"):
        return lines + [f"- not measured: {plain['error']}", ""]
    versus = (results.get("latency") or {}).get("vs_plain") or {}
    plain_turns = plain.get("turns") or {}
    rows = []
    for level in _levels(versus):
        v = versus[level]
        rows.append((f"{level} conversation(s)", ms(v["p50_ms"]), ms(v["p50_ms_plain"]), ms(v["p99_ms"]),
                     ms(v["p99_ms_plain"]), times(v["p99_ratio"]), fmt(v["per_second"], 1),
                     fmt(v["per_second_plain"], 1), times(v["throughput_ratio"]),
                     (plain_turns.get(level) or {}).get("errors", "–"),
                     fmt(v.get("rasa_cpu_ms_per_turn"), 1), fmt(v.get("rasa_cpu_ms_per_turn_plain"), 1),
                     times(v.get("cpu_ratio"))))
    lines += table(["full turn", "p50 ms ours", "p50 ms plain", "p99 ms ours", "p99 ms plain",
                    "p99 ours ÷ plain", "turns/s ours", "turns/s plain", "turns/s ours ÷ plain",
                    "errors plain", "Rasa CPU ms/turn ours", "plain", "plain ÷ ours"], rows)
    lines.append("")
    lines.append("CPU per turn is the Rasa server's own CPU time during its halves divided by the turns "
                 "it completed: unlike turns/s, it does not change with what else runs on the machine.")
    lines.append("")
    if plain.get("error_samples"):
        lines += ["Error samples (plain): " + "; ".join(plain["error_samples"]), ""]
    if "vs_plain" in images:
        lines += [f"![ours and plain rasa run]({images['vs_plain']})", ""]
    return lines


def limits_paragraph(results: Dict[str, Any]) -> List[str]:
    """What the turn figures say about the limit (Little's law on the measured numbers)."""
    turns = (results.get("latency") or {}).get("turns") or {}
    one, eight = turns.get("1"), turns.get("8")
    if not one or not eight:
        return []
    lines = ["### What limits the full turn", ""]
    needed = 8 / (P99_TURN_MS_AT_8 / 1000)
    lines.append(
        f"- One conversation alone: p50 {ms(one['p50_ms'])} ms, {fmt(one['per_second'], 1)} turns/s. "
        f"At 8 concurrent conversations the server completes {fmt(eight['per_second'], 1)} turns/s "
        f"({eight['per_second'] / one['per_second']:.1f}× the sequential rate on "
        f"{(results.get('machine') or {}).get('usable_cpus', '?')} CPUs), so each turn waits for "
        f"the others: mean {ms(eight['mean_ms'])} ms ≈ 8 ÷ throughput = {ms(8000 / eight['per_second'])} ms "
        "(Little's law).")
    lines.append(
        f"- For a p99 ≤ {P99_TURN_MS_AT_8:.0f} ms at 8 concurrent conversations, the server must "
        f"complete well over 8 ÷ {P99_TURN_MS_AT_8 / 1000:.2f} s = {needed:.0f} turns/s (the "
        "mean alone reaches the target at that rate; the tail needs more).")
    thirty_two = turns.get("32")
    if thirty_two:
        lines.append(
            f"- At 32: {fmt(thirty_two['per_second'], 1)} turns/s — "
            + ("no more than at 8: the server is saturated (CPU-bound, one event loop)."
               if thirty_two["per_second"] < eight["per_second"] * 1.15 else
               "more than at 8: at 8 the server was not yet saturated."))
    profile = results.get("profile") or {}
    for name, label in (("rasa", "Rasa server"), ("actions", "action server")):
        sampled = profile.get(name) or {}
        categories = {k: v for k, v in (sampled.get("categories") or {}).items() if v > 0}
        if not sampled.get("samples"):
            continue
        lines.append(
            f"- py-spy on the {label} during {profile.get('seconds')} s of 8-concurrent conversations "
            f"(a separate, unmeasured run; {sampled['samples']} on-CPU samples at 100 Hz, i.e. "
            f"{sampled['samples'] / (100 * (profile.get('seconds') or 1)):.0%} of one core busy); share of "
            "samples whose stack is inside: "
            + "; ".join(f"{k} {v:.0%}" for k, v in sorted(categories.items(), key=lambda kv: -kv[1])) + ".")
    for name, label in (("rasa", "Rasa server"), ("actions", "action server")):
        sampled = profile.get(name) or {}
        if sampled.get("top_self"):
            lines.append("")
            lines += table([f"{label}: functions with the most self time", "share of samples"],
                           [(frame, f"{share:.1%}") for frame, share in sampled["top_self"]])
    lines.append("")
    return lines


def resources_section(results: Dict[str, Any]) -> List[str]:
    memory = results.get("memory") or {}
    startup = results.get("startup") or {}
    training = results.get("training") or {}
    plain = plain_rasa(results)
    plain_peak = ((plain.get("memory") or {}).get("rasa") or {}).get("peak")
    plain_start = (plain.get("startup_s") or {}).get("rasa")
    lines = ["## Memory, start-up, training", ""]
    rows = []
    for name, label in (("rasa", "Rasa server"), ("actions", "action server")):
        m = memory.get(name)
        if m:
            rows.append((f"{label} RSS peak (VmHWM) / now", f"{m['peak'] / 2**30:.2f} / {m['rss'] / 2**30:.2f} GiB",
                         f"{plain_peak / 2**30:.2f} GiB peak" if name == "rasa" and plain_peak else "–"))
    if startup.get("rasa") is not None:
        rows.append(("Rasa server cold start (exec → HTTP ready)", f"{startup['rasa']:.1f} s",
                     f"{plain_start:.1f} s" if plain_start is not None else "–"))
    if startup.get("actions") is not None:
        rows.append(("action server start", f"{startup['actions']:.1f} s", "–"))
    full = training.get("project_full")
    if full:
        rows.append(("`rasa train` (full model, fresh cache) wall time", f"{full['wall_s']:.0f} s"
                     + ("" if full.get("returncode") == 0 else " (failed)"), "–"))
        rows.append(("`rasa train` peak RSS", f"{full['peak_rss_bytes'] / 2**30:.2f} GiB", "–"))
    slots = training.get("parallel_slots")
    for name, seconds in sorted((training.get("worker_s") or {}).items()):
        parallel = f" ({slots} at a time, 1 TF thread each)" if slots and slots > 1 else ""
        rows.append((f"NLU training `{name}`{parallel}", f"{seconds['train_s']:.0f} s", "–"))
    lines += table(["what", "measured", "plain `rasa run`, same model"], rows)
    lines.append("")
    return lines


def render_markdown(results: Dict[str, Any], images: Optional[Dict[str, str]] = None) -> str:
    """The whole report."""
    images = images or {}
    lines = ["# 发票助手 benchmarks", "",
             "Generated by `make bench` (`python -m bench`); method and how to read it: "
             "`docs/benchmarks.md`. Raw figures: `results.json` next to this file.", ""]
    for section in (headline(results), misses_section(results), run_section(results),
                    quality_section(results, images),
                    baselines_section(results), crossval_section(results),
                    speed_section(results, images), resources_section(results)):
        lines += section
    skipped = (results.get("run") or {}).get("skipped") or []
    if skipped:
        lines += ["## Not measured in this run", ""] + [f"- {s}" for s in skipped] + [""]
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------- plots

def make_plots(results: Dict[str, Any], outdir: Path) -> Dict[str, str]:
    """Draw every plot the results allow; returns {key: file name relative to outdir}."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir.mkdir(parents=True, exist_ok=True)
    images: Dict[str, str] = {}
    quality = results.get("quality") or {}

    for dataset in DATASET_TITLES:
        reports = _ordered(quality.get(dataset) or {})
        if not reports:
            continue
        columns = 2 if len(reports) > 1 else 1
        rows = (len(reports) + columns - 1) // columns
        figure, axes = plt.subplots(rows, columns, figsize=(6.2 * columns, 5.4 * rows), squeeze=False)
        for axis in axes.flat[len(reports):]:
            axis.axis("off")
        for axis, (model, report) in zip(axes.flat, reports):
            _confusion(axis, report, title(model))
        figure.suptitle(f"Confusion matrices (rows: expected, columns: predicted) — {DATASET_TITLES[dataset]}")
        figure.tight_layout()
        name = f"confusion_{dataset}.png"
        figure.savefig(outdir / name, dpi=90)
        plt.close(figure)
        images[f"confusion_{dataset}"] = name

    models = [m for m in MODEL_TITLES if any(m in (quality.get(d) or {}) for d in DATASET_TITLES)]
    if models:
        figure, axis = plt.subplots(figsize=(8, 4))
        width = 0.8 / max(1, len(DATASET_TITLES))
        for offset, dataset in enumerate(DATASET_TITLES):
            values = [_q(quality, dataset, m, "macro_f1") or 0 for m in models]
            positions = [i + offset * width for i in range(len(models))]
            bars = axis.bar(positions, values, width, label=dataset)
            axis.bar_label(bars, fmt="%.2f", fontsize=8)
        axis.axhline(0.95, color="grey", linestyle="--", linewidth=1, label="target 0.95 (held-out)")
        axis.set_xticks([i + width / 2 for i in range(len(models))])
        axis.set_xticklabels([title(m) for m in models], fontsize=8, rotation=10)
        axis.set_ylim(0, 1.05)
        axis.set_ylabel("macro-F1, six problem intents")
        axis.legend(fontsize=8, loc="lower right")
        figure.tight_layout()
        figure.savefig(outdir / "f1_comparison.png", dpi=90)
        plt.close(figure)
        images["f1_comparison"] = "f1_comparison.png"

    latency = results.get("latency") or {}
    groups = []
    for key, label in (("parse_1", "parse\n1 client"), ("parse_8", "parse\n8 clients")):
        if latency.get(key):
            groups.append((label, latency[key]))
    for concurrency, summary in sorted((latency.get("turns") or {}).items(), key=lambda kv: int(kv[0])):
        if summary:
            groups.append((f"turn\n{concurrency} conv.", summary))
    if groups:
        figure, axis = plt.subplots(figsize=(8, 4))
        width = 0.27
        for offset, key in enumerate(("p50_ms", "p95_ms", "p99_ms")):
            bars = axis.bar([i + offset * width for i in range(len(groups))],
                            [g[1][key] for g in groups], width, label=key.replace("_ms", ""))
            axis.bar_label(bars, fmt="%.0f", fontsize=7)
        axis.axhline(P99_TURN_MS_AT_8, color="red", linestyle="--", linewidth=1,
                     label=f"target p99 ≤ {P99_TURN_MS_AT_8:.0f} ms (8 conv.)")
        axis.set_xticks([i + width for i in range(len(groups))])
        axis.set_xticklabels([g[0] for g in groups], fontsize=8)
        axis.set_yscale("log")
        axis.set_ylabel("latency, ms (log scale)")
        axis.legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(outdir / "latency.png", dpi=90)
        plt.close(figure)
        images["latency"] = "latency.png"

    versus = latency.get("vs_plain") or {}
    if versus:
        levels = _levels(versus)
        positions = range(len(levels))
        figure, (rate_axis, p99_axis) = plt.subplots(1, 2, figsize=(9, 3.6))
        for axis, (key, label) in ((rate_axis, ("per_second", "turns/s")), (p99_axis, ("p99_ms", "p99 ms"))):
            for offset, (suffix, who) in enumerate((("", "ours"), ("_plain", "plain rasa run"))):
                bars = axis.bar([i + offset * 0.4 for i in positions],
                                [versus[level][key + suffix] for level in levels], 0.4, label=who)
                axis.bar_label(bars, fmt="%.0f" if key == "p99_ms" else "%.1f", fontsize=7)
            axis.set_xticks([i + 0.2 for i in positions])
            axis.set_xticklabels([f"{level} conv." for level in levels], fontsize=8)
            axis.set_ylabel(label)
        p99_axis.set_yscale("log")
        p99_axis.set_ylabel("p99 ms (log scale)")
        p99_axis.axhline(P99_TURN_MS_AT_8, color="red", linestyle="--", linewidth=1,
                         label=f"target p99 ≤ {P99_TURN_MS_AT_8:.0f} ms (8 conv.)")
        rate_axis.legend(fontsize=8)
        p99_axis.legend(fontsize=8)
        figure.suptitle("Full REST turns: ours and plain `rasa run`, same model, same run", fontsize=10)
        figure.tight_layout()
        figure.savefig(outdir / "vs_plain.png", dpi=90)
        plt.close(figure)
        images["vs_plain"] = "vs_plain.png"
    return images


def _confusion(axis, report: Dict[str, Any], name: str) -> None:
    import numpy as np

    matrix = np.array(report["confusion"])
    labels = report["labels"]
    axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(labels)))
    axis.set_yticks(range(len(labels)))
    axis.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    axis.set_yticklabels(labels, fontsize=8)
    top = matrix.max() or 1
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                axis.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8,
                          color="white" if matrix[i, j] > top / 2 else "black")
    axis.set_title(f"{name}\nmacro-F1 {report['macro_f1']:.3f}, accuracy {report['accuracy']:.3f}", fontsize=9)
