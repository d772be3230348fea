"""Summaries of py-spy's collapsed stacks."""
from __future__ import annotations

import pytest

from bench.profiling import parse_collapsed, summarise

RAW = "\n".join([
    "<module> (rasa/__main__.py:151);handle_message (rasa/core/processor.py:1);"
    "retrieve (rasa/core/tracker_store.py:1200);execute (sqlalchemy/engine/base.py:1) 6",
    "<module> (rasa/__main__.py:151);handle_message (rasa/core/processor.py:1);"
    "parse_message (rasa/core/processor.py:2);call (tensorflow/python/eager/function.py:1) 3",
    "<module> (rasa/__main__.py:151);_run_once (asyncio/base_events.py:1) 1",
    "<module> (rasa_sdk/__main__.py:41);_bootstrap (threading.py:973);_worker (concurrent/futures/thread.py:81) 50",
    "not a stack line",
    "",
])


def test_parse_collapsed():
    stacks = parse_collapsed(RAW)
    assert len(stacks) == 4
    assert stacks[0][1] == 6
    assert stacks[0][0][-1].startswith("execute")


def test_summarise_shares():
    summary = summarise(parse_collapsed(RAW))
    assert summary["samples"] == 10
    assert summary["idle_samples"] == 50  # a thread-pool worker waiting for work is not CPU time
    categories = summary["categories"]
    assert categories["SQLAlchemy / SQLite"] == pytest.approx(0.6)
    assert categories["tracker store: retrieve (SQL + events → tracker)"] == pytest.approx(0.6)
    assert categories["TensorFlow (DIET)"] == pytest.approx(0.3)
    assert categories["NLU (parse_message)"] == pytest.approx(0.3)
    assert summary["top_self"][0] == ("execute (sqlalchemy/engine/base.py:1)", pytest.approx(0.6))


def test_summarise_nothing():
    assert summarise([])["samples"] == 0
