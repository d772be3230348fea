"""knowledge/ stays below the runtime: it imports neither Rasa, rasa-sdk, bot nor actions.

The one exception is ``bot.zhtext``, the pure text package (it imports nothing of ours), which
knowledge uses for normalisation and the jieba vocabulary.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import knowledge

PACKAGE = Path(knowledge.__file__).resolve().parent
FORBIDDEN = ("rasa", "rasa_sdk", "bot", "actions")
ALLOWED = ("bot.zhtext",)


@pytest.mark.parametrize("module", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_module_imports_nothing_from_the_layers_above(module: Path):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module]

    offending = [name for name in imported if name.split(".")[0] in FORBIDDEN
                 and not any(name == a or name.startswith(a + ".") for a in ALLOWED)]

    assert not offending, f"{module.name} imports {offending}"
