"""Fixtures shared by the WeChat channel tests (unit and integration)."""

import json
from pathlib import Path

import pytest

VECTORS = Path(__file__).parent / "unit" / "wechat_vectors.json"


@pytest.fixture(scope="session")
def vectors() -> dict:
    """The golden vectors of shared/reference/wechat_vectors.json (a verbatim copy)."""
    return json.loads(VECTORS.read_text(encoding="utf-8"))
