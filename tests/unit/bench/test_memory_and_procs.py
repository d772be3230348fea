"""/proc parsing, and running a child with its wall time and peak RSS."""
from __future__ import annotations

import os
import sys

from bench.memory import children_of, memory_of, parse_status
from bench.procs import child_env, run_measured

STATUS = """Name:\tpython
VmPeak:\t 3484332 kB
VmHWM:\t 1409488 kB
VmRSS:\t 1300000 kB
Threads:\t42
"""


def test_parse_status_reads_kilobyte_fields_as_bytes():
    fields = parse_status(STATUS)
    assert fields["VmHWM"] == 1409488 * 1024
    assert fields["VmRSS"] == 1300000 * 1024
    assert "Threads" not in fields


def test_memory_of_this_process():
    memory = memory_of(os.getpid())
    assert memory is not None
    assert 0 < memory.rss <= memory.peak


def test_memory_of_a_gone_process_is_none(tmp_path):
    assert memory_of(999_999_999, proc=tmp_path) is None
    assert children_of(999_999_999, proc=tmp_path) == []


def test_run_measured_reports_exit_code_and_peak_memory(tmp_path):
    # allocate ~200 MB and touch it, so the peak is clearly above the interpreter's own
    code = "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); raise SystemExit(3)"
    result = run_measured([sys.executable, "-c", code], tmp_path / "log.txt", timeout_s=60)
    assert result.returncode == 3
    assert not result.ok
    assert result.peak_rss_bytes > 200 * 1024 * 1024
    assert 0 < result.wall_s < 60


def test_run_measured_kills_on_timeout(tmp_path):
    result = run_measured([sys.executable, "-c", "import time; time.sleep(30)"], tmp_path / "log.txt",
                          timeout_s=0.5)
    assert result.timed_out
    assert result.wall_s < 10


def test_child_env_is_quiet_and_finds_the_project():
    env = child_env({"EXTRA": "1"})
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["EXTRA"] == "1"
    from bench import PROJECT_ROOT

    assert str(PROJECT_ROOT) in env["PYTHONPATH"].split(os.pathsep)
