"""The commands and environment of the assistant's processes (action server, Rasa server,
console), shared by ``make run``, the test stacks and the benchmarks, so all of them start the
servers exactly as users do.
"""
from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from bot.app.settings import DEVELOPMENT, PROJECT_ROOT, development_secrets

DEFAULT_MODEL = PROJECT_ROOT / "models" / "fapiao.tar.gz"


def runtime_env(
    base: Mapping[str, str],
    var_dir: Path,
    rasa_port: int,
    action_port: int,
) -> Dict[str, str]:
    """The environment for every process: embedded defaults unless the caller set a value.

    Args:
        base: the caller's environment (its values win).
        var_dir: where SQLite files live by default.
        rasa_port: port of the Rasa server.
        action_port: port of the action server.
    """
    env = dict(base)
    var_dir.mkdir(parents=True, exist_ok=True)
    defaults = {
        "VAR_DIR": str(var_dir),
        "RASA_PORT": str(rasa_port),
        "ACTION_PORT": str(action_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        # endpoints.yml: SQLTrackerStore on SQLite; a full URL in the host is used as is.
        "TRACKER_DB_DIALECT": "sqlite",
        "TRACKER_STORE_URL": f"sqlite:///{var_dir / 'tracker.db'}",
        "TRACKER_DB": "rasa",
        "LOCK_STORE_TYPE": "in_memory",
        "LOCK_STORE_HOST": "127.0.0.1",
        "LOCK_STORE_PORT": "6379",
        # endpoints.yml's event broker: none unless configured (`make cluster` sets RabbitMQ's
        # Pika broker; the analytics fallback reads the tracker store instead).
        "EVENT_BROKER_TYPE": "bot.rasa_plugins.events.NoEventBroker",
        "RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672/",
        "RABBITMQ_USERNAME": "guest",
        "RABBITMQ_PASSWORD": "guest",
        "RABBITMQ_PORT": "5672",
        "EVENT_QUEUE": "fapiao_events",
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(PROJECT_ROOT), base.get("PYTHONPATH", "")) if p
        ),
    }
    for key, value in defaults.items():
        env.setdefault(key, value)
    use_write_ahead_log(env["TRACKER_STORE_URL"])
    # The shared secrets (HTTP API token, action-server token, widget-session key): in
    # development generated once under var/ when not configured; outside development the
    # launcher refuses to start without them (docs/privacy.md).
    if (env.get("APP_ENV") or DEVELOPMENT) == DEVELOPMENT:
        for key, value in development_secrets(var_dir).items():
            if not env.get(key, "").strip():
                env[key] = value
    return env


def use_write_ahead_log(url: str) -> bool:
    """Put the embedded SQLite tracker store in WAL mode before any process opens it.

    The mode is stored in the file. The Rasa server then commits without an ``fsync`` per turn
    (``synchronous=NORMAL``, bot/rasa_plugins/tracker_store.py); it never switches the mode
    itself, because switching it while another process has the file open can stall that process.
    Other databases are left alone; False when ``url`` is not an SQLite file or the file is busy
    (it then keeps its journal mode and works as before).
    """
    prefix = "sqlite:///"
    path = url.split("?", 1)[0][len(prefix):] if url.startswith(prefix) else ""
    if not path or path == ":memory:":
        return False
    try:
        connection = sqlite3.connect(path, timeout=1.0)
        try:
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return str(mode).lower() == "wal"


def action_server_command(port: int) -> List[str]:
    """The rasa-sdk action server serving ``actions/`` (actions/__main__.py)."""
    return [sys.executable, "-m", "actions", "--actions", "actions", "--port", str(port)]


def rasa_server_command(
    model: Path,
    port: int,
    auth_token: str = "",
    cors: Optional[Sequence[str]] = None,
    credentials: Path = PROJECT_ROOT / "credentials.yml",
    endpoints: Path = PROJECT_ROOT / "endpoints.yml",
    interface: str = "127.0.0.1",
) -> List[str]:
    """The Rasa server (bot/rasa_plugins/server.py) with the HTTP API and the channels of ``credentials``.

    Without ``auth_token`` / ``cors`` the server takes ``RASA_AUTH_TOKEN`` and ``ALLOWED_ORIGINS``
    from its environment (`bot.rasa_plugins.server`): the HTTP API always needs a token."""
    command = [
        sys.executable, "-m", "bot.rasa_plugins.server", "run",
        "--model", str(model),
        "--port", str(port),
        "--interface", interface,
        "--enable-api",
        "--credentials", str(credentials),
        "--endpoints", str(endpoints),
    ]
    if cors:
        command += ["--cors", *cors]
    if auth_token:
        command.append(f"--auth-token={auth_token}")  # one argument: a token may start with "-"
    return command


def console_command(port: int) -> List[str]:
    """The console: demo support page, widget files, operator API."""
    return [sys.executable, "-m", "bot.console", "--port", str(port)]


def analytics_command(mode: str) -> List[str]:
    """The analytics process: ``consume`` (RabbitMQ queue) or ``follow`` (the tracker store)."""
    return [sys.executable, "-m", "bot.app.analytics", mode]
