"""Running measured child processes a few at a time."""
from __future__ import annotations

import os
import sys
import time

from bench.pool import Job, not_started, run_jobs, schedule


def job(tmp_path, name, code, estimate=1.0):
    return Job(name, [sys.executable, "-c", code], tmp_path / f"{name}.log", dict(os.environ), estimate)


def test_longest_jobs_start_first(tmp_path):
    jobs = [job(tmp_path, "short", "", 1), job(tmp_path, "long", "", 10), job(tmp_path, "mid", "", 5)]
    assert [j.name for j in schedule(jobs)] == ["long", "mid", "short"]


def test_jobs_run_in_parallel_slots_with_their_results(tmp_path):
    jobs = [job(tmp_path, f"j{i}", "import time; time.sleep(0.5); print('done')") for i in range(4)]
    jobs.append(job(tmp_path, "fails", "raise SystemExit(2)"))
    started = time.monotonic()
    results = run_jobs(jobs, slots=2, deadline=time.monotonic() + 60)
    elapsed = time.monotonic() - started
    assert set(results) == {"j0", "j1", "j2", "j3", "fails"}
    assert all(results[f"j{i}"].ok for i in range(4))
    assert results["fails"].returncode == 2
    assert elapsed < 4 * 0.5 + 1.5  # two at a time, not one after another
    assert "done" in (tmp_path / "j0.log").read_text()


def test_deadline_kills_running_jobs_and_skips_waiting_ones(tmp_path):
    jobs = [job(tmp_path, "a", "import time; time.sleep(30)"), job(tmp_path, "b", "import time; time.sleep(30)")]
    results = run_jobs(jobs, slots=1, deadline=time.monotonic() + 1.0)
    assert results["a"].timed_out
    assert not_started(results, jobs) == ["b"]
