"""Running a command as a child process with its wall time and peak memory (RSS)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from bench import PROJECT_ROOT

QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore::DeprecationWarning",
}


@dataclass(frozen=True)
class RunResult:
    """How one child process went.

    Attributes:
        command: what ran.
        returncode: exit code (negative: killed by that signal; -9 after a timeout).
        wall_s: wall time from start to exit.
        peak_rss_bytes: the child's peak resident set size (``ru_maxrss`` from ``wait4``).
        timed_out: True when it was killed for running longer than allowed.
        log: where its output went.
    """

    command: List[str]
    returncode: int
    wall_s: float
    peak_rss_bytes: int
    timed_out: bool
    log: str

    @property
    def ok(self) -> bool:
        """Exited with 0 in time."""
        return self.returncode == 0 and not self.timed_out

    def as_dict(self) -> Dict[str, object]:
        """Plain dict for results.json."""
        return asdict(self)


def child_env(extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The bench's environment for children: quiet Rasa/TF, the project on PYTHONPATH."""
    env = dict(os.environ)
    env.update(QUIET_ENV)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    env.update(extra or {})
    return env


def run_measured(
    command: List[str],
    log: Path,
    timeout_s: float,
    env: Optional[Mapping[str, str]] = None,
    cwd: Path = PROJECT_ROOT,
) -> RunResult:
    """Run ``command`` to completion (or ``timeout_s``), output to ``log``.

    The child gets its own process group, so a timeout kills everything it started.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=cwd, env=dict(env) if env is not None else child_env(),
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
        timed_out = False
        try:
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - started > timeout_s:
                    timed_out = True
                    os.killpg(process.pid, signal.SIGKILL)
                    pid, status, usage = os.wait4(process.pid, 0)
                    break
                time.sleep(0.2)
        except BaseException:  # interrupted: leave nothing running
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    return RunResult(
        command=[str(c) for c in command],
        returncode=process.returncode,
        wall_s=wall,
        peak_rss_bytes=int(usage.ru_maxrss) * 1024,  # Linux reports kilobytes
        timed_out=timed_out,
        log=str(log),
    )


def rasa_command(*args: str) -> List[str]:
    """``python -m rasa ARGS`` with the bench's interpreter (the project's venv)."""
    return [sys.executable, "-m", "rasa", *args]


def log_tail(path: str, lines: int = 5) -> str:
    """The last meaningful lines of a log (for error notes in the report)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if line.strip() and "Warning" not in line]
    return "\n".join(kept[-lines:])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its waited-for children (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
