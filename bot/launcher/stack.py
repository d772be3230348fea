"""A whole assistant (action server, Rasa server, optionally the console) on free 127.0.0.1
ports, started with the same commands as ``make run``: what the end-to-end tests and the
benchmarks run against, each with its own ``var/`` directory.
"""
from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Mapping, Optional

from bot.app.settings import PROJECT_ROOT, read_environment
from bot.launcher.commands import (
    DEFAULT_MODEL,
    action_server_command,
    console_command,
    rasa_server_command,
    runtime_env,
)
from bot.launcher.supervisor import Supervisor

#: Server logs of a stack go to ``LOG_ROOT / <stack name>``.
LOG_ROOT = PROJECT_ROOT / "results" / "server-logs"


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Stack:
    """Action server + Rasa server (+ console) as separate processes.

    Args:
        var_dir: the databases of this stack (app, tracker, invoices).
        env: extra environment variables (they win over the defaults).
        with_console: also start the console (needs bot/console).
        model: the trained model.
        name: used for the log directory under results/server-logs/.
        plain_rasa: start the Rasa server as plain ``python -m rasa run`` instead of
            ``bot.rasa_plugins.server`` (the benchmarks compare both).

    After `start`, ``startup_s`` holds how long each process took to answer.
    """

    var_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    with_console: bool = False
    model: Path = DEFAULT_MODEL
    name: str = "stack"
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    console_port: int = field(default_factory=free_port)
    plain_rasa: bool = False
    startup_s: Dict[str, float] = field(default_factory=dict)
    _supervisor: Optional[Supervisor] = None

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.console_port}"

    @property
    def api_token(self) -> str:
        """The HTTP API token the stack's Rasa server requires (``?token=``)."""
        return self.environment().get("RASA_AUTH_TOKEN", "")

    def environment(self) -> Dict[str, str]:
        """The environment every process of this stack gets."""
        base = dict(read_environment())
        base.update(self.env)
        base["CONSOLE_PORT"] = str(self.console_port)
        return runtime_env(base, self.var_dir, self.rasa_port, self.action_port)

    def start(self) -> "Stack":
        """Start the processes and wait until each answers."""
        if not Path(self.model).exists():
            raise RuntimeError(f"no trained model at {self.model}: run 'make train'")
        supervisor = Supervisor(self.environment(), log_dir=LOG_ROOT / self.name)
        self._supervisor = supervisor
        self.startup_s = {}
        rasa = rasa_server_command(Path(self.model), self.rasa_port)
        if self.plain_rasa:
            rasa[rasa.index("bot.rasa_plugins.server")] = "rasa"  # [python, -m, MODULE, run, ...]
        processes = [
            ("actions", action_server_command(self.action_port), f"{self.action_url}/health", 120),
            ("rasa", rasa, f"{self.rasa_url}/", 300),
        ]
        if self.with_console:
            processes.append(("console", console_command(self.console_port),
                              f"{self.console_url}/api/health", 60))
        try:
            for name, command, ready_url, timeout in processes:
                started = time.monotonic()
                supervisor.start(name, command, ready_url, timeout)
                self.startup_s[name] = time.monotonic() - started
        except Exception:
            supervisor.stop()
            raise
        return self

    def pids(self) -> Dict[str, int]:
        """Process ids by name (actions, rasa, console)."""
        processes = self._supervisor.processes if self._supervisor else []
        return dict(zip(("actions", "rasa", "console"), (p.pid for p in processes)))

    def stop(self) -> None:
        """Stop every process of the stack."""
        if self._supervisor is not None:
            self._supervisor.stop()
            self._supervisor = None

    def restart(self) -> None:
        """Stop and start again on the same ports and databases."""
        self.stop()
        self.start()
