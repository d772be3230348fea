"""Resident memory of running processes from /proc (psutil is not a project dependency).

``VmHWM`` is the kernel's high-water mark of a process's RSS since it started, so reading it
after a load run gives the peak, without sampling.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional

PROC = Path("/proc")


@dataclass(frozen=True)
class Memory:
    """RSS figures of one process (bytes).

    Attributes:
        rss: resident now (VmRSS).
        peak: resident high-water mark (VmHWM).
        children: pids of the processes it started, if any (their memory is not included).
    """

    pid: int
    rss: int
    peak: int
    children: List[int]

    def as_dict(self) -> Dict[str, object]:
        """Plain dict for results.json."""
        return asdict(self)


def parse_status(text: str) -> Dict[str, int]:
    """The ``kB`` fields of /proc/<pid>/status, in bytes."""
    fields: Dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        parts = value.split()
        if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            fields[key] = int(parts[0]) * 1024
    return fields


def children_of(pid: int, proc: Path = PROC) -> List[int]:
    """Direct children of ``pid`` (from every thread's ``children`` file)."""
    result: List[int] = []
    for task in (proc / str(pid) / "task").glob("*"):
        try:
            result.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return sorted(set(result))


def memory_of(pid: int, proc: Path = PROC) -> Optional[Memory]:
    """RSS now and at its peak, or None when the process is gone."""
    try:
        fields = parse_status((proc / str(pid) / "status").read_text())
    except OSError:
        return None
    return Memory(pid, fields.get("VmRSS", 0), fields.get("VmHWM", 0), children_of(pid, proc))


def gib(value: float) -> float:
    """Bytes in GiB."""
    return value / 2**30
