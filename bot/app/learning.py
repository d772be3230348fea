"""The learning loop: messages the assistant understood badly, exported as a labelling file.

Three kinds of user message are worth a person's label (issue 10):

* ``fallback`` — the intent classifier was unsure (the NLU answer was ``nlu_fallback``); when
  the user then picked one of the problems the assistant offered (a button), the pick is kept as
  ``user_chose`` and the example is filed under it: a label suggested by the user;
* ``rerouted`` — within the next two messages the user named a different problem, or said it was
  not their problem (``wrong_problem``, "不是这个问题"): the first reading was probably wrong;
* ``ticket`` — the message that described the problem in a conversation that ended in a ticket
  (the steps did not help, or the user gave up on the assistant).

``python -m bot.app.learning export [--since 30d] [--out FILE]`` reads Rasa's SQL tracker store
(``TRACKER_STORE_URL``) and writes a Rasa NLU YAML file: one block per intent the model chose, each
example with its reasons, how often it was seen and a hashed conversation id — personal data
masked (`bot.zhtext.mask_personal_data`). A person moves each example to its right intent,
following docs/understanding.md's labelling rules, and adds the file to ``data/nlu/``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import sqlalchemy as sa
import yaml

from bot.app.privacy import TRACKER_EVENTS_TABLE, parse_age
from bot.app.settings import PROJECT_ROOT, Settings
from bot.zhtext import mask_personal_data, normalise_for_nlu
from knowledge.types import PROBLEM_KEYS

FALLBACK, REROUTED, TICKET = "fallback", "rerouted", "ticket"
#: User messages after a problem within which naming another problem counts as a re-route.
REROUTE_WINDOW = 2
#: The intent of "不是这个问题 / 你理解错了".
WRONG_PROBLEM = "wrong_problem"
DEFAULT_OUT = PROJECT_ROOT / "results" / "learning" / "to_label.yml"


@dataclass
class Candidate:
    """One message text to label, with why and how often it came up."""

    text: str
    predicted: str
    reasons: "OrderedDict[str, None]" = field(default_factory=OrderedDict)
    conversations: "OrderedDict[str, None]" = field(default_factory=OrderedDict)
    chosen: "OrderedDict[str, None]" = field(default_factory=OrderedDict)

    @property
    def count(self) -> int:
        return len(self.conversations)

    @property
    def intent_to_file_under(self) -> str:
        """The problem the users picked when they all picked the same one, else the model's."""
        if len(self.chosen) == 1:
            return next(iter(self.chosen))
        return self.predicted or "nlu_fallback"


@dataclass(frozen=True)
class UserTurn:
    """A user message of a conversation, as the tracker store holds it."""

    text: str
    intent: str
    timestamp: float
    button: bool = False


def _hashed(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:12]


def conversations(tracker_store_url: str, since: Optional[datetime] = None) -> Dict[str, List[Tuple[str, Any]]]:
    """Events by conversation, oldest first: ``("user", UserTurn)`` or ``("ticket", None)``."""
    engine = sa.create_engine(tracker_store_url, future=True)
    try:
        if not sa.inspect(engine).has_table(TRACKER_EVENTS_TABLE):
            return {}
        table = sa.Table(TRACKER_EVENTS_TABLE, sa.MetaData(), autoload_with=engine)
        query = sa.select(table.c.sender_id, table.c.type_name, table.c.action_name, table.c.data,
                          table.c.timestamp).order_by(table.c.sender_id, table.c.timestamp, table.c.id)
        if since is not None:
            query = query.where(table.c.timestamp >= since.timestamp())
        found: Dict[str, List[Tuple[str, Any]]] = {}
        with engine.connect() as connection:
            for sender, kind, action, data, timestamp in connection.execute(query):
                if kind == "user":
                    turn = _user_turn(data, timestamp)
                    if turn is not None:
                        found.setdefault(sender, []).append(("user", turn))
                elif kind == "action" and action == "action_create_ticket":
                    found.setdefault(sender, []).append(("ticket", None))
        return found
    finally:
        engine.dispose()


def _user_turn(data: Any, timestamp: float) -> Optional[UserTurn]:
    try:
        event = json.loads(data) if isinstance(data, str) else dict(data or {})
    except (TypeError, ValueError):
        return None
    text = event.get("text") or ""
    if not isinstance(text, str) or not text.strip():
        return None
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
    return UserTurn(text.strip(), str(intent), float(timestamp or 0), button=text.startswith("/"))


def _picked(after: Sequence[UserTurn]) -> Optional[str]:
    """The problem clicked right after an unsure message, unless the user then said it was not
    theirs ("不是这个问题")."""
    if not after or not after[0].button or after[0].intent not in PROBLEM_KEYS:
        return None
    then = next((turn for turn in after[1:] if not turn.button), None)
    return None if then is not None and then.intent == WRONG_PROBLEM else after[0].intent


def candidates(events_by_conversation: Dict[str, List[Tuple[str, Any]]]) -> List[Candidate]:
    """The messages to label, most frequent first (texts compared after normalisation)."""
    found: "OrderedDict[str, Candidate]" = OrderedDict()

    def add(turn: UserTurn, reason: str, conversation: str, chosen: Optional[str] = None) -> None:
        key = normalise_for_nlu(turn.text).strip()
        candidate = found.setdefault(key, Candidate(mask_personal_data(turn.text), turn.intent))
        candidate.reasons[reason] = None
        candidate.conversations[conversation] = None
        if chosen:
            candidate.chosen[chosen] = None

    for sender, events in events_by_conversation.items():
        conversation = _hashed(sender)
        said = [turn for kind, turn in events if kind == "user"]
        for position, turn in enumerate(said):
            if turn.intent == "nlu_fallback" and not turn.button:
                add(turn, FALLBACK, conversation, _picked(said[position + 1:]))
        turns = [turn for turn in said if not turn.button]  # button payloads are not wording
        for position, turn in enumerate(turns):
            if turn.intent in PROBLEM_KEYS:
                later = turns[position + 1:position + 1 + REROUTE_WINDOW]
                if any(t.intent == WRONG_PROBLEM or (t.intent in PROBLEM_KEYS and t.intent != turn.intent)
                       for t in later):
                    add(turn, REROUTED, conversation)
        problem_turn: Optional[UserTurn] = None
        for kind, turn in events:
            if kind == "user" and not turn.button and turn.intent in PROBLEM_KEYS:
                problem_turn = turn
            elif kind == "ticket" and problem_turn is not None:
                add(problem_turn, TICKET, conversation)
                problem_turn = None
    return sorted(found.values(), key=lambda c: -c.count)


def labelling_file(found: Sequence[Candidate]) -> str:
    """A Rasa NLU YAML file of the candidates, grouped by the intent the users picked or else
    the one the model chose."""
    by_intent: "OrderedDict[str, List[Dict[str, Any]]]" = OrderedDict()
    for candidate in found:
        metadata: Dict[str, Any] = {"source": "conversation", "reasons": list(candidate.reasons),
                                    "seen": candidate.count, "conversations": list(candidate.conversations)[:5]}
        if candidate.chosen:
            metadata["user_chose"] = list(candidate.chosen)
        by_intent.setdefault(candidate.intent_to_file_under, []).append(
            {"text": candidate.text, "metadata": metadata})
    header = ("# Messages the assistant understood badly (python -m bot.app.learning export), grouped by\n"
              "# the problem the users picked when the assistant was unsure (user_chose), else by the\n"
              "# intent the model chose. Personal data is masked. Move each example to its right\n"
              "# intent by docs/understanding.md's labelling rules (nlu_fallback is not an intent),\n"
              "# delete what is not worth keeping, then add the file to data/nlu/.\n")
    document = {"version": "3.1",
                "nlu": [{"intent": intent, "examples": examples} for intent, examples in by_intent.items()]}
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def main(argv: Optional[Iterable[str]] = None) -> int:
    """``export [--since 30d] [--out FILE]``."""
    parser = argparse.ArgumentParser(prog="python -m bot.app.learning", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="write the labelling file")
    export.add_argument("--since", default="30d", help="how far back (e.g. 30d, 12h); default 30d")
    export.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        since = datetime.now(timezone.utc) - parse_age(args.since)
    except ValueError as error:
        print(f"--since: {error}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    found = candidates(conversations(settings.tracker_store_url, since))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(labelling_file(found), encoding="utf-8")
    print(f"{len(found)} messages to label written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
