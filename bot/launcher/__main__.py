"""``python -m bot.launcher run``: what ``make run`` calls. Starts the action server, the Rasa
server and the console, prints where to talk to the assistant, and stops everything on Ctrl-C.
"""
from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import List, Optional

from bot.app.settings import Settings, SettingsError, read_environment
from bot.launcher.commands import (
    DEFAULT_MODEL,
    action_server_command,
    console_command,
    rasa_server_command,
    runtime_env,
)
from bot.launcher.supervisor import Supervisor


def _run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    rasa_port, action_port, console_port = settings.rasa_port, settings.action_port, settings.console_port
    auth_token = settings.rasa_auth_token
    if not settings.is_development and not auth_token:
        print("APP_ENV is not 'development': set RASA_AUTH_TOKEN to protect the HTTP API.",
              file=sys.stderr)
        return 2
    model = Path(args.model)
    if not model.exists():
        print(f"No model at {model}: run 'make train' first.", file=sys.stderr)
        return 2

    env = runtime_env(read_environment(), settings.var_dir, rasa_port, action_port)
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
        supervisor.start("rasa", rasa_server_command(model, rasa_port, auth_token,
                                                     interface=settings.rasa_interface),
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
