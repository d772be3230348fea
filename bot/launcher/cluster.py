"""``python -m bot.launcher cluster`` (``make cluster``): the production topology on one machine.

* HAProxy (Debian's package) on ``RASA_PORT``: REST spread over the Rasa replicas (round robin,
  retried once on another replica when one dies mid-request: each request carries an
  ``X-Request-ID`` that makes the retry idempotent, `bot.rasa_plugins.resilience`), socket.io
  sticky by client address; and on ``ACTION_PROXY_PORT`` (default ``ACTION_PORT - 1``) the
  action servers, least connections first, retried on another when one is down.
* ``CLUSTER_REPLICAS`` Rasa replicas on ``RASA_PORT + i`` and as many action servers on
  ``ACTION_PORT + i - 1`` (i = 1..N), the console on ``CONSOLE_PORT``, and the analytics
  consumer (`bot.app.analytics`).
* Rasa's tracker store and the app database on PostgreSQL (``POSTGRES_URL``), the lock store and
  the channels' shared state on Redis (``REDIS_URL``), Rasa's Pika event broker on RabbitMQ
  (``RABBITMQ_URL``, queue ``EVENT_QUEUE``). The databases and the queue are created when
  missing; a service that does not answer stops the start with one clear sentence.

Every process is supervised (`bot.launcher.supervisor`): a crashed one is restarted with
back-off while the others, and the proxy's health checks, keep the service up.
"""
from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional
from urllib.parse import urlsplit, urlunsplit

from bot.app.settings import Settings, read_environment
from bot.launcher.commands import (
    action_server_command,
    analytics_command,
    console_command,
    rasa_server_command,
    runtime_env,
)
from bot.launcher.supervisor import ProcessSpec, Supervisor, format_table, ports_in_use, serve

TRACKER_DATABASE = "fapiao_tracker"
APP_DATABASE = "fapiao_app"
RASA_EXCHANGE = "rasa-exchange"  # the fanout exchange Rasa's Pika broker publishes to


class ServiceUnavailable(RuntimeError):
    """A service the cluster needs does not answer (the message says which and what to do)."""


@dataclass(frozen=True)
class Topology:
    """Ports and URLs of one cluster, derived from the settings."""

    replicas: int
    rasa_port: int
    action_port: int
    action_proxy_port: int
    console_port: int
    tracker_store_url: str
    app_database_url: str
    redis_url: str
    rabbitmq_url: str
    event_queue: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "Topology":
        server = settings.postgres_url.rstrip("/")
        return cls(
            replicas=settings.cluster_replicas,
            rasa_port=settings.rasa_port,
            action_port=settings.action_port,
            action_proxy_port=settings.action_proxy_port,
            console_port=settings.console_port,
            tracker_store_url=_shared(settings.tracker_store_url, f"{server}/{TRACKER_DATABASE}"),
            app_database_url=_shared(settings.app_database_url, f"{server}/{APP_DATABASE}"),
            redis_url=settings.redis_url or "redis://127.0.0.1:6379/0",
            rabbitmq_url=settings.rabbitmq_url,
            event_queue=settings.event_queue,
        )

    def replica_ports(self) -> List[int]:
        return [self.rasa_port + i for i in range(1, self.replicas + 1)]

    def action_ports(self) -> List[int]:
        return [self.action_port + i - 1 for i in range(1, self.replicas + 1)]

    def ports(self) -> List[int]:
        """Every port the cluster listens on."""
        return [self.rasa_port, self.action_proxy_port, self.console_port,
                *self.replica_ports(), *self.action_ports()]


def _shared(configured: str, default: str) -> str:
    """A database URL every replica can share: the configured one unless it is SQLite."""
    return default if not configured or configured.startswith("sqlite") else configured


# --- the services ------------------------------------------------------------------------

def _libpq_url(sqlalchemy_url: str, database: Optional[str] = None) -> str:
    """A URL psycopg2 understands (no ``+driver``), optionally on another database."""
    parts = urlsplit(sqlalchemy_url.replace("postgresql+psycopg2://", "postgresql://", 1))
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def database_name(url: str) -> str:
    """The database a PostgreSQL URL names."""
    return urlsplit(url).path.lstrip("/") or "postgres"


def ensure_database(url: str) -> bool:
    """Create the database of ``url`` when it is missing; True if it was created."""
    import psycopg2
    from psycopg2 import sql

    name = database_name(url)
    host = urlsplit(url).netloc.rsplit("@", 1)[-1]
    try:
        connection = psycopg2.connect(_libpq_url(url, "postgres"), connect_timeout=3)
    except psycopg2.OperationalError as error:
        raise ServiceUnavailable(
            f"PostgreSQL does not answer at {host} ({_first_line(error)}). Start it, or point "
            "POSTGRES_URL (or TRACKER_STORE_URL / APP_DATABASE_URL) at a running server.") from None
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        connection.close()


def check_redis(url: str) -> None:
    """Raise `ServiceUnavailable` unless Redis answers PING at ``url``."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except (redis.RedisError, OSError) as error:
        raise ServiceUnavailable(
            f"Redis does not answer at {_redacted(url)} ({_first_line(error)}). Start it, or "
            "point REDIS_URL at a running server.") from None


def ensure_queue(url: str, queue: str) -> None:
    """Declare Rasa's exchange and the durable analytics queue bound to it (idempotent)."""
    import asyncio

    async def declare() -> None:
        import aio_pika

        connection = await aio_pika.connect(url, timeout=5)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.declare_exchange(RASA_EXCHANGE, aio_pika.ExchangeType.FANOUT)
            declared = await channel.declare_queue(queue, durable=True)
            await declared.bind(exchange, "")

    try:
        asyncio.run(declare())
    except Exception as error:  # noqa: BLE001 - aio_pika raises many kinds; all mean the same here
        raise ServiceUnavailable(
            f"RabbitMQ does not answer at {_redacted(url)} ({_first_line(error)}). Start it, or "
            "point RABBITMQ_URL at a running server.") from None


def haproxy_binary() -> str:
    """HAProxy's path (``make cluster`` installs Debian's package when it is missing)."""
    found = shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None)
    if not found:
        raise ServiceUnavailable("HAProxy is not installed: run 'make cluster' (it installs "
                                 "Debian's haproxy) or 'apt-get install haproxy'.")
    return found


def prepare_services(topology: Topology, say: Callable[[str], None]) -> None:
    """Check every service and create what is missing (databases, queue)."""
    for url in (topology.tracker_store_url, topology.app_database_url):
        if ensure_database(url):
            say(f"已创建 PostgreSQL 数据库 {database_name(url)}")
    check_redis(topology.redis_url)
    ensure_queue(topology.rabbitmq_url, topology.event_queue)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


# --- the proxy ---------------------------------------------------------------------------

def haproxy_config(topology: Topology, stats_socket: Optional[Path] = None) -> str:
    """HAProxy's configuration for ``topology`` (docs/deployment.md explains each choice);
    ``stats_socket``: where HAProxy answers ``show stat`` (sessions, retries, servers up)."""
    stats = f"\n    stats socket {stats_socket} mode 600 level admin" if stats_socket else ""
    rasa_servers = "\n".join(
        f"    server rasa-{i} 127.0.0.1:{port} check"
        for i, port in enumerate(topology.replica_ports(), start=1))
    action_servers = "\n".join(
        f"    server actions-{i} 127.0.0.1:{port} check"
        for i, port in enumerate(topology.action_ports(), start=1))
    return f"""# Written by bot/launcher/cluster.py for `make cluster`; regenerated on every start.
global
    nbthread 1{stats}

defaults
    mode http
    timeout connect 2s
    timeout client 120s
    # A turn may wait for its conversation's lock (TICKET_LOCK_LIFETIME) behind a replica that died.
    timeout server 90s
    timeout tunnel 1h
    timeout http-request 10s
    # A replica busy with turns answers its health check late, not never: only a refused
    # connection (a dead process) or 10 s of silence counts as down.
    timeout check 10s
    # At most 32 requests at a time on one server (a Rasa replica works on one turn at a time
    # anyway); the others wait here, in order, up to timeout queue, instead of overflowing the
    # server's listen backlog (measured: refused connections, 503s, at 128 concurrent users).
    timeout queue 60s
    option http-buffer-request
    # A request whose replica died before answering goes to another one, once. The REST request
    # carries X-Request-ID (set below), so the retry is processed at most once.
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response junk-response
    default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2 maxconn 32

frontend rasa
    bind 127.0.0.1:{topology.rasa_port}
    monitor-uri /proxy-health
    option forwardfor
    http-request set-header X-Request-ID %[uuid()]
    use_backend rasa_socketio if {{ path_beg /socket.io }}
    default_backend rasa_rest

backend rasa_rest
    balance roundrobin
    option httpchk GET /
    http-response set-header X-Served-By %[srv_name]
{rasa_servers}

# socket.io keeps per-connection state in the replica (polling and the WebSocket upgrade):
# sticky by client address. When that replica dies the widget reconnects to another one and
# re-sends its unacknowledged messages with their ids (processed once: the tracker knows them).
backend rasa_socketio
    balance source
    hash-type consistent
    option httpchk GET /
{rasa_servers}

frontend actions
    bind 127.0.0.1:{topology.action_proxy_port}
    monitor-uri /proxy-health
    default_backend actions

backend actions
    balance leastconn
    option httpchk GET /health
{action_servers}
"""


# --- the processes -----------------------------------------------------------------------

def cluster_env(settings: Settings, topology: Topology) -> Dict[str, str]:
    """The environment of every process of the cluster."""
    base = dict(read_environment())
    rabbit = urlsplit(topology.rabbitmq_url)
    redis_parts = urlsplit(topology.redis_url)
    shared = {
        "RASA_URL": f"http://127.0.0.1:{topology.rasa_port}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{topology.action_proxy_port}/webhook",
        "TRACKER_DB_DIALECT": "postgresql",
        "TRACKER_STORE_URL": topology.tracker_store_url,
        "APP_DATABASE_URL": topology.app_database_url,
        "LOCK_STORE_TYPE": "redis",
        "LOCK_STORE_HOST": redis_parts.hostname or "127.0.0.1",
        "LOCK_STORE_PORT": str(redis_parts.port or 6379),
        "TICKET_LOCK_LIFETIME": str(settings.ticket_lock_lifetime),
        "REDIS_URL": topology.redis_url,
        "EVENT_BROKER_TYPE": "pika",
        "RABBITMQ_URL": topology.rabbitmq_url,
        "RABBITMQ_USERNAME": rabbit.username or "guest",
        "RABBITMQ_PASSWORD": rabbit.password or "guest",
        "RABBITMQ_PORT": str(rabbit.port or 5672),
        "EVENT_QUEUE": topology.event_queue,
        "TRUST_FORWARDED_FOR": "true",  # the proxy sets X-Forwarded-For
    }
    for key, value in shared.items():
        if key in ("RASA_URL", "ACTION_ENDPOINT_URL") or not base.get(key, "").strip():
            base[key] = value
    return runtime_env(base, settings.var_dir, topology.rasa_port, topology.action_port)


def cluster_specs(settings: Settings, topology: Topology, model: Path, config: Path) -> List[ProcessSpec]:
    """Every process of the cluster, in start order (proxy, action servers, replicas, console,
    analytics)."""
    specs = [ProcessSpec("proxy", [haproxy_binary(), "-db", "-f", str(config)],
                         f"http://127.0.0.1:{topology.rasa_port}/proxy-health", 15, topology.rasa_port)]
    for i, port in enumerate(topology.action_ports(), start=1):
        specs.append(ProcessSpec(f"actions-{i}", action_server_command(port),
                                 f"http://127.0.0.1:{port}/health", 180, port))
    for i, port in enumerate(topology.replica_ports(), start=1):
        specs.append(ProcessSpec(f"rasa-{i}", rasa_server_command(model, port, settings.rasa_auth_token,
                                                                 interface="127.0.0.1"),
                                 f"http://127.0.0.1:{port}/", 420, port))
    specs.append(ProcessSpec("console", console_command(topology.console_port),
                             f"http://127.0.0.1:{topology.console_port}/api/health", 60, topology.console_port))
    specs.append(ProcessSpec("analytics", analytics_command("consume"), None, 30, None))
    return specs


def start_in_parallel(supervisor: Supervisor, specs: List[ProcessSpec], say: Callable[[str], None]) -> None:
    """Start each kind of process in turn: the first of a kind alone (it creates the schema of
    its database: two processes creating the same tables at once collide), then the others
    of that kind side by side (replicas load their models together); wait until all answer."""
    for kind in ("proxy", "actions", "rasa", "console", "analytics"):
        group = [s for s in specs if s.name.split("-")[0] == kind]
        for batch in (group[:1], group[1:]):
            if batch:
                say(f"正在启动 {', '.join(s.name for s in batch)} …")
                _start_together(supervisor, batch)


def _start_together(supervisor: Supervisor, batch: List[ProcessSpec]) -> None:
    from bot.launcher.supervisor import wait_until_ready

    started = [(s, supervisor.start_spec(s, wait=False)) for s in batch]
    for spec, process in started:
        if spec.ready_url:
            wait_until_ready(spec.ready_url, process, spec.timeout)
        elif process.poll() is not None:
            raise RuntimeError(f"{spec.name} exited with code {process.returncode}")
        supervisor.child(spec.name).ready = True


def announce_cluster(topology: Topology, supervisor: Supervisor) -> None:
    """Where to talk to the cluster, and the process table."""
    print(
        f"\n发票助手集群已启动（{topology.replicas} 个 Rasa 副本）：\n"
        f"  在浏览器中打开  http://127.0.0.1:{topology.console_port}/\n"
        f"  REST 接口       http://127.0.0.1:{topology.rasa_port}/webhooks/rest/webhook  （经 HAProxy）\n"
        f"  追踪存储 PostgreSQL {database_name(topology.tracker_store_url)}，锁存储 Redis，"
        f"事件 RabbitMQ 队列 {topology.event_queue}\n\n"
        f"{format_table(supervisor.table())}\n\n"
        "某个进程意外退出时会自动重启，其余进程继续服务。按 Ctrl-C 停止全部进程。\n",
        flush=True,
    )


def run_cluster(settings: Settings, model: Path, report: Callable[[str], None],
                say: Callable[[str], None] = print) -> int:
    """Check the services, write the proxy's configuration, start and supervise everything."""
    topology = Topology.from_settings(settings)
    busy = ports_in_use(topology.ports())
    if busy:
        print(f"无法启动集群: ports already in use on 127.0.0.1: {', '.join(map(str, busy))} "
              "(another `make run` or `make cluster`?). Stop it, or choose RASA_PORT, ACTION_PORT "
              "and CONSOLE_PORT elsewhere.", file=sys.stderr)
        return 2
    try:
        haproxy_binary()
        prepare_services(topology, say)
    except ServiceUnavailable as error:
        print(f"无法启动集群: {error}", file=sys.stderr)
        return 2
    config = settings.var_dir / "cluster" / "haproxy.cfg"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(haproxy_config(topology, config.with_name("haproxy.sock")), encoding="utf-8")
    supervisor = Supervisor(cluster_env(settings, topology), report=report,
                            state_file=settings.var_dir / "processes.json")
    specs = cluster_specs(settings, topology, model, config)
    started = time.monotonic()

    def announce() -> None:
        announce_cluster(topology, supervisor)
        say(f"（启动用时 {time.monotonic() - started:.0f} 秒）")

    return serve(supervisor, specs, announce, say, start=lambda s: start_in_parallel(supervisor, s, say))
