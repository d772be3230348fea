"""Blocking work (SQL through SQLAlchemy's synchronous API) off the event loop.

The action server and the console serve every conversation from one asyncio event loop; a
SQLite write that waits for a lock, or a slow PostgreSQL query, must not stall the others.
`off_loop` turns a synchronous method into a coroutine function that runs it in the default
thread pool (``asyncio.to_thread``), keeping its signature for type checkers.
"""
from __future__ import annotations

import asyncio
import functools
from typing import Any, Callable, Coroutine, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def off_loop(function: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Decorate a blocking function so that callers ``await`` it and it runs in a worker thread.

    Each call opens its own database session inside the thread (the services' rule: one
    session per call), so nothing is shared between threads but the engine and its pool.
    """

    @functools.wraps(function)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.to_thread(function, *args, **kwargs)

    return run
