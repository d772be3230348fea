"""Where the Rasa server spends its CPU under load: py-spy, if it is installed.

py-spy samples a running process from outside (no code change, small overhead) and writes
collapsed stacks (``frame;frame;frame count`` per line). The bench runs it on the Rasa server
during an extra, unmeasured load run, and reports the share of samples spent in a few
interesting places (inclusive) and the functions with the most self time.

py-spy is optional (not a project dependency): ``pip install py-spy`` into the venv enables it.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

# Inclusive categories: a sample counts for a category when any frame of its stack matches.
# py-spy writes frames as "function (path/to/file.py:line)".
CATEGORIES: Tuple[Tuple[str, str], ...] = (
    ("TensorFlow (DIET)", r"tensorflow"),
    ("policy prediction (rules, memoisation)",
     r"\b(predict_action_probabilities|_predict_next_action|predict_next_action"
     r"|_predict_next_action_with_probabilities)\b"),
    ("NLU (parse_message)", r"\bparse_message\b"),
    # RulePolicy and MemoizationPolicy rebuild the conversation's states for every prediction.
    ("tracker state building", r"\b(_?prediction_states|past_states(_for_hashing)?)\b"),
    ("tracker store: retrieve (SQL + events → tracker)", r"\bretrieve(_full_tracker)?\b \(rasa/core/tracker_store"),
    ("tracker store: save", r"\bsave \(rasa/core/tracker_store"),
    ("SQLAlchemy / SQLite", r"sqlalchemy|sqlite3"),
    ("jsonschema validation", r"jsonschema"),
    ("HTTP to the action server (aiohttp client)", r"aiohttp/client|\brequest \(rasa/utils/endpoints"),
    ("deepcopy", r"\bdeepcopy\b"),
    ("project actions (actions/)", r"\(actions/"),
    ("knowledge base (knowledge/)", r"\(knowledge/"),
    ("invoice system (bot/app/invoices/)", r"\(bot/app/invoices/"),
)


def py_spy() -> Optional[str]:
    """The py-spy executable next to this interpreter, or on PATH."""
    local = Path(sys.executable).parent / "py-spy"
    if local.exists():
        return str(local)
    return shutil.which("py-spy")


def start_recording(pid: int, seconds: int, output: Path) -> subprocess.Popen:  # noqa: D103
    """Start sampling ``pid`` for ``seconds`` into ``output`` (collapsed stacks)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [py_spy(), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100",
         "--format", "raw", "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def parse_collapsed(text: str) -> List[Tuple[List[str], int]]:
    """(frames root first, count) per line of py-spy's raw output."""
    stacks = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


# Leaf frames of threads that wait (py-spy's own idle detection misses threads parked in a
# thread pool's queue or in the event loop's C code): not CPU time, left out of the shares.
IDLE_LEAF = re.compile(
    r"^(_worker \(concurrent/futures/thread\.py|serve \(sanic/server/runners\.py|"
    r"select \(selectors\.py|wait \(threading\.py|run_forever \(asyncio/base_events\.py)"
)


def summarise(stacks: List[Tuple[List[str], int]], top: int = 12) -> Dict[str, object]:
    """Sample shares per category (inclusive) and the top self-time frames, over busy samples."""
    idle = sum(count for frames, count in stacks if IDLE_LEAF.match(frames[-1]))
    stacks = [(frames, count) for frames, count in stacks if not IDLE_LEAF.match(frames[-1])]
    total = sum(count for _, count in stacks)
    if not total:
        return {"samples": 0, "idle_samples": idle, "categories": {}, "top_self": []}
    categories: Dict[str, float] = {}
    for name, pattern in CATEGORIES:
        regex = re.compile(pattern)
        hits = sum(count for frames, count in stacks if any(regex.search(f) for f in frames))
        categories[name] = hits / total
    self_time: Counter = Counter()
    for frames, count in stacks:
        self_time[frames[-1]] += count
    return {
        "samples": total,
        "idle_samples": idle,
        "categories": categories,
        "top_self": [(frame, count / total) for frame, count in self_time.most_common(top)],
    }
