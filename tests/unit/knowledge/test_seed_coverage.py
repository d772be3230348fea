"""Every section of the seed document is mapped to content in docs/knowledge.md, and every
path in that table exists in the content.

The seed document is kept in the repository (knowledge/source/), so these checks run in any
clone; when the shared folder it came from sits next to the clone, the copy must match it.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import List, Tuple

import pytest

from knowledge.loader import DEFAULT_CONTENT_DIR, read_document

REPO = Path(__file__).resolve().parents[3]
SEED_DIR = REPO / "knowledge" / "source"
SHARED_SEED_DIR = REPO / ".." / "shared" / "seed"
DOC = REPO / "docs" / "knowledge.md"

NUMBERED = re.compile(r"^([一二三四五六七八九十]+、|\d+\.\d+\s)")
BULLET_LABEL = re.compile(r"^-\s*([^:：]{2,12})[:：]")
PUNCTUATION = re.compile(r"[，。：:；;,.!?！？、()（）]")
PATH = re.compile(r"`([a-z_]+\.yml):([A-Za-z0-9_.\-]+)`")


def test_the_repository_copy_of_the_seed_matches_the_shared_one():
    if not SHARED_SEED_DIR.is_dir():
        pytest.skip(f"{SHARED_SEED_DIR.resolve()} is not next to this clone")
    shared = {p.name: p.read_bytes() for p in SHARED_SEED_DIR.glob("*.txt")}
    copied = {p.name: p.read_bytes() for p in SEED_DIR.glob("*.txt")}
    assert copied == shared


def _seed_lines() -> List[str]:
    lines = []
    for path in sorted(SEED_DIR.glob("*.txt")):
        lines += [unicodedata.normalize("NFKC", line).strip()
                  for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line]


def seed_sections() -> Tuple[List[str], List[str]]:
    """Headings (numbered, or short unpunctuated lines outside lists) and bullet labels."""
    headings, labels, in_list = [], [], False
    for line in _seed_lines():
        if NUMBERED.match(line):
            headings.append(line)
            in_list = False
        elif line.startswith("-"):
            in_list = False  # bulleted lists mark their items; the next bare short line is a heading
            match = BULLET_LABEL.match(line)
            if match:
                labels.append(match.group(1).strip())
        elif line.endswith((":", "：")):
            in_list = True  # bare items follow until the next heading or bulleted item
        elif not in_list and len(line) <= 12 and not PUNCTUATION.search(line):
            headings.append(line)
    return headings, labels


def _table_rows() -> List[Tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Seed coverage", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and not set(cells[0]) <= set("-"):
            rows.append((cells[0], cells[2]))
    return rows[1:]  # header


def test_seed_parser_finds_the_known_structure():
    headings, labels = seed_sections()

    assert headings[:3] == ["一、发票录入问题", "1.1 检查录入信息", "1.2 数据传输问题"]
    assert {"背景信息", "解决方案", "用户支持与沟通", "系统故障确认", "预防措施"} <= set(headings)
    assert "发票号码" not in headings and "了解并遵循税务系统的最新规定和操作指南" not in headings
    assert {"登录困难", "提供临时替代方案", "数据同步延迟", "定期备份数据"} <= set(labels)


def test_every_seed_heading_has_a_row():
    headings, _ = seed_sections()
    first_cells = {cell for cell, _ in _table_rows()}

    missing = [h for h in headings if h not in first_cells]

    assert not missing, f"seed headings without a row in {DOC.name}: {missing}"


def test_every_seed_bullet_label_has_a_row():
    _, labels = seed_sections()
    first_cells = [cell for cell, _ in _table_rows()]

    missing = [label for label in labels if not any(label in cell for cell in first_cells)]

    assert not missing, f"seed bullet labels without a row in {DOC.name}: {missing}"


def _resolve(data, path: str):
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list):
            found = [item for item in data if isinstance(item, dict)
                     and part in (item.get("id"), item.get("key"), item.get("priority"))]
            if not found:
                raise KeyError(part)
            data = found[0]
        else:
            raise KeyError(part)
    return data


def test_every_row_names_existing_content():
    rows = _table_rows()
    assert rows, "no seed coverage table found"
    broken = []
    for section, keys in rows:
        paths = PATH.findall(keys)
        if not paths:
            broken.append(f"{section}: no YAML key")
        for file, path in paths:
            try:
                _resolve(read_document(DEFAULT_CONTENT_DIR / file), path)
            except Exception as exc:  # noqa: BLE001 - report every bad path, not just the first
                broken.append(f"{section}: {file}:{path} ({exc.__class__.__name__})")

    assert not broken, broken
