"""Starting processes in order, waiting until each answers, restarting the ones that crash, and
stopping all of them.

`Supervisor.start` starts one process and waits until its ready URL answers (start-up order
matters: the Rasa server needs the action server). `Supervisor.supervise` is one pass of the
supervision loop: a process that exited on its own is started again after a back-off delay
(1, 2, 4 … 30 s; back to 1 s once a process stayed up for a minute), while the others keep
serving. `Supervisor.stop` stops everything (SIGTERM, then SIGKILL).

Children are started in their own session (Ctrl-C reaches the launcher once; it stops the
children itself) and with a parent-death signal: if the launcher itself is killed, its
children get SIGTERM instead of living on as orphans holding the ports.
"""
from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot.app.settings import PROJECT_ROOT

PR_SET_PDEATHSIG = 1


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether ``url`` answers 2xx right now."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float) -> None:
    """Poll ``url`` until it answers 2xx; fail early if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with code {process.returncode}")
        if answers(url):
            return
        time.sleep(0.5)
    raise TimeoutError(f"{url} was not ready after {timeout:.0f} s")


def ports_in_use(ports: List[int], host: str = "127.0.0.1") -> List[int]:
    """The ports among ``ports`` that something already listens on at ``host``."""
    import socket

    busy = []
    for port in ports:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                busy.append(port)
    return busy


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to send SIGTERM to this child when the launcher dies (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass


@dataclass(frozen=True)
class ProcessSpec:
    """How to start one supervised process.

    Args:
        name: shown in the table and the logs (``rasa-1``, ``actions``, ``proxy`` …).
        command: the program and its arguments.
        ready_url: answers 2xx once the process serves (None: ready when started).
        timeout: seconds the first start may take before start-up fails.
        port: the port it listens on (for the table).
        env: variables on top of the supervisor's environment.
    """

    name: str
    command: List[str]
    ready_url: Optional[str] = None
    timeout: float = 60.0
    port: Optional[int] = None
    env: Dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Backoff:
    """Delay before restarting a crashed process: ``initial * factor ** (crashes - 1)``, at most
    ``maximum``; a process that stayed up ``stable_after`` seconds starts from ``initial`` again."""

    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 30.0
    stable_after: float = 60.0

    def delay(self, crashes: int) -> float:
        """Seconds to wait after the ``crashes``-th crash in a row (1-based)."""
        return min(self.maximum, self.initial * self.factor ** max(0, crashes - 1))


@dataclass
class Child:
    """A supervised process and its restart state."""

    spec: ProcessSpec
    process: subprocess.Popen
    started: float
    crashes: int = 0
    restarts: int = 0
    restart_at: Optional[float] = None
    ready: bool = False
    last_probe: float = 0.0

    @property
    def running(self) -> bool:
        return self.restart_at is None and self.process.poll() is None


@dataclass
class Supervisor:
    """Starts processes in order, restarts the ones that crash, stops all of them together.

    Args:
        env: the environment of every process.
        cwd: their working directory.
        log_dir: each process's output goes to ``<log_dir>/<name>.log`` (None: inherited).
        backoff: restart delays.
        report: called with one line per supervision event (a crash, a restart, ready again).
        state_file: rewritten with the process table (JSON) after every start and restart.
    """

    env: Dict[str, str]
    cwd: Path = PROJECT_ROOT
    log_dir: Optional[Path] = None
    backoff: Backoff = field(default_factory=Backoff)
    report: Callable[[str], None] = lambda line: None
    state_file: Optional[Path] = None
    children: List[Child] = field(default_factory=list)

    @property
    def processes(self) -> List[subprocess.Popen]:
        """The current process of every child, in start order."""
        return [child.process for child in self.children]

    def start(self, name: str, command: List[str], ready_url: Optional[str], timeout: float,
              port: Optional[int] = None, env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
        """Start one process and wait until ``ready_url`` answers."""
        return self.start_spec(ProcessSpec(name, command, ready_url, timeout, port, dict(env or {})))

    def start_spec(self, spec: ProcessSpec, wait: bool = True) -> subprocess.Popen:
        """Start ``spec`` (and wait until it answers unless ``wait`` is false)."""
        child = Child(spec, self._spawn(spec), time.monotonic())
        self.children.append(child)
        self._write_state()
        if wait and spec.ready_url:
            wait_until_ready(spec.ready_url, child.process, spec.timeout)
        child.ready = True
        return child.process

    def _spawn(self, spec: ProcessSpec) -> subprocess.Popen:
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{spec.name}.log", "ab")
        try:
            return subprocess.Popen(
                spec.command,
                cwd=self.cwd,
                env={**self.env, **spec.env},
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                start_new_session=True,  # Ctrl-C reaches us once; we stop the children ourselves
                preexec_fn=_die_with_parent,
            )
        finally:
            if output is not None:
                output.close()  # the child holds its own copy

    def child(self, name: str) -> Child:
        """The child called ``name`` (KeyError if there is none)."""
        for child in self.children:
            if child.spec.name == name:
                return child
        raise KeyError(name)

    def supervise(self, now: Optional[float] = None) -> None:
        """One pass: notice crashes, restart what is due, notice restarted processes answering."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.restart_at is None and child.process.poll() is not None:
                self._schedule_restart(child, now)
            elif child.restart_at is not None and now >= child.restart_at:
                self._restart(child, now)
            elif not child.ready and child.spec.ready_url and now - child.last_probe >= 1.0:
                child.last_probe = now
                if answers(child.spec.ready_url, timeout=0.5):
                    child.ready = True
                    self.report(f"{child.spec.name} is serving again "
                                f"({now - child.started:.0f} s after its restart).")

    def _schedule_restart(self, child: Child, now: float) -> None:
        if now - child.started >= self.backoff.stable_after:
            child.crashes = 0
        child.crashes += 1
        delay = self.backoff.delay(child.crashes)
        child.restart_at = now + delay
        child.ready = False
        self.report(f"{child.spec.name} (pid {child.process.pid}) exited with code "
                    f"{child.process.returncode}; restarting it in {delay:.0f} s "
                    f"(crash {child.crashes} in a row). The other processes keep serving.")

    def _restart(self, child: Child, now: float) -> None:
        try:
            child.process = self._spawn(child.spec)
        except OSError as error:  # e.g. the program vanished: try again later
            self.report(f"{child.spec.name} could not be started: {error}")
            child.started = now
            self._schedule_restart(child, now)
            return
        child.started, child.restart_at, child.last_probe = now, None, now
        child.restarts += 1
        child.ready = child.spec.ready_url is None
        self.report(f"{child.spec.name} restarted (pid {child.process.pid}).")
        self._write_state()

    def run(self, stopping: Callable[[], bool], interval: float = 0.5) -> None:
        """Supervise until ``stopping()`` is true."""
        while not stopping():
            self.supervise()
            time.sleep(interval)

    def table(self) -> List[Dict[str, object]]:
        """One row per process: name, pid, port, restarts, whether it is running."""
        return [
            {"name": c.spec.name, "pid": c.process.pid, "port": c.spec.port,
             "restarts": c.restarts, "running": c.running}
            for c in self.children
        ]

    def _write_state(self) -> None:
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps({"launcher_pid": os.getpid(), "processes": self.table()},
                                        indent=2), encoding="utf-8")
        temporary.replace(self.state_file)

    def stop(self, timeout: float = 15.0) -> None:
        """Terminate every process (SIGTERM, then SIGKILL) in reverse start order."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait()
        self.children.clear()
        if self.state_file is not None:
            self.state_file.unlink(missing_ok=True)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def format_table(rows: List[Dict[str, object]]) -> str:
    """The process table as aligned text (name, pid, port)."""
    lines = [f"  {'process':<12} {'pid':>8}  port"]
    for row in rows:
        port = row["port"] if row["port"] is not None else "-"
        lines.append(f"  {row['name']!s:<12} {row['pid']!s:>8}  {port}")
    return "\n".join(lines)


def serve(supervisor: Supervisor, specs: List[ProcessSpec], announce: Callable[[], None],
          say: Callable[[str], None] = print,
          start: Optional[Callable[[List[ProcessSpec]], None]] = None) -> int:
    """Start ``specs`` (one after the other, each once it answers; or with ``start``), call
    ``announce``, supervise until SIGINT or SIGTERM, stop all.

    Returns the exit code: 0 after Ctrl-C, 1 when start-up failed (the message says which
    process and why), 130 when Ctrl-C came during start-up.
    """
    state = {"stopping": False, "serving": False}

    def stop(signum: int, frame: object) -> None:  # noqa: ARG001 - signal handler signature
        state["stopping"] = True
        if not state["serving"]:
            raise KeyboardInterrupt  # interrupts a start-up that waits for a process

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if start is not None:
            start(specs)
        for spec in specs if start is None else []:
            say(f"正在启动 {spec.name} …")
            supervisor.start_spec(spec)
        state["serving"] = True
        announce()
        supervisor.run(lambda: state["stopping"])
        return 0
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, TimeoutError, OSError) as error:
        print(f"Start-up failed: {error}", file=sys.stderr)
        return 1
    finally:
        state["serving"] = True  # a second Ctrl-C must not interrupt the stopping
        say("正在停止所有进程…")
        supervisor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
