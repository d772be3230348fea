"""Starting processes in order, waiting until each answers, and stopping all of them."""
from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.app.settings import PROJECT_ROOT


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


