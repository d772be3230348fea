"""The action server exactly as ``python -m rasa_sdk`` runs it, with one optional correction.

``bot.services._get`` holds a non-reentrant ``threading.Lock`` while building a service, and
building the knowledge base builds the app session factory through ``_get`` again: the first
action that needs the knowledge base deadlocks the action server, and every conversation
times out. Until bot/services.py is fixed, the bench starts the action server through this
module, which swaps that lock for an ``RLock`` (same semantics, re-entrant) before handing over
to rasa-sdk's own ``main``. The bench only does so when :func:`deadlocks` says the bug is
there, and the report says it did.
"""
from __future__ import annotations

import subprocess
import sys
from typing import List

PROBE = (
    "import threading, bot.services as s\n"
    "t = threading.Thread(target=lambda: s._get('_bench_outer', lambda: s._get('_bench_inner', lambda: 1)),"
    " daemon=True)\n"
    "t.start(); t.join(5)\n"
    "print('deadlock' if t.is_alive() else 'ok')\n"
)


def deadlocks(env=None) -> bool:
    """True when a service built inside another service's build deadlocks (checked in a child)."""
    from bench import PROJECT_ROOT

    result = subprocess.run([sys.executable, "-c", PROBE], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    return result.stdout.strip().endswith("deadlock")


def command(port: int) -> List[str]:
    """Like ``bot.launcher.action_server_command``, through this module."""
    return [sys.executable, "-m", "bench.action_server", "--actions", "actions", "--port", str(port)]


def main() -> None:
    import threading

    import bot.services as services

    services._lock = threading.RLock()
    from rasa_sdk.__main__ import main as rasa_sdk_main

    rasa_sdk_main()


if __name__ == "__main__":
    main()
