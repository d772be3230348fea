"""The effect of TensorFlow's thread settings on the Rasa server (2 cores).

Rasa reads ``TF_INTRA_OP_PARALLELISM_THREADS`` and ``TF_INTER_OP_PARALLELISM_THREADS`` at start
(rasa/utils/tensorflow/environment.py), so each setting needs its own server start. Each
setting gets the same short workload: cold start, sequential ``/model/parse``, parse at 8
concurrent clients, full turns at 8 concurrent conversations.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Sequence

from bench import latency

INTRA = "TF_INTRA_OP_PARALLELISM_THREADS"
INTER = "TF_INTER_OP_PARALLELISM_THREADS"


@dataclass(frozen=True)
class Setting:
    """One thread setting; None leaves the variable unset (TensorFlow picks)."""

    name: str
    intra: Optional[int]
    inter: Optional[int]

    def env(self) -> Dict[str, str]:
        """Environment variables for the server."""
        values = {}
        if self.intra is not None:
            values[INTRA] = str(self.intra)
        if self.inter is not None:
            values[INTER] = str(self.inter)
        return values


# "default" leaves the choice to TensorFlow (a pool per core it sees: on 2 cores that is what
# "2/2" would set, so that setting is not run separately; each setting costs a server start).
SETTINGS = (Setting("default", None, None), Setting("1/1", 1, 1))


@dataclass(frozen=True)
class Workload:
    """How long each part of the per-setting workload may run."""

    parse_requests: int = 300
    parse_seconds: float = 8.0
    turns: int = 600
    turn_seconds: float = 12.0


def measure_running(stack: latency.Stack, texts: Sequence[str], workload: Workload) -> Dict[str, object]:
    """The workload against a stack that is already up and warmed."""
    result: Dict[str, object] = {"cold_start_s": stack.startup_s.get("rasa")}
    for key, coroutine in (
        ("parse_1", latency.parse_load(stack.rasa_url, texts, 1, workload.parse_requests, workload.parse_seconds)),
        ("parse_8", latency.parse_load(stack.rasa_url, texts, 8, workload.parse_requests * 4, workload.parse_seconds)),
        ("turns_8", latency.conversation_load(stack.rasa_url, 8, workload.turns, workload.turn_seconds)),
    ):
        summary = latency.run(coroutine).summary()
        result[key] = summary.as_dict() if summary else None
    return result


def measure_setting(setting: Setting, model: Path, var_dir: Path, texts: Sequence[str],
                    workload: Workload) -> Dict[str, object]:
    """Start a fresh stack with ``setting``, warm it, measure, stop it."""
    with latency.warmed_stack(var_dir, model, f"bench-tf-{setting.name.replace('/', '-')}", texts,
                              env=setting.env()) as stack:
        return {"setting": setting.name, **measure_running(stack, texts, workload)}
