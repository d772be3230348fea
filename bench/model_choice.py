"""Choosing the NLU model by cross-validation on the real-wording training corpus (issue 10).

``tests/nlu/real.yml`` is for the final table only: candidates and their settings are chosen
here, on ``data/nlu/real/`` (verbatim user messages and error texts from 200+ public sources),
never on the test file.

Folds: the real items are split into ``--folds`` folds **by source** (a registered domain or a
GitHub repository, as the labelling rules define it; sklearn's ``StratifiedGroupKFold``, seed
42), so a fold is scored on sources its model never saw — the situation of the test set. The
hand-written examples (``data/nlu/*.yml``) and the synthetic ones (``data/nlu/synthetic/``) are in
every fold's training data and never scored.

Each (config, fold) is trained with Rasa's own ``train_nlu`` in a child process (``worker``
subcommand), the model is loaded in-process and every held-out item parsed; the full parse
results are kept. A config may expose several candidates at once: with
``LinearIntentClassifier(expose_rankings: true)`` after DIET, one training yields DIET alone,
the linear model alone and their blend at any weight (the catalogue override of
``KnownErrorClassifier`` is applied to each, as in the pipeline).

Scores: macro-F1 over the six problem intents on the pooled out-of-fold predictions, strict
and lenient (an ambiguous item also counts as right when the prediction is the other label its
note names; labels and predictions outside the six problems are ``other``) — the same rules as
``tests/nlu/real_gate.py``.

Usage::

    python -m bench.model_choice run --config diet=path.yml --config linear=path.yml \\
        --workdir /tmp/model_choice --out results/model_choice [--folds 5] [--slots 1]
    python -m bench.model_choice report --workdir /tmp/model_choice --out results/model_choice
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

import yaml

from bench import PROBLEM_INTENTS, PROJECT_ROOT
from bench.metrics import macro_f1_of

REAL_DIR = PROJECT_ROOT / "data" / "nlu" / "real"
HAND_WRITTEN_DIR = PROJECT_ROOT / "data" / "nlu"
SYNTHETIC_DIR = HAND_WRITTEN_DIR / "synthetic"
OTHER = "other"
FALLBACK = "nlu_fallback"
KNOWN_ERROR_ENTITY = "known_error"
LINEAR_RANKING = "linear_intent_ranking"
PREVIOUS_RANKING = "previous_intent_ranking"
BLEND_WEIGHTS = (0.3, 0.5, 0.7, 0.85)
_NOTE = re.compile(r"^\s*([a-z_]+)\s+vs\.?\s+([a-z_]+)")
_SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "co", "ac"}


@dataclass(frozen=True)
class RealItem:
    """One verbatim training item with what the folds and the lenient score need."""

    text: str
    intent: str
    source: str
    group: str
    alternative: Optional[str]  # the other label of an ambiguous item's note


def source_group(url: str) -> str:
    """The labelling rules' source: a GitHub repository (owner/name) or a registered domain."""
    parsed = urlparse(url)
    host = parsed.netloc.lower().split(":")[0]
    if host in ("github.com", "raw.githubusercontent.com", "gitee.com", "gist.github.com"):
        parts = [p for p in parsed.path.split("/") if p]
        return f"{host}/{'/'.join(parts[:2]).lower()}"
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def load_real(directory: Path = REAL_DIR) -> List[RealItem]:
    """The real-wording training items (list form with metadata)."""
    items = []
    for path in sorted(directory.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in doc.get("nlu") or []:
            if "intent" not in block:
                continue
            for entry in block.get("examples") or []:
                metadata = entry.get("metadata") or {}
                alternative = None
                if metadata.get("ambiguous"):
                    match = _NOTE.match(str(metadata.get("note", "")))
                    if match:
                        a, b = match.groups()
                        alternative = b if a == block["intent"] else a
                source = str(metadata.get("source", ""))
                items.append(RealItem(entry["text"], block["intent"], source, source_group(source),
                                      alternative))
    return items


def group_folds(items: Sequence[RealItem], folds: int, seed: int = 42) -> List[List[int]]:
    """Test indices of each fold: whole sources, label proportions kept as far as they allow."""
    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    labels = [i.intent for i in items]
    groups = [i.group for i in items]
    return [sorted(int(t) for t in test) for _, test in splitter.split(labels, labels, groups)]


def _dump_items(path: Path, items: Iterable[RealItem]) -> None:
    by_intent: Dict[str, List[Dict[str, Any]]] = {}
    for item in items:
        by_intent.setdefault(item.intent, []).append({"text": item.text, "metadata": {"source": item.source}})
    doc = {"version": "3.1", "nlu": [{"intent": k, "examples": v} for k, v in by_intent.items()]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_folds(items: Sequence[RealItem], folds: int, workdir: Path, seed: int = 42) -> List[Path]:
    """foldN/train/ (every hand-written and synthetic file + the other folds' real items) and foldN/test.yml."""
    result = []
    for number, test in enumerate(group_folds(items, folds, seed), start=1):
        fold = workdir / f"fold{number}"
        if fold.exists():
            shutil.rmtree(fold)
        train_dir = fold / "train"
        train_dir.mkdir(parents=True)
        for path in sorted(HAND_WRITTEN_DIR.glob("*.yml")):
            shutil.copy(path, train_dir / path.name)
        for path in sorted(SYNTHETIC_DIR.glob("*.yml")):
            shutil.copy(path, train_dir / f"synthetic_{path.name}")
        held = set(test)
        _dump_items(train_dir / "real_train.yml", (it for n, it in enumerate(items) if n not in held))
        _dump_items(fold / "test.yml", (items[n] for n in test))
        result.append(fold)
    return result


# -- scoring (the rules of tests/nlu/real_gate.py; bench does not import tests) ---------------

def collapse(label: str) -> str:
    """A problem intent stays itself, anything else is ``other``."""
    return label if label in PROBLEM_INTENTS else OTHER


def effective(expected: str, alternative: Optional[str], predicted: str, lenient: bool) -> str:
    """The label a prediction is compared with (lenient: either label of an ambiguous item)."""
    if lenient and alternative is not None and collapse(predicted) in (collapse(expected),
                                                                     collapse(alternative)):
        return predicted
    return expected


def macro_f1(items: Sequence[RealItem], predicted: Sequence[str], lenient: bool) -> float:
    """Macro-F1 over the six problems (strict or lenient)."""
    expected = [collapse(effective(i.intent, i.alternative, p, lenient)) for i, p in zip(items, predicted)]
    return macro_f1_of(expected, [collapse(p) for p in predicted], PROBLEM_INTENTS)


def per_intent_precision(items: Sequence[RealItem], predicted: Sequence[str],
                         lenient: bool) -> Dict[str, float]:
    """Precision of each problem intent (every item predicted as it counts)."""
    result = {}
    for intent in PROBLEM_INTENTS:
        hits = [(i, p) for i, p in zip(items, predicted) if collapse(p) == intent]
        right = sum(collapse(effective(i.intent, i.alternative, p, lenient)) == intent for i, p in hits)
        result[intent] = right / len(hits) if hits else 0.0
    return result


# -- candidates from parse results --------------------------------------------------------------

def _distribution(ranking: Optional[List[Dict[str, Any]]]) -> Dict[str, float]:
    return {r["name"]: float(r.get("confidence") or 0.0) for r in ranking or [] if r.get("name") != FALLBACK}


def _argmax(scores: Dict[str, float]) -> str:
    return min(scores.items(), key=lambda kv: (-kv[1], kv[0]))[0] if scores else OTHER


def candidate_predictions(name: str, parsed: Dict[str, Any]) -> Dict[str, str]:
    """Candidate name → predicted intent for one parse result.

    Always ``name`` (the pipeline's own answer, fallback undone). With exposed rankings also
    ``name/previous`` (the classifier before the linear model, i.e. DIET), ``name/linear`` and
    ``name/blend<w>`` — each overridden by a catalogue match, as the pipeline would.
    """
    intent = (parsed.get("intent") or {}).get("name")
    ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    own = ranking[0]["name"] if intent == FALLBACK and ranking else str(intent)
    result = {name: own}
    linear = _distribution(parsed.get(LINEAR_RANKING))
    previous = _distribution(parsed.get(PREVIOUS_RANKING))
    if not linear:
        return result
    known = any(e.get("entity") == KNOWN_ERROR_ENTITY for e in parsed.get("entities") or [])

    def final(choice: str) -> str:
        return own if known else choice

    result[f"{name}/linear"] = final(_argmax(linear))
    if previous:
        result[f"{name}/previous"] = final(_argmax(previous))
        for weight in BLEND_WEIGHTS:
            mixed = {k: weight * linear.get(k, 0.0) + (1 - weight) * previous.get(k, 0.0)
                     for k in set(linear) | set(previous)}
            result[f"{name}/blend{weight}"] = final(_argmax(mixed))
    return result


# -- the worker and the driver ----------------------------------------------------------------

def worker(config: Path, train: Path, test: Path, out: Path, result: Path) -> int:
    """Train ``config`` on ``train``, parse every item of ``test``, write JSON to ``result``."""
    import asyncio
    import logging

    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    from rasa.model_training import train_nlu
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.tensorflow.environment import setup_tf_environment

    from bench.nlu_quality import load_agent

    configure_logging_and_warnings(logging.INFO, warn_only_once=True, filter_repeated_logs=True)
    setup_tf_environment()
    started = time.monotonic()
    model = train_nlu(str(config), str(train), str(out), fixed_model_name="model")
    train_s = time.monotonic() - started
    if not model:
        return 1
    logging.getLogger().setLevel(logging.WARNING)
    agent = load_agent(Path(model))
    asyncio.run(agent.parse_message("你好"))
    texts = [i.text for i in load_real_file(test)]

    async def parse_all() -> Tuple[List[Dict[str, Any]], List[float]]:
        results, times = [], []
        for text in texts:
            t0 = time.perf_counter()
            results.append(await agent.parse_message(text))
            times.append(time.perf_counter() - t0)
        return results, times

    parsed, times = asyncio.run(parse_all())
    result.parent.mkdir(parents=True, exist_ok=True)
    keep = ("intent", "intent_ranking", "entities", LINEAR_RANKING, PREVIOUS_RANKING)
    result.write_text(json.dumps({
        "train_s": train_s, "parse_s": times,
        "parsed": [{"text": t, **{k: p.get(k) for k in keep}} for t, p in zip(texts, parsed)],
    }, ensure_ascii=False, default=str), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)  # the fold's model is not needed any more
    return 0


def load_real_file(path: Path) -> List[RealItem]:
    """Items of one written fold file."""
    return load_real_from_docs([path])


def load_real_from_docs(paths: Sequence[Path]) -> List[RealItem]:
    items = []
    for path in paths:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in doc.get("nlu") or []:
            for entry in block.get("examples") or []:
                source = str((entry.get("metadata") or {}).get("source", ""))
                items.append(RealItem(entry["text"], block["intent"], source, source_group(source), None))
    return items


def run(configs: Dict[str, Path], folds: int, workdir: Path, slots: int, nice: int, seed: int = 42) -> None:
    """Write the folds (once) and train/parse every (config, fold) not done yet."""
    from bench.pool import Job, run_jobs
    from bench.procs import QUIET_ENV

    items = load_real()
    if not (workdir / "folds.json").exists():
        write_folds(items, folds, workdir, seed)
        (workdir / "folds.json").write_text(json.dumps(
            {"folds": folds, "seed": seed, "items": len(items), "test": group_folds(items, folds, seed)}),
            encoding="utf-8")
    env = {**os.environ, **QUIET_ENV, "PYTHONPATH": str(PROJECT_ROOT)}
    jobs = []
    for name, config in configs.items():
        for number in range(1, folds + 1):
            fold = workdir / f"fold{number}"
            result = workdir / "results" / f"{name}__fold{number}.json"
            if result.exists():
                continue
            command = ["nice", "-n", str(nice), sys.executable, "-m", "bench.model_choice", "worker",
                       "--config", str(config.resolve()), "--train", str(fold / "train"),
                       "--test", str(fold / "test.yml"), "--out", str(workdir / "models" / f"{name}{number}"),
                       "--result", str(result)]
            log = workdir / "logs" / f"{name}__fold{number}.log"
            jobs.append(Job(f"{name}__fold{number}", command, log, env))
    outcome = run_jobs(jobs, slots, time.monotonic() + 6 * 3600)
    for job_name, result in sorted(outcome.items()):
        print(f"{job_name}: exit {result.returncode} in {result.wall_s:.0f} s, "
              f"peak RSS {result.peak_rss_bytes / 2**20:.0f} MiB")


def report(workdir: Path, out: Path) -> Dict[str, Any]:
    """Pool every config's out-of-fold predictions and score each candidate."""
    items = load_real()
    index = {i.text: i for i in items}
    fold_info = json.loads((workdir / "folds.json").read_text(encoding="utf-8"))
    folds = int(fold_info["folds"])
    candidates: Dict[str, Dict[str, str]] = {}
    train_s: Dict[str, List[float]] = {}
    parse_s: Dict[str, List[float]] = {}
    complete: Dict[str, int] = {}
    for path in sorted((workdir / "results").glob("*__fold*.json")):
        config_name = path.stem.split("__fold")[0]
        data = json.loads(path.read_text(encoding="utf-8"))
        complete[config_name] = complete.get(config_name, 0) + 1
        train_s.setdefault(config_name, []).append(float(data["train_s"]))
        parse_s.setdefault(config_name, []).extend(float(t) for t in data["parse_s"])
        for parsed in data["parsed"]:
            for candidate, predicted in candidate_predictions(config_name, parsed).items():
                candidates.setdefault(candidate, {})[parsed["text"]] = predicted
    _cross_blends(workdir, candidates, complete, folds)
    rows = {}
    scored_texts = {t for predictions in candidates.values() for t in predictions}
    for candidate, predictions in sorted(candidates.items()):
        config_name = candidate.split("/")[0]
        if complete.get(config_name) != folds:
            continue
        if not predictions:
            continue
        scored = [index[t] for t in predictions if t in index]
        predicted = [predictions[i.text] for i in scored]
        times = sorted(parse_s[config_name])
        rows[candidate] = {
            "items": len(scored),
            "strict_macro_f1": macro_f1(scored, predicted, lenient=False),
            "lenient_macro_f1": macro_f1(scored, predicted, lenient=True),
            "precision_strict": per_intent_precision(scored, predicted, lenient=False),
            "train_s_per_fold": sum(train_s[config_name]) / len(train_s[config_name]),
            "parse_ms_p50": 1000 * times[len(times) // 2],
            "parse_ms_p95": 1000 * times[int(0.95 * (len(times) - 1))],
        }
    out.mkdir(parents=True, exist_ok=True)
    payload = {"folds": folds, "items": int(fold_info.get("items", len(items))),
               "groups": len({index[t].group for t in scored_texts if t in index}), "candidates": rows}
    (out / "crossval.json").write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    lines = [f"# Model choice: {folds}-fold cross-validation by source on data/nlu/real "
             f"({payload['items']} items, {payload['groups']} sources; hand-written data always in training)", "",
             "| candidate | CV macro-F1 strict | CV macro-F1 lenient | train s/fold | parse p50 ms "
             "| p95 ms |",
             "|---|---:|---:|---:|---:|---:|"]
    for candidate, row in sorted(rows.items(), key=lambda kv: -kv[1]["lenient_macro_f1"]):
        lines.append(f"| {candidate} | {row['strict_macro_f1']:.4f} | {row['lenient_macro_f1']:.4f} | "
                     f"{row['train_s_per_fold']:.0f} | {row['parse_ms_p50']:.1f} "
                     f"| {row['parse_ms_p95']:.1f} |")
    (out / "crossval.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return payload


def _cross_blends(workdir: Path, candidates: Dict[str, Dict[str, str]], complete: Dict[str, int],
                  folds: int) -> None:
    """Blends of one config's DIET ranking with another config's linear ranking (both exposed),
    named ``<diet config>/previous+<linear config>/linear@<weight>``: a linear variant is tried in
    the ensemble without training DIET again. The catalogue override is the DIET config's."""
    previous: Dict[str, Dict[str, Tuple[Dict[str, float], bool, str]]] = {}
    linear: Dict[str, Dict[str, Dict[str, float]]] = {}
    for path in sorted((workdir / "results").glob("*__fold*.json")):
        name = path.stem.split("__fold")[0]
        if complete.get(name) != folds:
            continue
        for parsed in json.loads(path.read_text(encoding="utf-8"))["parsed"]:
            known = any(e.get("entity") == KNOWN_ERROR_ENTITY for e in parsed.get("entities") or [])
            own = (parsed.get("intent") or {}).get("name")
            if parsed.get(PREVIOUS_RANKING):
                previous.setdefault(name, {})[parsed["text"]] = (
                    _distribution(parsed[PREVIOUS_RANKING]), known, str(own))
            if parsed.get(LINEAR_RANKING):
                linear.setdefault(name, {})[parsed["text"]] = _distribution(parsed[LINEAR_RANKING])
    for diet_name, diet in previous.items():
        for linear_name, lin in linear.items():
            if linear_name == diet_name:
                continue
            for weight in BLEND_WEIGHTS:
                out = candidates.setdefault(f"{diet_name}/previous+{linear_name}/linear@{weight}", {})
                for text, (dist, known, own) in diet.items():
                    if text not in lin:
                        continue
                    mixed = {k: weight * lin[text].get(k, 0.0) + (1 - weight) * dist.get(k, 0.0)
                             for k in set(lin[text]) | set(dist)}
                    out[text] = own if known else _argmax(mixed)
            complete.setdefault(f"{diet_name}/previous+{linear_name}/linear", folds)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.model_choice")
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run")
    p_run.add_argument("--config", action="append", required=True, metavar="NAME=PATH")
    p_run.add_argument("--folds", type=int, default=5)
    p_run.add_argument("--seed", type=int, default=42, help="of the split into folds by source")
    p_run.add_argument("--slots", type=int, default=1)
    p_run.add_argument("--nice", type=int, default=10)
    p_run.add_argument("--workdir", type=Path, required=True)
    p_run.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "model_choice")
    p_report = sub.add_parser("report")
    p_report.add_argument("--workdir", type=Path, required=True)
    p_report.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "model_choice")
    p_worker = sub.add_parser("worker")
    for flag in ("--config", "--train", "--test", "--out", "--result"):
        p_worker.add_argument(flag, type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "worker":
        return worker(args.config, args.train, args.test, args.out, args.result)
    if args.command == "run":
        configs = {}
        for spec in args.config:
            name, _, path = spec.partition("=")
            configs[name] = Path(path)
        run(configs, args.folds, args.workdir, args.slots, args.nice, args.seed)
    report(args.workdir, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
