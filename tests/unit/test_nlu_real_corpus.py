"""The real-wording corpus (data/nlu/real, tests/nlu/real.yml) keeps the rules of
docs/understanding.md: every item has a source and a kind, an ambiguous item's note names its
own label and one other, no source is in both parts, and no test item is in the training data."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from bench.model_choice import source_group
from bot.zhtext import to_simplified

ROOT = Path(__file__).resolve().parents[2]
REAL_DIR = ROOT / "data" / "nlu" / "real"
TEST_FILE = ROOT / "tests" / "nlu" / "real.yml"
LABELS = {"login_failure", "invoice_missing", "issuance_failure", "query_empty", "upload_failure",
          "system_outage", "ask_invoice_question", "out_of_scope"}
KINDS = {"question", "title", "post", "error_text"}
NOTE = re.compile(r"^\s*([a-z_]+)\s+vs\.?\s+([a-z_]+)\s+—\s+\S")


def normalise(text: str) -> str:
    """What the model cannot tell apart: width, case, punctuation, spaces, traditional/simplified."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    return "".join(c for c in text if not c.isspace() and not unicodedata.category(c).startswith("P"))


def items(paths):
    for path in paths:
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for entry in block["examples"]:
                yield path.name, block["intent"], entry["text"], entry.get("metadata") or {}


def file_texts(path: Path):
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        examples = block.get("examples") if "intent" in block else None
        if isinstance(examples, str):
            yield from (line.strip()[2:] for line in examples.splitlines() if line.strip().startswith("- "))
        elif examples:
            yield from (e["text"] for e in examples)


def all_texts(directory: Path):
    for path in sorted(directory.rglob("*.yml")):
        yield from file_texts(path)


def test_every_item_follows_the_labelling_rules():
    problems = []
    for name, intent, text, meta in items(sorted(REAL_DIR.glob("*.yml")) + [TEST_FILE]):
        if intent not in LABELS or not str(meta.get("source", "")).startswith("http") or meta.get("kind") not in KINDS:
            problems.append((name, text, "label/source/kind"))
        if meta.get("ambiguous"):
            match = NOTE.match(str(meta.get("note", "")))
            if not match or match.group(1) != intent or match.group(2) not in LABELS - {intent}:
                problems.append((name, text, f"note {meta.get('note')!r}"))
    assert not problems, problems[:10]


def test_no_source_is_in_both_parts_and_no_test_item_is_trained_on():
    train_groups = {source_group(m["source"]) for _, _, _, m in items(sorted(REAL_DIR.glob("*.yml")))}
    test_groups = {source_group(m["source"]) for _, _, _, m in items([TEST_FILE])}
    assert not train_groups & test_groups
    header = TEST_FILE.read_text(encoding="utf-8").split("version:")[0]
    listed = {line.lstrip("# -").strip().lower() for line in header.splitlines() if line.startswith("#   - ")}
    assert test_groups <= listed and not train_groups & listed
    trained = {normalise(t) for t in all_texts(ROOT / "data" / "nlu")}
    leaked = [t for _, _, t, _ in items([TEST_FILE]) if normalise(t) in trained]
    assert not leaked, leaked[:10]


SYNTHETIC_DIR = ROOT / "data" / "nlu" / "synthetic"
DOMAIN_INTENTS = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])


def test_synthetic_examples_say_what_they_are_and_never_repeat_real_or_test_wording():
    """data/nlu/synthetic: invented by AI helpers from the labelling rules (docs/understanding.md,
    "Round 10"), so each file says so, uses the corpus's labels, and adds nothing the model could
    not tell apart from a real training item or a test item. Besides the corpus's labels they
    cover the replies to a step (problem_persists, problem_solved, wait)."""
    files = sorted(SYNTHETIC_DIR.glob("*.yml"))
    assert files
    elsewhere = {normalise(t) for path in sorted((ROOT / "data").rglob("*.yml")) if path.parent != SYNTHETIC_DIR
                 for t in file_texts(path)}
    elsewhere |= {normalise(t) for t in all_texts(ROOT / "tests" / "nlu")}
    seen = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "# Synthetic:" in text.split("nlu:")[0], path.name
        for block in yaml.safe_load(text)["nlu"]:
            assert block["intent"] in DOMAIN_INTENTS, (path.name, block["intent"])
            for line in block["examples"].splitlines():
                example = line.strip()[2:]
                key = normalise(example)
                assert key not in elsewhere, (path.name, example)
                assert seen.setdefault(key, block["intent"]) == block["intent"], (path.name, example)
