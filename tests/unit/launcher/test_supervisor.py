"""bot/launcher/supervisor.py: a crashed process is restarted with back-off while the others
keep running; stop ends them all. Real (tiny) processes."""
from __future__ import annotations

import os
import signal
import sys
import time

from bot.launcher.supervisor import Backoff, ProcessSpec, Supervisor, format_table

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_backoff_doubles_up_to_its_maximum():
    backoff = Backoff(initial=1, factor=2, maximum=30)
    assert [backoff.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_killed_process_is_restarted_after_its_delay_and_the_others_keep_running(tmp_path):
    lines = []
    supervisor = Supervisor(dict(os.environ), backoff=Backoff(initial=0.2, maximum=1),
                            report=lines.append, state_file=tmp_path / "processes.json")
    try:
        supervisor.start_spec(ProcessSpec("a", SLEEPER, port=1))
        supervisor.start_spec(ProcessSpec("b", SLEEPER, port=2))
        a, b = supervisor.child("a"), supervisor.child("b")
        first_pid = a.process.pid
        os.kill(first_pid, signal.SIGKILL)
        a.process.wait()
        supervisor.supervise()
        assert "exited with code -9" in lines[-1] and a.restart_at is not None
        assert wait_for(lambda: (supervisor.supervise(), a.process.pid != first_pid)[1])
        assert a.running and a.restarts == 1 and b.running and b.restarts == 0
        assert '"restarts": 1' in (tmp_path / "processes.json").read_text()
        assert any("restarted" in line for line in lines)
    finally:
        supervisor.stop()
    assert not (tmp_path / "processes.json").exists()
    assert all(p.poll() is not None for p in (a.process, b.process))


def test_crashes_in_a_row_wait_longer_and_a_stable_process_starts_over():
    supervisor = Supervisor(dict(os.environ), backoff=Backoff(initial=1, maximum=8, stable_after=60))
    try:
        supervisor.start_spec(ProcessSpec("c", [sys.executable, "-c", "pass"]))
        child = supervisor.child("c")
        child.process.wait()
        supervisor.supervise(now=child.started + 1)
        assert child.restart_at == child.started + 1 + 1
        child.crashes = 3
        child.restart_at = None
        supervisor.supervise(now=child.started + 2)
        assert child.restart_at == child.started + 2 + 8  # fourth crash in a row: 8 s (the maximum)
        child.restart_at = None
        supervisor.supervise(now=child.started + 120)  # it had run two minutes: back to 1 s
        assert child.crashes == 1 and child.restart_at == child.started + 121
    finally:
        supervisor.stop()


def test_the_table_names_every_process():
    text = format_table([{"name": "rasa-1", "pid": 10, "port": 5006}, {"name": "analytics", "pid": 11, "port": None}])
    assert "rasa-1" in text and "5006" in text and "analytics" in text
