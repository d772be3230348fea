"""Reading and writing Rasa NLU YAML (intent examples only need PyYAML, not Rasa)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Tuple, Union

import yaml


@dataclass(frozen=True)
class Example:
    """One labelled utterance."""

    text: str
    intent: str


def _yaml_files(path: Path) -> List[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml"))
    return [path]


def _examples_of_block(block: Union[str, List[Any]]) -> List[str]:
    """The texts of an ``examples`` value: Rasa's ``|`` block of ``- text`` lines, or the list
    form whose items are ``{text: ..., metadata: ...}`` (strings are taken as they are)."""
    texts = []
    if isinstance(block, str):
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(line[2:].strip())
    else:
        for item in block or []:
            text = item.get("text") if isinstance(item, dict) else item
            if isinstance(text, str):
                texts.append(text.strip())
    return [t for t in texts if t]


def load_nlu(path: Path) -> Tuple[List[Example], List[Dict[str, Any]]]:
    """Intent examples and the other NLU items (synonyms, regexes, lookups) of a file or folder.

    Args:
        path: a Rasa NLU YAML file, or a folder searched recursively for ``*.yml``.
    """
    examples: List[Example] = []
    others: List[Dict[str, Any]] = []
    for file in _yaml_files(Path(path)):
        doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for item in doc.get("nlu") or []:
            if "intent" in item:
                examples.extend(
                    Example(text, item["intent"]) for text in _examples_of_block(item["examples"])
                )
            else:
                others.append(item)
    return examples, others


def load_examples(path: Path) -> List[Example]:
    """The intent examples of a Rasa NLU YAML file or folder."""
    return load_nlu(path)[0]


def render_nlu_yaml(examples: Iterable[Example], others: Iterable[Dict[str, Any]] = ()) -> str:
    """Rasa 3.x NLU YAML for ``examples`` (grouped by intent) plus other items unchanged."""
    by_intent: Dict[str, List[str]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(example.text)
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {' '.join(text.split())}" for text in texts)
    text = "\n".join(lines) + "\n"
    others = list(others)
    if others:
        text += yaml.safe_dump(others, allow_unicode=True, sort_keys=False)
    return text


def write_nlu_yaml(path: Path, examples: Iterable[Example], others: Iterable[Dict[str, Any]] = ()) -> Path:
    """Write :func:`render_nlu_yaml` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_nlu_yaml(examples, others), encoding="utf-8")
    return path
