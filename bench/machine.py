"""What machine the figures were measured on (every speed figure depends on it)."""
from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Dict, Optional

PACKAGES = ("rasa", "rasa-sdk", "tensorflow", "numpy", "scikit-learn", "jieba", "aiohttp", "sanic",
            "SQLAlchemy", "matplotlib")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_model(cpuinfo: Optional[str] = None) -> str:
    """The CPU's model name from /proc/cpuinfo (or the platform's guess)."""
    text = _read("/proc/cpuinfo") if cpuinfo is None else cpuinfo
    for line in text.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def memory_total_bytes(meminfo: Optional[str] = None) -> int:
    """MemTotal from /proc/meminfo, in bytes (0 if unknown)."""
    text = _read("/proc/meminfo") if meminfo is None else meminfo
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_quota() -> Optional[float]:
    """CPUs allowed by the cgroup (v2 ``cpu.max``), if limited."""
    text = _read("/sys/fs/cgroup/cpu.max").split()
    if len(text) == 2 and text[0] != "max":
        return int(text[0]) / int(text[1])
    return None


def load_average() -> str:
    """The 1/5/15-minute load averages (other work on the machine skews speed figures)."""
    return " ".join(_read("/proc/loadavg").split()[:3])


def package_versions() -> Dict[str, str]:
    """Installed versions of the packages that matter for the figures."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    return versions


def describe() -> Dict[str, object]:
    """The machine's description for the report."""
    return {
        "cpu_model": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cgroup_cpu_quota": cpu_quota(),
        "memory_total_bytes": memory_total_bytes(),
        "kernel": platform.release(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "packages": package_versions(),
        "load_average_at_start": load_average(),
    }
