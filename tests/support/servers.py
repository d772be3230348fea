"""The real servers for tests: `bot.launcher.stack.Stack` (the same commands as ``make run``)."""
from __future__ import annotations

from bot.app.settings import PROJECT_ROOT
from bot.launcher.stack import Stack, free_port

RESULTS = PROJECT_ROOT / "results"

__all__ = ["RESULTS", "Stack", "free_port"]
