"""Scores a trained model on the real-wording test set (tests/nlu/real.yml) and gates `make test`.

The model is loaded in-process (``rasa.core.agent.Agent.load``) and every item of the test file
is parsed from its original text, as a user would have sent it (the pipeline normalises it).
As in ``rasa test nlu``, an ``nlu_fallback`` answer of the FallbackClassifier is undone
(Rasa's own ``undo_fallback_prediction``) so that the intent the classifier chose is scored;
how often the deployed assistant would have fallen back is reported beside it.

Scores are over the six problem intents (``knowledge.types.PROBLEM_KEYS``). Every label and
prediction that is not a problem intent (``ask_invoice_question``, ``out_of_scope``, greetings,
``empty_message``, …) is collapsed into ``other``, so a how-to question sent into a problem flow
costs that problem's precision, and a problem sent anywhere else costs its recall. Two scores:

* **strict** — the label in the file is the only right answer;
* **lenient** — an item marked ``ambiguous: true`` also counts as right when the prediction is
  the other label its note names (``note: "<label_a> vs <label_b> — reason"``), because the
  labelling rules (docs/understanding.md, "Scoring rule") accept both readings for those items.

Both are always printed and written; ``--gate`` says which one fails the build.

Writes ``<out>.md`` and ``<out>.json`` (scores, confusion matrices, latency) and
``<out>_errors.json`` (the misclassified items).

Usage::

    python -m tests.nlu.real_gate --model models/fapiao.tar.gz --data tests/nlu/real.yml \\
        --out results/nlu/real --min-macro-f1 0.85 --gate lenient

Exit status: 0 gate passed, 1 gate failed, 2 the evaluation could not run (no model, no data,
no items of some problem intent, no report written).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import resource
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from knowledge.types import PROBLEM_KEYS

PROBLEM_INTENTS: Tuple[str, ...] = tuple(PROBLEM_KEYS)
OTHER = "other"
LABELS: Tuple[str, ...] = PROBLEM_INTENTS + (OTHER,)
FALLBACK_INTENT = "nlu_fallback"
SCORINGS = ("strict", "lenient")

# "<label_a> vs <label_b> — reason" (the labelling rules' note format).
_NOTE = re.compile(r"^\s*([a-z_]+)\s+vs\.?\s+([a-z_]+)")


class EvaluationError(Exception):
    """The evaluation could not be run (exit status 2)."""


@dataclass(frozen=True)
class Item:
    """One labelled test message.

    Attributes:
        text: the message as the user wrote it.
        intent: its label.
        accepted: the labels that count as right under lenient scoring (the label itself, plus
            the other label of the note for ambiguous items).
        ambiguous: marked ``ambiguous: true``.
        source: ``metadata.source`` (empty when absent).
    """

    text: str
    intent: str
    accepted: Tuple[str, ...]
    ambiguous: bool = False
    source: str = ""


@dataclass(frozen=True)
class Parsed:
    """What the model answered for one item."""

    predicted: str
    confidence: float
    fallback: bool
    parse_s: float


def collapse(label: str) -> str:
    """A problem intent stays itself; every other label or prediction is ``other``."""
    return label if label in PROBLEM_INTENTS else OTHER


def note_labels(note: str) -> Optional[Tuple[str, str]]:
    """The two labels a note names (``"a vs b — reason"``), or None."""
    match = _NOTE.match(note or "")
    return (match.group(1), match.group(2)) if match else None


def _examples(block: Any) -> List[Tuple[str, Dict[str, Any]]]:
    """(text, metadata) of an ``examples`` value in either of Rasa's forms."""
    if isinstance(block, str):
        return [(line.strip()[2:].strip(), {}) for line in block.splitlines()
                if line.strip().startswith("- ")]
    result = []
    for entry in block or []:
        if isinstance(entry, dict) and isinstance(entry.get("text"), str):
            result.append((entry["text"], entry.get("metadata") or {}))
        elif isinstance(entry, str):
            result.append((entry, {}))
    return result


def load_items(path: Path) -> List[Item]:
    """The labelled items of a Rasa NLU YAML file (list form with metadata, or ``|`` block).

    Raises:
        EvaluationError: the file is missing, or an ambiguous item's note does not name the
            item's own label and one other.
    """
    if not path.is_file():
        raise EvaluationError(f"no test file at {path}")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items: List[Item] = []
    for block in doc.get("nlu") or []:
        if "intent" not in block:
            continue
        intent = str(block["intent"])
        for text, metadata in _examples(block.get("examples")):
            ambiguous = bool(metadata.get("ambiguous"))
            accepted: Tuple[str, ...] = (intent,)
            if ambiguous:
                labels = note_labels(str(metadata.get("note", "")))
                if labels is None or intent not in labels or labels[0] == labels[1]:
                    raise EvaluationError(
                        f"{path}: ambiguous item {text[:40]!r} ({intent}): note must read "
                        f"'<{intent}> vs <other label> — reason', got {metadata.get('note')!r}")
                accepted = (intent, labels[1] if labels[0] == intent else labels[0])
            items.append(Item(text, intent, accepted, ambiguous, str(metadata.get("source", ""))))
    return items


def effective_label(item: Item, predicted: str, scoring: str) -> str:
    """The label ``predicted`` is compared with: under lenient scoring an ambiguous item takes
    the prediction as its label when the prediction is one of the two its note names (compared
    after collapsing into the six problems and ``other``)."""
    if scoring == "lenient" and item.ambiguous:
        if collapse(predicted) in {collapse(label) for label in item.accepted}:
            return predicted
    return item.intent


@dataclass
class IntentScore:
    """Precision, recall and F1 of one problem intent."""

    precision: float
    recall: float
    f1: float
    support: int
    predicted: int


@dataclass
class Scores:
    """Scores of one scoring rule."""

    scoring: str
    macro_f1: float
    accuracy: float
    per_intent: Dict[str, IntentScore]
    confusion: List[List[int]] = field(default_factory=list)  # rows expected, columns predicted


def score(items: Sequence[Item], predictions: Sequence[str], scoring: str) -> Scores:
    """Per-intent precision/recall/F1 over the six problems, their macro mean, accuracy over the
    seven collapsed classes, and the confusion matrix (rows expected, columns predicted, over
    :data:`LABELS`).

    Precision counts every item predicted as the problem, whatever its label (``other`` items
    included); a problem intent nothing was predicted as has precision 0.
    """
    if scoring not in SCORINGS:
        raise ValueError(f"scoring must be one of {SCORINGS}")
    if len(items) != len(predictions):
        raise ValueError("one prediction per item")
    expected = [collapse(effective_label(i, p, scoring)) for i, p in zip(items, predictions)]
    predicted = [collapse(p) for p in predictions]
    index = {label: n for n, label in enumerate(LABELS)}
    confusion = [[0] * len(LABELS) for _ in LABELS]
    for e, p in zip(expected, predicted):
        confusion[index[e]][index[p]] += 1
    per_intent: Dict[str, IntentScore] = {}
    for intent in PROBLEM_INTENTS:
        tp = sum(e == intent and p == intent for e, p in zip(expected, predicted))
        n_pred = sum(p == intent for p in predicted)
        n_true = sum(e == intent for e in expected)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_true if n_true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        per_intent[intent] = IntentScore(precision, recall, f1, n_true, n_pred)
    macro = sum(s.f1 for s in per_intent.values()) / len(per_intent)
    accuracy = sum(e == p for e, p in zip(expected, predicted)) / len(items) if items else 0.0
    return Scores(scoring, macro, accuracy, per_intent, confusion)


def prediction_of(result: Dict[str, Any]) -> Tuple[str, float, bool]:
    """(intent, confidence, fell back) of a parse result, the fallback undone as ``rasa test
    nlu`` does it."""
    from rasa.nlu.classifiers import fallback_classifier

    fallback = fallback_classifier.is_fallback_classifier_prediction(result)
    if fallback:
        result = fallback_classifier.undo_fallback_prediction(result)
    intent = result.get("intent") or {}
    return str(intent.get("name")), float(intent.get("confidence") or 0.0), fallback


def load_agent(model: Path) -> Any:
    """The Rasa agent of a model archive, warmed up (the first parse traces TensorFlow graphs)."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)
    if not model.is_file():
        raise EvaluationError(f"no model at {model} (run `make train`)")
    agent = Agent.load(str(model))
    if agent.processor is None:
        raise EvaluationError(f"{model}: not a loadable Rasa model")
    asyncio.run(agent.parse_message("你好"))
    return agent


def predict(agent: Any, texts: Sequence[str]) -> List[Parsed]:
    """Parse every text with the agent (one at a time, timed)."""

    async def run() -> List[Parsed]:
        parsed = []
        for text in texts:
            started = time.perf_counter()
            result = await agent.parse_message(text)
            elapsed = time.perf_counter() - started
            name, confidence, fallback = prediction_of(result)
            parsed.append(Parsed(name, confidence, fallback, elapsed))
        return parsed

    return asyncio.run(run())


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0–1) by linear interpolation (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _table(scores: Scores) -> List[str]:
    lines = ["| intent | precision | recall | F1 | support | predicted |", "|---|---:|---:|---:|---:|---:|"]
    for intent, s in scores.per_intent.items():
        lines.append(f"| {intent} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} "
                     f"| {s.predicted} |")
    return lines


def _confusion(scores: Scores) -> List[str]:
    lines = ["| expected \\ predicted | " + " | ".join(LABELS) + " |",
             "|---|" + "---:|" * len(LABELS)]
    for label, row in zip(LABELS, scores.confusion):
        lines.append(f"| {label} | " + " | ".join(str(n) for n in row) + " |")
    return lines


def render_markdown(data: str, model: str, results: Dict[str, Scores], gate: str, threshold: float,
                    n_items: int, n_ambiguous: int, fallback_rate: float,
                    latency: Dict[str, float]) -> str:
    """The report: the gate's verdict, both scores, per-intent tables, confusion matrices."""
    gated = results[gate]
    verdict = "passed" if gated.macro_f1 >= threshold else "FAILED"
    lines = [
        f"# NLU on {data}",
        "",
        f"Model `{model}`, {n_items} items ({n_ambiguous} marked ambiguous). Macro-F1 over the six "
        "problem intents; every other label and prediction counts as `other` (precision includes "
        "`other` items sent into a problem). Scoring rule: docs/understanding.md.",
        "",
        f"**Gate: {gate} macro-F1 {gated.macro_f1:.4f} >= {threshold} — {verdict}.**",
        "",
        "| scoring | macro-F1 | accuracy (7 classes) |",
        "|---|---:|---:|",
    ]
    for name in SCORINGS:
        lines.append(f"| {name}{' (gate)' if name == gate else ''} | {results[name].macro_f1:.4f} "
                     f"| {results[name].accuracy:.4f} |")
    lines += ["", f"Fallback rate as deployed (`nlu_fallback` before it is undone): {fallback_rate:.3f}.",
              f"Parse latency in-process: p50 {latency['p50_ms']:.1f} ms, "
              f"p95 {latency['p95_ms']:.1f} ms.", ""]
    for name in SCORINGS:
        lines += [f"## {name.capitalize()}", ""] + _table(results[name]) + [""]
        lines += _confusion(results[name]) + [""]
    return "\n".join(lines)


def evaluate(items: Sequence[Item], parsed: Sequence[Parsed]) -> Dict[str, Scores]:
    """Strict and lenient scores of the predictions."""
    predictions = [p.predicted for p in parsed]
    return {name: score(items, predictions, name) for name in SCORINGS}


def write_reports(out: Path, data: str, model: str, items: Sequence[Item], parsed: Sequence[Parsed],
                  gate: str, threshold: float) -> Dict[str, Scores]:
    """Writes ``<out>.md``, ``<out>.json`` and ``<out>_errors.json``; returns the scores."""
    results = evaluate(items, parsed)
    times = [p.parse_s for p in parsed]
    latency = {"p50_ms": 1000 * percentile(times, 0.5), "p95_ms": 1000 * percentile(times, 0.95),
               "mean_ms": 1000 * statistics.fmean(times) if times else 0.0}
    fallback_rate = sum(p.fallback for p in parsed) / len(parsed) if parsed else 0.0
    n_ambiguous = sum(i.ambiguous for i in items)
    out.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{out}.md").write_text(render_markdown(data, model, results, gate, threshold, len(items),
                                                      n_ambiguous, fallback_rate, latency) + "\n", "utf-8")
    payload = {
        "data": data, "model": model, "items": len(items), "ambiguous": n_ambiguous,
        "gate": {"scoring": gate, "min_macro_f1": threshold,
                 "passed": results[gate].macro_f1 >= threshold},
        "labels": list(LABELS),
        "scores": {name: asdict(s) for name, s in results.items()},
        "fallback_rate": fallback_rate, "latency": latency,
        # Peak memory of this process (model loaded, every item parsed): the model's footprint.
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    Path(f"{out}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1), "utf-8")
    errors = [
        {"text": i.text, "expected": i.intent, "predicted": p.predicted, "confidence": round(p.confidence, 3),
         "ambiguous": i.ambiguous, "lenient_ok": collapse(effective_label(i, p.predicted, "lenient"))
         == collapse(p.predicted)}
        for i, p in zip(items, parsed) if collapse(i.intent) != collapse(p.predicted)
    ]
    Path(f"{out}_errors.json").write_text(json.dumps(errors, ensure_ascii=False, indent=1), "utf-8")
    return results


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Evaluate, write the reports, print both scores; the exit status is the gate's verdict."""
    parser = argparse.ArgumentParser(prog="python -m tests.nlu.real_gate", description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/fapiao.tar.gz"))
    parser.add_argument("--data", type=Path, default=Path("tests/nlu/real.yml"))
    parser.add_argument("--out", type=Path, default=Path("results/nlu/real"),
                        help="report path without suffix (.md, .json and _errors.json are written)")
    parser.add_argument("--min-macro-f1", type=float, default=0.85)
    parser.add_argument("--gate", choices=SCORINGS, default="lenient",
                        help="which macro-F1 must reach --min-macro-f1 (both are always reported)")
    args = parser.parse_args(argv)
    try:
        items = load_items(args.data)
        missing = [i for i in PROBLEM_INTENTS if not any(item.intent == i for item in items)]
        if missing:
            raise EvaluationError(f"{args.data}: no items of {missing}")
        agent = load_agent(args.model)
        parsed = predict(agent, [item.text for item in items])
        results = write_reports(args.out, str(args.data), str(args.model), items, parsed, args.gate,
                                args.min_macro_f1)
        if not Path(f"{args.out}.json").is_file():
            raise EvaluationError(f"no report written at {args.out}.json")
    except EvaluationError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    print(Path(f"{args.out}.md").read_text(encoding="utf-8"))
    gated = results[args.gate].macro_f1
    print(f"strict macro-F1 {results['strict'].macro_f1:.4f}, lenient macro-F1 "
          f"{results['lenient'].macro_f1:.4f}; gate on {args.gate} >= {args.min_macro_f1}")
    if gated < args.min_macro_f1:
        print(f"FAILED: {args.gate} macro-F1 {gated:.4f} < {args.min_macro_f1} on {args.data}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
