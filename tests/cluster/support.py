"""The launcher as users start it (``python -m bot.launcher run|cluster``) in a subprocess, with
its process table (``VAR_DIR/processes.json``) to find and kill its children, and a REST client
that resends a failed message once with the same ``message_id``."""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import requests

from bot.app.settings import PROJECT_ROOT

LOG_ROOT = PROJECT_ROOT / "results" / "server-logs" / "cluster-tests"
TOKEN = "cluster-tests-token-0123456789"
READY_LINE = "按 Ctrl-C"


def free_block(count: int) -> int:
    """A port p with p .. p + count - 1 all free on 127.0.0.1."""
    for _ in range(200):
        base = random.randint(20000, 40000)
        if all(_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no block of free ports")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@dataclass
class Launched:
    """A running ``python -m bot.launcher <mode>``."""

    mode: str
    var_dir: Path
    env: Dict[str, str]
    process: Optional[subprocess.Popen] = None
    log: Optional[Path] = None
    started_in: float = 0.0

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    def start(self, timeout: float = 540) -> "Launched":
        LOG_ROOT.mkdir(parents=True, exist_ok=True)
        self.log = LOG_ROOT / f"{self.mode}.log"
        began = time.monotonic()
        with open(self.log, "wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.launcher", self.mode], cwd=PROJECT_ROOT,
                env={**os.environ, **self.env}, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_for(self._ready, timeout, f"make {self.mode} start-up", every=1.0)
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        return self

    def _ready(self) -> bool:
        assert self.process is not None and self.log is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"the launcher exited with {self.process.returncode}:\n{self.output()[-3000:]}")
        return READY_LINE in self.output()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log else ""

    def table(self) -> Dict[str, Dict[str, Any]]:
        data = json.loads((self.var_dir / "processes.json").read_text(encoding="utf-8"))
        return {row["name"]: row for row in data["processes"]}

    def pid(self, name: str) -> int:
        return int(self.table()[name]["pid"])

    def kill(self, name: str) -> int:
        """SIGKILL the process ``name``; returns its pid."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_restarted(self, name: str, old_pid: int, ready_url: Optional[str] = None,
                       timeout: float = 300) -> float:
        """Wait until ``name`` runs under a new pid (and ``ready_url`` answers); seconds taken."""
        began = time.monotonic()
        wait_for(lambda: self.pid(name) != old_pid and self.table()[name]["running"], timeout,
                 f"{name} restarted")
        if ready_url:
            wait_for(lambda: answers(ready_url), timeout, f"{name} serving again")
        return time.monotonic() - began

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass
class Chat:
    """One REST conversation; ``say`` resends once, with the same id, when a request fails."""

    base_url: str
    sender: str = field(default_factory=lambda: f"ct-{uuid.uuid4().hex[:16]}")
    sent: List[str] = field(default_factory=list)
    resends: int = 0
    served_by: List[str] = field(default_factory=list)
    answered_at: List[float] = field(default_factory=list)  # time.monotonic() of each reply

    def say(self, text: str, base_url: Optional[str] = None, timeout: float = 120) -> List[Dict[str, Any]]:
        message_id = f"{self.sender}-{len(self.sent) + 1}"
        self.sent.append(message_id)
        body = {"sender": self.sender, "message": text, "metadata": {"message_id": message_id}}
        for attempt in (1, 2):
            try:
                response = requests.post(f"{base_url or self.base_url}/webhooks/rest/webhook",
                                         json=body, timeout=timeout)
                if response.status_code < 500:
                    response.raise_for_status()
                    self.served_by.append(response.headers.get("X-Served-By", ""))
                    self.answered_at.append(time.monotonic())
                    return response.json()
                failure: Exception = RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
            except requests.RequestException as error:
                failure = error
            if attempt == 1:
                self.resends += 1
                time.sleep(0.5)
        raise AssertionError(f"{self.sender}: {text!r} failed twice: {failure}")

    def tracker(self) -> Dict[str, Any]:
        response = requests.get(f"{self.base_url}/conversations/{self.sender}/tracker",
                                params={"token": TOKEN}, timeout=30)
        response.raise_for_status()
        return response.json()

    def slot(self, name: str) -> Any:
        return self.tracker()["slots"].get(name)

    def user_message_ids(self) -> List[str]:
        return [e.get("message_id") for e in self.tracker()["events"] if e["event"] == "user"]

    def turns(self) -> List[Tuple[str, List[str]]]:
        """(message_id, response names) per user message, in tracker order."""
        result: List[Tuple[str, List[str]]] = []
        for event in self.tracker()["events"]:
            if event["event"] == "user":
                result.append((event.get("message_id"), []))
            elif event["event"] == "bot" and result:
                result[-1][1].append((event.get("metadata") or {}).get("utter_action") or "<text>")
        return result

    def last_turn_responses(self) -> List[str]:
        turns = self.turns()
        return turns[-1][1] if turns else []


def proxy_stats(var_dir: Path) -> Dict[Tuple[str, str], Dict[str, str]]:
    """HAProxy's ``show stat`` by (proxy, server): scur (requests in flight), wretr (retries),
    wredis (redispatches), status … (the cluster's stats socket under ``VAR_DIR/cluster``)."""
    with socket.socket(socket.AF_UNIX) as connection:
        connection.connect(str(var_dir / "cluster" / "haproxy.sock"))
        connection.sendall(b"show stat\n")
        chunks = []
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    lines = b"".join(chunks).decode().strip().splitlines()
    header = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
    return {(row["pxname"], row["svname"]): row for row in rows}
