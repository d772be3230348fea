"""The cluster phase: ``make cluster`` (HAProxy, PostgreSQL, Redis, RabbitMQ) with 1 and with 2
Rasa replicas under 8, 32 and 128 concurrent conversations, next to the ``make run`` stack.

Each topology is started the way users start it (``python -m bot.launcher cluster`` with
``CLUSTER_REPLICAS``; `bot.launcher.stack.Stack` for ``make run``), warmed up, then driven by
`bench.latency.conversation_load` (scripted conversations, each user sends its next message
as soon as the reply arrives) for a fixed time per level. Besides turns/s and latency, the CPU
time of every process of the topology is read from ``/proc`` before and after each loop, so a
turn's cost is known in CPU-milliseconds by process kind (Rasa, action server, proxy,
analytics) and, approximately, for the shared services (PostgreSQL, Redis, RabbitMQ: their
processes serve whatever else runs on the machine too).

``python -m bench.cluster [--single] [--replicas 1,2] [--levels 8,32,128] [--seconds 30]`` writes
``results/bench/cluster.json`` and ``cluster.md`` and prints the table; ``make bench`` runs it
after ``python -m bench`` (``make bench-cluster`` alone, with ``make run``'s stack); docs/scaling.md
reads it.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from bench import PROJECT_ROOT
from bench.latency import conversation_load, run, warm_up
from bench.procs import child_env, cpu_seconds
from bot.launcher.stack import Stack, free_port

LEVELS = (8, 32, 128)
TOKEN = "bench-cluster-token-0123456789"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
DATABASES = ("fapiao_bench_tracker", "fapiao_bench_app")
QUEUE = "fapiao_bench_events"
SERVICES = {"postgresql": "postgres", "redis": "redis-server", "rabbitmq": "beam.smp"}
PARSE_TEXTS = ("电子税务局登录不上", "发票查不到", "开票失败了")


def pids_named(name: str) -> List[int]:
    """Processes whose command name is ``name``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def kind_of(name: str) -> str:
    """``rasa-2`` → ``rasa``; ``actions`` → ``actions``."""
    return name.split("-")[0]


@dataclass
class Topology:
    """A started topology: where to send turns and which processes to account."""

    name: str
    url: str
    processes: Dict[str, int]  # process name -> pid
    stop: Any

    def cpu(self) -> Dict[str, float]:
        """CPU seconds so far by process kind, and by shared service."""
        totals: Dict[str, float] = {}
        for name, pid in self.processes.items():
            totals[kind_of(name)] = totals.get(kind_of(name), 0.0) + cpu_seconds(pid)
        for service, command in SERVICES.items():
            totals[service] = sum(cpu_seconds(pid) for pid in pids_named(command))
        return totals


def reset_services() -> None:
    """Fresh bench databases and queue (other clusters on this machine use other names)."""
    import asyncio

    import aio_pika
    import psycopg2

    connection = psycopg2.connect(f"{POSTGRES}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        for name in DATABASES:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
    connection.close()

    async def delete_queue() -> None:
        async with await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/") as amqp:
            channel = await amqp.channel()
            await channel.queue_delete(QUEUE)

    asyncio.run(delete_queue())


def start_cluster(replicas: int, var_dir: Path, log: Path, timeout: float = 900) -> Topology:
    """``python -m bot.launcher cluster`` with ``replicas`` replicas, once it serves."""
    reset_services()
    var_dir.mkdir(parents=True, exist_ok=True)
    rasa, actions, console = free_port(), free_port(), free_port()
    while any(abs(rasa - other) <= replicas for other in (actions, console)):
        rasa = free_port()
    env = child_env({
        "VAR_DIR": str(var_dir), "CLUSTER_REPLICAS": str(replicas), "RASA_AUTH_TOKEN": TOKEN,
        "RASA_PORT": str(rasa), "ACTION_PORT": str(actions + 1), "CONSOLE_PORT": str(console),
        "TRACKER_STORE_URL": f"{POSTGRES}/{DATABASES[0]}", "APP_DATABASE_URL": f"{POSTGRES}/{DATABASES[1]}",
        "EVENT_QUEUE": QUEUE,
    })
    output = open(log, "wb")
    launcher = subprocess.Popen([sys.executable, "-m", "bot.launcher", "cluster"], cwd=PROJECT_ROOT,
                                env=env, stdout=output, stderr=subprocess.STDOUT)
    output.close()

    def stop() -> None:
        if launcher.poll() is None:
            launcher.send_signal(signal.SIGINT)
            try:
                launcher.wait(90)
            except subprocess.TimeoutExpired:
                launcher.kill()

    deadline = time.monotonic() + timeout
    while "按 Ctrl-C" not in log.read_text(encoding="utf-8", errors="replace"):
        if launcher.poll() is not None or time.monotonic() > deadline:
            stop()
            raise RuntimeError(f"make cluster ({replicas} replicas) did not start; see {log}")
        time.sleep(1)
    table = json.loads((var_dir / "processes.json").read_text())["processes"]
    processes = {row["name"]: int(row["pid"]) for row in table}
    return Topology(f"cluster-{replicas}", f"http://127.0.0.1:{rasa}", processes, stop)


def start_single(var_dir: Path) -> Topology:
    """The ``make run`` stack (SQLite tracker store, in-memory lock store, no proxy)."""
    stack = Stack(var_dir=var_dir, name="bench-cluster-single", env={"RASA_AUTH_TOKEN": TOKEN})
    stack.start()
    return Topology("single", stack.rasa_url, stack.pids(), stack.stop)


def measure(topology: Topology, levels: Sequence[int], seconds: float) -> List[Dict[str, Any]]:
    """One loop per level: turns/s, latency, CPU-ms per turn by process kind."""
    warm_up(topology.url, PARSE_TEXTS, TOKEN)
    rows = []
    for level in levels:
        before, started = topology.cpu(), time.monotonic()
        load = run(conversation_load(topology.url, level, 10**7, seconds))
        wall = time.monotonic() - started
        after = topology.cpu()
        summary = load.summary()
        turns = summary.count if summary else 0
        cpu = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
        rows.append({
            "topology": topology.name, "concurrency": level, "turns": turns, "errors": load.errors,
            "error_samples": load.error_samples, "wall_s": round(wall, 1),
            "turns_per_s": round(summary.per_second, 1) if summary else 0.0,
            "p50_ms": round(summary.p50_ms) if summary else None,
            "p99_ms": round(summary.p99_ms) if summary else None,
            "cpu_ms_per_turn": {k: round(1000 * v / turns, 1) for k, v in cpu.items() if turns},
            "cpu_cores_busy": {k: round(v / wall, 2) for k, v in cpu.items()},
        })
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def table(rows: List[Dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = ["| topology | concurrent | turns/s | p50 ms | p99 ms | errors | CPU ms/turn (ours) | "
             "CPU ms/turn (PostgreSQL, Redis, RabbitMQ) |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        cpu = row["cpu_ms_per_turn"]
        ours = sum(v for k, v in cpu.items() if k not in SERVICES)
        services = ", ".join(f"{cpu.get(k, 0):.1f}" for k in SERVICES)
        lines.append(f"| {row['topology']} | {row['concurrency']} | {row['turns_per_s']} | {row['p50_ms']} | "
                     f"{row['p99_ms']} | {row['errors']} | {ours:.0f} | {services} |")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster")
    parser.add_argument("--replicas", default="1,2", help="comma-separated replica counts")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--seconds", type=float, default=30.0, help="per level")
    parser.add_argument("--single", action="store_true", help="also measure the make run stack")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "results" / "bench" / "cluster.json"))
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows: List[Dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        starts = []
        if args.single:
            starts.append(lambda: start_single(Path(tmp) / "single"))
        for count in [int(x) for x in args.replicas.split(",") if x]:
            starts.append(lambda count=count: start_cluster(count, Path(tmp) / f"c{count}",
                                                            out.parent / f"cluster-{count}.log"))
        for start in starts:
            topology = start()
            try:
                rows += measure(topology, levels, args.seconds)
            finally:
                topology.stop()
    out.write_text(json.dumps({"levels": levels, "seconds": args.seconds, "cores": os.cpu_count(),
                               "load_average": os.getloadavg(), "rows": rows}, ensure_ascii=False, indent=2))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    out.with_suffix(".md").write_text(
        f"# Cluster phase\n\n{args.seconds:.0f} s per level on {os.cpu_count()} cores (load average at the "
        f"end: {load}; other work on the machine lowers turns/s, not CPU ms per turn). "
        "docs/scaling.md explains the columns.\n\n" + table(rows) + "\n", encoding="utf-8")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
