"""``python -m bot.launcher run``: what ``make run`` calls. Starts the action server, the Rasa
server and the console, prints where to talk to the assistant and a table of the processes,
restarts a process that crashes (with back-off, the others keep serving), and stops everything
on Ctrl-C. ``python -m bot.launcher cluster`` (``make cluster``) does the same for the
replicated topology (`bot.launcher.cluster`).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from bot.app.settings import Settings, SettingsError, missing_secrets, read_environment
from bot.launcher.commands import (
    DEFAULT_MODEL,
    action_server_command,
    analytics_command,
    console_command,
    rasa_server_command,
    runtime_env,
)
from bot.launcher.supervisor import ProcessSpec, Supervisor, format_table, ports_in_use, serve


def load_settings() -> Optional[Settings]:
    """The settings, or None after printing what is wrong with the environment."""
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return None
    missing = missing_secrets(settings)
    if not settings.is_development and missing:
        print(f"APP_ENV is not 'development': set {', '.join(missing)} (the HTTP API token, the "
              "action server's secret, the widget sessions' key; docs/privacy.md).", file=sys.stderr)
        return None
    return settings


def model_or_none(path: str) -> Optional[Path]:
    """The model file, or None after saying how to make one."""
    model = Path(path)
    if not model.exists():
        print(f"No model at {model}: run 'make train' first.", file=sys.stderr)
        return None
    return model


def report(line: str) -> None:
    """Supervision events (crashes, restarts) on the launcher's output."""
    print(f"[supervisor] {line}", flush=True)


def run_specs(settings: Settings, model: Path) -> List[ProcessSpec]:
    """The processes of ``make run``, in start order."""
    rasa_port, action_port, console_port = settings.rasa_port, settings.action_port, settings.console_port
    return [
        ProcessSpec("actions", action_server_command(action_port),
                    f"http://127.0.0.1:{action_port}/health", 120, action_port),
        ProcessSpec("rasa", rasa_server_command(model, rasa_port, settings.rasa_auth_token,
                                                interface=settings.rasa_interface),
                    f"http://127.0.0.1:{rasa_port}/", 300, rasa_port),
        ProcessSpec("console", console_command(console_port),
                    f"http://127.0.0.1:{console_port}/api/health", 60, console_port),
        # No event broker here: the analytics tables are filled from the tracker store.
        ProcessSpec("analytics", analytics_command("follow"), None, 30, None),
    ]


def announce_run(settings: Settings, supervisor: Supervisor) -> None:
    """Where to talk to the assistant, and the process table."""
    token = supervisor.env.get("RASA_AUTH_TOKEN", "")
    print(
        "\n发票助手已启动：\n"
        f"  在浏览器中打开  http://127.0.0.1:{settings.console_port}/   （演示帮助页面，右下角有聊天窗口）\n"
        f"  客服控制台      http://127.0.0.1:{settings.console_port}/operator/   "
        "（首次启动时设置 OPERATOR_ADMIN_PASSWORD 创建 admin 账号）\n"
        f"  REST 接口       http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook\n"
        f"  Rasa HTTP API   http://127.0.0.1:{settings.rasa_port}/?token={token}\n"
        f"                  （RASA_AUTH_TOKEN；未配置时自动生成，保存在 {settings.var_dir / 'secrets.json'}）\n"
        f"  允许嵌入聊天窗口的网站  {', '.join(settings.allowed_origins)}   （ALLOWED_ORIGINS）\n\n"
        f"{format_table(supervisor.table())}\n\n"
        "某个进程意外退出时会自动重启，其余进程继续服务。按 Ctrl-C 停止全部进程。\n",
        flush=True,
    )


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    model = model_or_none(args.model)
    if settings is None or model is None:
        return 2
    busy = ports_in_use([settings.rasa_port, settings.action_port, settings.console_port])
    if busy:
        print(f"Ports already in use on 127.0.0.1: {', '.join(map(str, busy))} (another `make run`?). "
              "Stop it, or set RASA_PORT, ACTION_PORT and CONSOLE_PORT.", file=sys.stderr)
        return 2
    env = runtime_env(read_environment(), settings.var_dir, settings.rasa_port, settings.action_port)
    supervisor = Supervisor(env, report=report, state_file=settings.var_dir / "processes.json")
    return serve(supervisor, run_specs(settings, model), lambda: announce_run(settings, supervisor))


def _cluster(args: argparse.Namespace) -> int:
    from bot.launcher.cluster import run_cluster

    settings = load_settings()
    model = model_or_none(args.model)
    if settings is None or model is None:
        return 2
    return run_cluster(settings, model, report)


def main(argv: Optional[List[str]] = None) -> int:
    """Command line: ``run`` or ``cluster``."""
    parser = argparse.ArgumentParser(prog="python -m bot.launcher")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start action server, Rasa server and console")
    run.add_argument("--model", default=str(DEFAULT_MODEL))
    cluster = sub.add_parser("cluster", help="replicas behind a proxy on PostgreSQL, Redis and RabbitMQ")
    cluster.add_argument("--model", default=str(DEFAULT_MODEL))
    args = parser.parse_args(argv)
    return _cluster(args) if args.command == "cluster" else _run(args)


if __name__ == "__main__":
    sys.exit(main())
