"""Latency and throughput of the real servers on 127.0.0.1.

The servers are the ones ``make run`` starts (``bot.launcher.stack.Stack``: action server +
Rasa server with the SQLite tracker store, its own var directory), and next to them the same
model under plain ``python -m rasa run`` (``Stack(plain_rasa=True)``), measured with the same
loops: the speed target is the ratio of the two. The load generator is an aiohttp client in
the bench process, on the same two cores: it costs well under a millisecond per request, but
it is not free, and the report says so.

Every loop is bounded twice: by a number of requests and by seconds. Whatever comes first ends
it; requests in flight are awaited, nothing new starts.
"""
from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import quote

import aiohttp

from bench.stats import LatencySummary, summarize
from bot.launcher.stack import Stack

# Scripted conversations. Typed messages go through NLU; "/intent" messages are what the
# buttons send. Each script touches the knowledge base (troubleshooting steps come from it)
# and INVOICE_SCRIPT also the embedded invoice system (34567890 is a demo invoice).
INVOICE_SCRIPT = (
    "客户说发票开给我们了，可我们系统里没有",  # invoice_missing → asks for the number
    "发票号码是34567890",  # invoice lookup + first step from the knowledge base
    "/problem_persists",  # next step from the knowledge base
    "还是不行",  # typed: next step
    "/problem_solved",  # closes the problem, asks for a rating
    '/rate{"rating":"5"}',  # stores the rating
)
LOGIN_SCRIPT = (
    "电子税务局登录不上，一直提示密码错误",  # login_failure → outage check + first step
    "还是不行",
    "/problem_persists",
    "好了，已经解决了",
    "5分",
    "谢谢",
)
SCRIPTS = (INVOICE_SCRIPT, LOGIN_SCRIPT)

# The Rasa server the latency phase measures next to ours: the same model, started as plain
# `python -m rasa run` (Stack(plain_rasa=True)). Its name is the key of its entry in
# results.json's "whatif" list (kept for readers of earlier results).
PLAIN_RASA = "plain-rasa"
PLAIN_RASA_CHANGE = ("the Rasa server as plain `python -m rasa run` (without "
                     "bot/rasa_plugins/server.py's cached response validator)")
# Each turn loop runs in two halves per server, in this order: a load on the machine that grows
# or shrinks steadily during the four halves weighs the same on both servers.
ABBA = ("ours", "plain", "plain", "ours")


@contextmanager
def warmed_stack(var_dir: Path, model: Path, name: str, texts: Sequence[str],
                 plain_rasa: bool = False) -> Iterator[Stack]:
    """A fresh :class:`Stack`, started and warmed up (:func:`warm_up`); stopped on exit, also
    when the start or the warm-up fails."""
    stack = Stack(var_dir=var_dir, model=model, name=name, plain_rasa=plain_rasa)
    try:
        stack.start()
        warm_up(stack.rasa_url, texts, stack.api_token)
        yield stack
    finally:
        stack.stop()


@dataclass
class LoadResult:
    """Raw outcome of one loop: per-request latencies (s), errors, wall time."""

    latencies: List[float] = field(default_factory=list)
    errors: int = 0
    error_samples: List[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    def summary(self) -> Optional[LatencySummary]:
        """Percentiles and rate, or None when nothing completed."""
        if not self.latencies:
            return None
        return summarize(self.latencies, self.elapsed_s, self.errors)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what)

    @classmethod
    def combined(cls, loads: Sequence["LoadResult"]) -> "LoadResult":
        """Several loops of the same load as one: every latency, every error, the summed wall
        time (so the rate is turns per second of measuring)."""
        result = cls()
        for load in loads:
            result.latencies.extend(load.latencies)
            result.errors += load.errors
            result.error_samples.extend(load.error_samples[:max(0, 5 - len(result.error_samples))])
            result.elapsed_s += load.elapsed_s
        return result


class _Budget:
    """Shared stop condition of the virtual users of one loop."""

    def __init__(self, max_requests: int, max_seconds: float) -> None:
        self.remaining = max_requests
        self.deadline = time.monotonic() + max_seconds

    def take(self) -> bool:
        if self.remaining <= 0 or time.monotonic() >= self.deadline:
            return False
        self.remaining -= 1
        return True


def _timeout() -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=60, connect=5)


async def _post(session: aiohttp.ClientSession, url: str, payload: dict, result: LoadResult,
                expect_messages: bool) -> None:
    started = time.perf_counter()
    try:
        async with session.post(url, json=payload) as response:
            body = await response.json(content_type=None)
            elapsed = time.perf_counter() - started
            if response.status != 200:
                result.error(f"HTTP {response.status}")
            elif expect_messages and not body:
                result.error(f"no reply to {payload.get('message')!r}")
            else:
                result.latencies.append(elapsed)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        result.error(f"{type(error).__name__}: {error}")


async def parse_load(rasa_url: str, texts: Sequence[str], concurrency: int,
                     max_requests: int, max_seconds: float, token: str = "") -> LoadResult:
    """``POST /model/parse`` from ``concurrency`` clients, cycling through ``texts`` (``token``:
    the HTTP API token, which the project's Rasa server always requires)."""
    result = LoadResult()
    budget = _Budget(max_requests, max_seconds)
    messages = itertools.cycle(texts)
    connector = aiohttp.TCPConnector(limit=concurrency)

    async with aiohttp.ClientSession(timeout=_timeout(), connector=connector) as session:
        async def user() -> None:
            while budget.take():
                await _post(session, f"{rasa_url}/model/parse?token={quote(token)}", {"text": next(messages)},
                            result, expect_messages=False)

        started = time.monotonic()
        await asyncio.gather(*(user() for _ in range(concurrency)))
        result.elapsed_s = time.monotonic() - started
    return result


async def conversation_load(rasa_url: str, concurrency: int, max_turns: int,
                            max_seconds: float, scripts=SCRIPTS,
                            pause_s: Optional[Tuple[float, float]] = None) -> LoadResult:
    """Full turns through the REST channel: each virtual user runs scripted conversations,
    one after another, each with a fresh sender id, alternating the scripts.

    Without ``pause_s`` a user sends its next message as soon as the reply arrives (a stress
    test: the server is never idle). With ``pause_s=(low, high)`` it first waits a uniformly
    random time in that range, as a person reading the reply and typing would (seeded, so
    every run sends the same pattern).
    """
    result = LoadResult()
    budget = _Budget(max_turns, max_seconds)
    pauses = random.Random(42)
    connector = aiohttp.TCPConnector(limit=concurrency)
    url = f"{rasa_url}/webhooks/rest/webhook"

    async with aiohttp.ClientSession(timeout=_timeout(), connector=connector) as session:
        async def user(number: int) -> None:
            for script in itertools.cycle(scripts[number % len(scripts):] + scripts[:number % len(scripts)]):
                sender = f"bench-{uuid.uuid4().hex}"
                for message in script:
                    if pause_s:
                        await asyncio.sleep(pauses.uniform(*pause_s))
                    if not budget.take():
                        return
                    await _post(session, url, {"sender": sender, "message": message},
                                result, expect_messages=True)

        started = time.monotonic()
        await asyncio.gather(*(user(n) for n in range(concurrency)))
        result.elapsed_s = time.monotonic() - started
    return result


def run(coroutine):
    """Run one load loop to completion."""
    return asyncio.run(coroutine)


def warm_up(rasa_url: str, texts: Sequence[str], token: str = "") -> None:
    """One conversation per script and a few parses, so lazy start-up work (knowledge base
    load, SQLite schema, TensorFlow's first calls) is not measured as latency."""
    run(conversation_load(rasa_url, 1, sum(len(s) for s in SCRIPTS), 120))
    run(parse_load(rasa_url, texts, 1, 20, 30, token))


def whatif_entry(plain: Dict[str, Any]) -> Dict[str, Any]:
    """results.json's ``whatif`` entry for plain ``rasa run``, as earlier versions wrote it
    (``name``, ``change``, ``turns`` and ``rasa_peak_rss``, or ``error``) plus the new keys of
    ``latency.plain_rasa`` (``startup_s``, ``memory``, ``error_samples``)."""
    entry = dict(plain)
    if "error" not in entry:
        entry["rasa_peak_rss"] = ((entry.get("memory") or {}).get("rasa") or {}).get("peak")
    return entry
