"""Starts and supervises the assistant's processes: action server, Rasa server, console.

``python -m bot.launcher run`` is what ``make run`` calls; ``tests/support/servers.py`` uses the
same command builders, so tests start the servers exactly as users do.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from bot.settings import PROJECT_ROOT

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
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(PROJECT_ROOT), base.get("PYTHONPATH", "")) if p
        ),
    }
    for key, value in defaults.items():
        env.setdefault(key, value)
    return env


def action_server_command(port: int) -> List[str]:
    """The rasa-sdk action server serving ``actions/`` (actions/__main__.py)."""
    return [sys.executable, "-m", "actions", "--actions", "actions", "--port", str(port)]


def rasa_server_command(
    model: Path,
    port: int,
    auth_token: str = "",
    cors: str = "*",
    credentials: Path = PROJECT_ROOT / "credentials.yml",
    endpoints: Path = PROJECT_ROOT / "endpoints.yml",
) -> List[str]:
    """The Rasa server (bot/rasa_server.py) with the HTTP API and the channels of ``credentials``."""
    command = [
        sys.executable, "-m", "bot.rasa_server", "run",
        "--model", str(model),
        "--port", str(port),
        "--interface", os.environ.get("RASA_INTERFACE", "127.0.0.1"),
        "--enable-api",
        "--credentials", str(credentials),
        "--endpoints", str(endpoints),
        "--cors", cors,
    ]
    if auth_token:
        command += ["--auth-token", auth_token]
    return command


def console_command(port: int) -> List[str]:
    """The console: demo support page, widget files, operator API."""
    return [sys.executable, "-m", "bot.console", "--port", str(port)]


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float) -> None:
    """Poll ``url`` until it answers 2xx; fail early if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if 200 <= response.status < 300:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} was not ready after {timeout:.0f} s")


@dataclass
class Supervisor:
    """Starts processes in order and stops all of them together."""

    env: Dict[str, str]
    cwd: Path = PROJECT_ROOT
    log_dir: Optional[Path] = None
    processes: List[subprocess.Popen] = field(default_factory=list)

    def start(self, name: str, command: List[str], ready_url: str, timeout: float) -> None:
        """Start one process and wait until ``ready_url`` answers."""
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen(
            command,
            cwd=self.cwd,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,  # Ctrl-C reaches us once; we stop the children ourselves
        )
        self.processes.append(process)
        wait_until_ready(ready_url, process, timeout)

    def stop(self, timeout: float = 15.0) -> None:
        """Terminate every process (SIGTERM, then SIGKILL) in reverse start order."""
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in reversed(self.processes):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def _run(args: argparse.Namespace) -> int:
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    action_port = int(os.environ.get("ACTION_PORT", "5055"))
    console_port = int(os.environ.get("CONSOLE_PORT", "8080"))
    auth_token = os.environ.get("RASA_AUTH_TOKEN", "")
    if os.environ.get("APP_ENV", "development") != "development" and not auth_token:
        print("APP_ENV is not 'development': set RASA_AUTH_TOKEN to protect the HTTP API.",
              file=sys.stderr)
        return 2
    model = Path(args.model)
    if not model.exists():
        print(f"No model at {model}: run 'make train' first.", file=sys.stderr)
        return 2

    env = runtime_env(os.environ, Path(os.environ.get("VAR_DIR", PROJECT_ROOT / "var")),
                      rasa_port, action_port)
    supervisor = Supervisor(env)
    stopping = False

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        print("正在启动动作服务器 (action server)…", flush=True)
        supervisor.start("actions", action_server_command(action_port),
                         f"http://127.0.0.1:{action_port}/health", 120)
        print("正在启动 Rasa 服务器（首次加载约需 30 秒）…", flush=True)
        supervisor.start("rasa", rasa_server_command(model, rasa_port, auth_token),
                         f"http://127.0.0.1:{rasa_port}/", 300)
        print("正在启动控制台 (console)…", flush=True)
        supervisor.start("console", console_command(console_port),
                         f"http://127.0.0.1:{console_port}/api/health", 60)
        print(
            "\n发票助手已启动：\n"
            f"  在浏览器中打开  http://127.0.0.1:{console_port}/   （演示帮助页面，右下角有聊天窗口）\n"
            f"  REST 接口       http://127.0.0.1:{rasa_port}/webhooks/rest/webhook\n"
            f"  Rasa HTTP API   http://127.0.0.1:{rasa_port}/\n"
            "按 Ctrl-C 停止全部进程。\n",
            flush=True,
        )
        while not stopping:
            for process in supervisor.processes:
                if process.poll() is not None:
                    print(f"A process exited with code {process.returncode}; stopping.",
                          file=sys.stderr)
                    stopping = True
            time.sleep(0.5)
    except (RuntimeError, TimeoutError) as error:
        print(f"Start-up failed: {error}", file=sys.stderr)
        return 1
    finally:
        print("正在停止所有进程…", flush=True)
        supervisor.stop()
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Command line: ``run``."""
    parser = argparse.ArgumentParser(prog="python -m bot.launcher")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start action server, Rasa server and console")
    run.add_argument("--model", default=str(DEFAULT_MODEL))
    args = parser.parse_args(argv)
    return _run(args)


if __name__ == "__main__":
    sys.exit(main())
