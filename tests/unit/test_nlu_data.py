"""Checks on the NLU training data (data/nlu) and the held-out sets (tests/nlu).

Only PyYAML and the standard library are used, so this runs without Rasa installed.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from knowledge.types import PROBLEM_KEYS

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data" / "nlu"
HELDOUT_FILES = [ROOT / "tests" / "nlu" / "heldout.yml", ROOT / "tests" / "nlu" / "hard.yml"]

PROBLEM_INTENTS = list(PROBLEM_KEYS)
CONVERSATION_INTENTS = [
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "request_human",
    "inform",
    "ask_prevention",
    "bot_challenge",
    "problem_solved",
    "problem_persists",
    "check_ticket_status",
    "rate",
]
MIN_DATA = {**{i: 70 for i in PROBLEM_INTENTS}, **{i: 25 for i in CONVERSATION_INTENTS}, "out_of_scope": 80}
MIN_HELDOUT = {i: 28 for i in PROBLEM_INTENTS}
MIN_HARD = {i: 15 for i in PROBLEM_INTENTS}

ENTITY_ANNOTATION = re.compile(r"\[[^\]]+\](\([^)]+\)|\{[^}]+\})")


def normalise(text: str) -> str:
    """NFKC, lower case, without whitespace and punctuation."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(
        ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("P")
    )


def parse_examples(block: str) -> list[str]:
    examples = []
    for line in block.splitlines():
        line = line.strip()
        if not line:
            continue
        assert line.startswith("- "), f"example line must start with '- ': {line!r}"
        examples.append(line[2:].strip())
    return examples


def load_intents(path: Path) -> dict[str, list[str]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path}: not a mapping"
    assert str(doc.get("version")) == "3.1", f"{path}: version must be \"3.1\""
    result: dict[str, list[str]] = defaultdict(list)
    for item in doc.get("nlu") or []:
        if "intent" not in item:  # synonyms, regexes and lookups are owned elsewhere
            continue
        assert isinstance(item.get("examples"), str), f"{path}: {item['intent']}: examples must be a block"
        result[item["intent"]].extend(parse_examples(item["examples"]))
    return result


def data_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.yml")) + sorted(DATA_DIR.glob("*.yaml"))


def collect(paths: list[Path]) -> list[tuple[Path, str, str]]:
    rows = []
    for path in paths:
        for intent, examples in load_intents(path).items():
            rows.extend((path, intent, ex) for ex in examples)
    return rows


@pytest.fixture(scope="module")
def data_rows():
    return collect(data_files())


@pytest.fixture(scope="module")
def test_rows():
    return {path.name: collect([path]) for path in HELDOUT_FILES}


def test_files_are_valid_yaml():
    for path in data_files() + HELDOUT_FILES:
        yaml.safe_load(path.read_text(encoding="utf-8"))


def test_minimum_counts_in_data(data_rows):
    counts = Counter(intent for _, intent, _ in data_rows)
    short = {i: counts[i] for i, n in MIN_DATA.items() if counts[i] < n}
    assert not short, f"too few training examples: {short}"


@pytest.mark.parametrize("name,minimum", [("heldout.yml", MIN_HELDOUT), ("hard.yml", MIN_HARD)])
def test_minimum_counts_in_heldout(test_rows, name, minimum):
    counts = Counter(intent for _, intent, _ in test_rows[name])
    short = {i: counts[i] for i, n in minimum.items() if counts[i] < n}
    assert not short, f"{name}: too few examples: {short}"


def test_no_empty_or_annotated_examples(data_rows, test_rows):
    rows = data_rows + [r for rs in test_rows.values() for r in rs]
    bad = [(p.name, i, ex) for p, i, ex in rows if not normalise(ex) or ENTITY_ANNOTATION.search(ex)]
    assert not bad, f"empty or entity-annotated examples: {bad}"


def test_no_duplicates_in_data(data_rows):
    seen: dict[str, tuple[str, str, str]] = {}
    dups = []
    for path, intent, ex in data_rows:
        key = normalise(ex)
        if key in seen:
            dups.append((seen[key], (path.name, intent, ex)))
        else:
            seen[key] = (path.name, intent, ex)
    assert not dups, f"duplicate training examples: {dups}"


def test_no_overlap_between_data_and_heldout(data_rows, test_rows):
    data_keys = {normalise(ex): (p.name, i, ex) for p, i, ex in data_rows}
    overlap = [
        (name, intent, ex, data_keys[normalise(ex)])
        for name, rows in test_rows.items()
        for _, intent, ex in rows
        if normalise(ex) in data_keys
    ]
    assert not overlap, f"held-out examples also in data/nlu: {overlap}"


def test_no_duplicates_within_heldout(test_rows):
    counts = Counter(normalise(ex) for rows in test_rows.values() for _, _, ex in rows)
    dups = [k for k, n in counts.items() if n > 1]
    assert not dups, f"duplicate held-out examples: {dups}"


def test_heldout_intents_exist_in_data(data_rows, test_rows):
    known = {intent for _, intent, _ in data_rows}
    unknown = {(name, i) for name, rows in test_rows.items() for _, i, _ in rows if i not in known}
    assert not unknown, f"held-out intents without training data: {unknown}"
