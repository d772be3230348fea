"""Running several measured child processes, a fixed number at a time, before a deadline."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping

from bench import PROJECT_ROOT
from bench.procs import RunResult


@dataclass
class Job:
    """A command to run.

    Attributes:
        name: key of its result.
        command: argv.
        log: where its output goes.
        env: its full environment.
        estimate_s: expected wall time (longest jobs start first).
    """

    name: str
    command: List[str]
    log: Path
    env: Mapping[str, str]
    estimate_s: float = 60.0


@dataclass
class _Running:
    job: Job
    process: subprocess.Popen
    started: float
    output: object = field(repr=False, default=None)


def schedule(jobs: List[Job]) -> List[Job]:
    """Longest expected job first (keeps two slots evenly busy)."""
    return sorted(jobs, key=lambda job: -job.estimate_s)


def run_jobs(jobs: List[Job], slots: int, deadline: float, cwd: Path = PROJECT_ROOT) -> Dict[str, RunResult]:
    """Run ``jobs`` with at most ``slots`` at once; kill whatever still runs at ``deadline``
    (a ``time.monotonic()`` value). Jobs that never started are missing from the result."""
    waiting = schedule(jobs)
    running: List[_Running] = []
    results: Dict[str, RunResult] = {}
    try:
        _loop(waiting, running, results, slots, deadline, cwd)
    finally:  # interrupted: leave no training behind
        for item in running:
            if item.process.poll() is None:
                os.killpg(item.process.pid, signal.SIGKILL)
                item.process.wait()
    return results


def _loop(waiting: List[Job], running: List[_Running], results: Dict[str, RunResult], slots: int,
          deadline: float, cwd: Path) -> None:
    while waiting or running:
        while waiting and len(running) < slots and time.monotonic() < deadline:
            job = waiting.pop(0)
            job.log.parent.mkdir(parents=True, exist_ok=True)
            output = open(job.log, "wb")
            process = subprocess.Popen(job.command, cwd=cwd, env=dict(job.env), stdout=output,
                                       stderr=subprocess.STDOUT, start_new_session=True)
            running.append(_Running(job, process, time.monotonic(), output))
        if time.monotonic() >= deadline:
            waiting.clear()
        for item in list(running):
            pid, status, usage = os.wait4(item.process.pid, os.WNOHANG)
            timed_out = False
            if not pid and time.monotonic() >= deadline:
                os.killpg(item.process.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(item.process.pid, 0)
                timed_out = True
            if pid:
                item.process.returncode = os.waitstatus_to_exitcode(status)
                item.output.close()
                results[item.job.name] = RunResult(
                    command=[str(c) for c in item.job.command], returncode=item.process.returncode,
                    wall_s=time.monotonic() - item.started, peak_rss_bytes=int(usage.ru_maxrss) * 1024,
                    timed_out=timed_out, log=str(item.job.log))
                running.remove(item)
        time.sleep(0.2)


def not_started(results: Dict[str, RunResult], jobs: List[Job]) -> List[str]:
    """Names of jobs that never started (for the report)."""
    return [job.name for job in jobs if job.name not in results]
