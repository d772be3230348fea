"""Fixtures shared by the WeChat channel tests (unit and integration)."""

import json
from pathlib import Path

import pytest

VECTORS = Path(__file__).parent / "unit" / "wechat_vectors.json"


@pytest.fixture(scope="session")
def vectors() -> dict:
    """The golden vectors of docs/channels.md §8 (a verbatim copy of the research notes' file)."""
    return json.loads(VECTORS.read_text(encoding="utf-8"))
