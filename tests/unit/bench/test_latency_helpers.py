"""Helpers of the latency benchmark that need no server."""
from __future__ import annotations

from bench.latency import SCRIPTS


def test_scripts_cover_the_knowledge_base_and_an_invoice_lookup():
    messages = [m for script in SCRIPTS for m in script]
    assert any("34567890" in m for m in messages)  # a demo invoice of the embedded system
    assert "/problem_persists" in messages  # the next step comes from the knowledge base
    assert all(len(script) >= 5 for script in SCRIPTS)
