"""The real servers for tests: action server, Rasa server and console on free 127.0.0.1 ports.

They are started with the same command builders as ``make run`` (bot/launcher.py), from the
trained model ``models/fapiao.tar.gz``, each test session with its own ``var/`` directory.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Mapping, Optional

from bot.launcher import (
    DEFAULT_MODEL,
    Supervisor,
    action_server_command,
    console_command,
    rasa_server_command,
    runtime_env,
)
from bot.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "results"


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
    """

    var_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    with_console: bool = False
    model: Path = DEFAULT_MODEL
    name: str = "stack"
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    console_port: int = field(default_factory=free_port)
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

    def environment(self) -> Dict[str, str]:
        """The environment every process of this stack gets."""
        base = dict(os.environ)
        base.update(self.env)
        base["CONSOLE_PORT"] = str(self.console_port)
        return runtime_env(base, self.var_dir, self.rasa_port, self.action_port)

    def start(self) -> "Stack":
        """Start the processes and wait until each answers."""
        if not Path(self.model).exists():
            raise RuntimeError(f"no trained model at {self.model}: run 'make train'")
        supervisor = Supervisor(self.environment(), log_dir=RESULTS / "server-logs" / self.name)
        self._supervisor = supervisor
        try:
            supervisor.start("actions", action_server_command(self.action_port),
                             f"{self.action_url}/health", 120)
            supervisor.start("rasa", rasa_server_command(Path(self.model), self.rasa_port),
                             f"{self.rasa_url}/", 300)
            if self.with_console:
                supervisor.start("console", console_command(self.console_port),
                                 f"{self.console_url}/api/health", 60)
        except Exception:
            supervisor.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every process of the stack."""
        if self._supervisor is not None:
            self._supervisor.stop()
            self._supervisor = None

    def restart(self) -> None:
        """Stop and start again on the same ports and databases."""
        self.stop()
        self.start()
