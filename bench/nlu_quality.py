"""Evaluating a trained Rasa model on labelled YAML: in-process, or through a running server.

In-process, the model is loaded with ``rasa.core.agent.Agent.load`` and every message goes
through ``agent.parse_message``; through a server, every message goes to ``POST /model/parse``
(the same ``parse_message`` behind HTTP — the bench uses this when the servers are up anyway,
which saves loading the model a second time). As in ``rasa test nlu`` (and the
``make test`` gate), a ``nlu_fallback`` answer of the FallbackClassifier is undone to score the
intent DIET chose; the fallback itself is kept in :attr:`Prediction.fallback` for the
"as deployed" accuracy.
"""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from bench.data import Example
from bench.metrics import Prediction

FALLBACK_INTENT = "nlu_fallback"


def load_agent(model: Path):
    """Load a Rasa model archive (NLU-only or full) for parsing."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa logs every parse at debug level through structlog; the bench wants warnings only.
    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)

    return Agent.load(str(model))


def prediction_of(example: Example, parsed: Dict[str, Any]) -> Prediction:
    """A :class:`Prediction` from Rasa's parse result (undoing ``nlu_fallback``)."""
    intent = parsed.get("intent") or {}
    fallback = intent.get("name") == FALLBACK_INTENT
    if fallback:
        # The ranking after the fallback entry is DIET's own; rasa test nlu scores that one.
        ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
        intent = ranking[0] if ranking else {"name": FALLBACK_INTENT, "confidence": 0.0}
    return Prediction(
        text=example.text,
        expected=example.intent,
        predicted=str(intent.get("name")),
        confidence=float(intent.get("confidence") or 0.0),
        fallback=fallback,
    )


async def predict_async(agent, examples: Sequence[Example]) -> Tuple[List[Prediction], List[float]]:
    """Predictions and the in-process parse time (seconds) of each message."""
    predictions, times = [], []
    for example in examples:
        started = time.perf_counter()
        parsed = await agent.parse_message(example.text)
        times.append(time.perf_counter() - started)
        predictions.append(prediction_of(example, parsed))
    return predictions, times


def predict(agent, examples: Sequence[Example]) -> Tuple[List[Prediction], List[float]]:
    """Synchronous wrapper of :func:`predict_async` (one event loop per call)."""
    return asyncio.run(predict_async(agent, examples))


def predict_many(model: Path, datasets: Dict[str, Sequence[Example]]):
    """Load ``model`` once and predict every dataset.

    Returns:
        ``({name: predictions}, {name: parse seconds}, load seconds)``.
    """
    started = time.monotonic()
    agent = load_agent(model)
    # The first parse traces TensorFlow graphs; it belongs to loading, not to a message.
    asyncio.run(agent.parse_message("你好"))
    load_s = time.monotonic() - started
    predictions, times = {}, {}
    for name, examples in datasets.items():
        predictions[name], times[name] = predict(agent, examples)
    return predictions, times, load_s


async def _parse_http_async(rasa_url: str, examples: Sequence[Example],
                            token: str = "") -> Tuple[List[Prediction], List[float]]:
    import aiohttp

    predictions, times = [], []
    timeout = aiohttp.ClientTimeout(total=120, connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for example in examples:
            started = time.perf_counter()
            url = f"{rasa_url}/model/parse"
            async with session.post(url, params={"token": token}, json={"text": example.text}) as response:
                response.raise_for_status()
                parsed = await response.json()
            times.append(time.perf_counter() - started)
            predictions.append(prediction_of(example, parsed))
    return predictions, times


def predict_http(rasa_url: str, examples: Sequence[Example],
                 token: str = "") -> Tuple[List[Prediction], List[float]]:
    """Predictions through a running Rasa server's ``/model/parse``, one request at a time
    (``token``: its HTTP API token)."""
    return asyncio.run(_parse_http_async(rasa_url, examples, token))
