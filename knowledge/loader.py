"""Load the YAML content into the database.

``load(session_factory, content_dir)`` refuses invalid content (`ContentError`, see
`knowledge.reader.check`) and otherwise synchronises the tables with the files: each row
carries a content hash, so loading unchanged content changes nothing and the `LoadReport`
lists exactly what was added, changed or removed. Announcements created in the operator
console (``source='console'``) are never touched.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError

from knowledge import schema
from knowledge.db import create_schema
from knowledge.errors import ContentError, StorageError
from knowledge.models import (
    AnnouncementRow,
    CheckRow,
    FaqRow,
    FollowUpLevelRow,
    GeneralTipRow,
    KnownErrorRow,
    ProblemQuestionRow,
    ProblemRow,
    ProblemTipRow,
    ServiceLevelRow,
    StepContextRow,
    StepRow,
    StepSkipRow,
    SupportChannelRow,
)
from knowledge.reader import (  # noqa: F401 - re-exported: the loader is the documented entry point
    DEFAULT_CONTENT_DIR,
    Content,
    PathLike,
    check,
    read_content,
    read_document,
)
from knowledge.types import ServiceLevel


@dataclass(frozen=True)
class LoadReport:
    """What a load did, as ``kind:key`` labels (e.g. ``problem:login_failure``).

    Attributes:
        added: Labels of new rows.
        changed: Labels of rows whose content changed.
        removed: Labels of rows that are no longer in the content.
        unchanged: Number of rows left as they were.
    """

    added: Tuple[str, ...] = ()
    changed: Tuple[str, ...] = ()
    removed: Tuple[str, ...] = ()
    unchanged: int = 0

    @property
    def has_changes(self) -> bool:
        """Whether the load changed anything."""
        return bool(self.added or self.changed or self.removed)

    def __str__(self) -> str:
        lines = [f"added {len(self.added)}, changed {len(self.changed)}, "
                 f"removed {len(self.removed)}, unchanged {self.unchanged}"]
        for sign, labels in (("+", self.added), ("~", self.changed), ("-", self.removed)):
            lines += [f"  {sign} {label}" for label in labels]
        return "\n".join(lines)


@dataclass
class _Tally:
    added: List[str] = field(default_factory=list)
    changed: List[str] = field(default_factory=list)
    removed: List[str] = field(default_factory=list)
    unchanged: int = 0

    def report(self) -> LoadReport:
        return LoadReport(tuple(self.added), tuple(self.changed), tuple(self.removed), self.unchanged)


def content_hash(spec: Any) -> str:
    """SHA-256 of a spec's canonical JSON form."""
    canonical = json.dumps(spec, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load(session_factory, content_dir: PathLike = DEFAULT_CONTENT_DIR) -> LoadReport:
    """Synchronise the database with the content, in one transaction.

    Creates missing tables first. Idempotent: a second load of the same content reports no
    change.

    Args:
        session_factory: A SQLAlchemy ``sessionmaker`` (2.0 style).
        content_dir: Directory holding the YAML files.

    Returns:
        What was added, changed and removed.

    Raises:
        ContentError: If the content is invalid, or an announcement id is already used by a
            console announcement. Nothing is changed then.
        StorageError: If the database fails.
    """
    content = read_content(content_dir)
    for attempt in (1, 2):
        tally = _Tally()
        try:
            with session_factory() as session:
                create_schema(session.get_bind())
                with session.begin():
                    _load_all(session, content, tally)
            return tally.report()
        except (IntegrityError, OperationalError, ProgrammingError) as exc:
            # Several processes may load at start-up: the loser of a race (duplicate key, table
            # created meanwhile, SQLite lock) retries once and then sees the winner's rows.
            if attempt == 2:
                raise StorageError(f"loading the knowledge base failed: {getattr(exc, 'orig', exc)}") from exc
        except SQLAlchemyError as exc:
            raise StorageError(f"loading the knowledge base failed: {getattr(exc, 'orig', exc)}") from exc
    raise AssertionError("unreachable")


def _load_all(session, content: Content, tally: _Tally) -> None:
    support = content.shared["support.yml"]
    level = ServiceLevel.from_spec(support["service_level"])
    levels = [{"priority": p, "hours": h, "text": level.summary(p)} for p, h in level.hours]
    stale_levels = _sync(session, tally, FollowUpLevelRow, "priority", "follow_up", levels,
                         lambda s: {"hours": s["hours"], "text": s["text"]}, defer_removal=True)
    _sync(session, tally, ServiceLevelRow, "key", "service_level",
          [{"key": "default", "opens": support["service_level"]["opens"],
            "closes": support["service_level"]["closes"], "texts": support["service_level"]["texts"]}],
          lambda s: {k: s[k] for k in ("opens", "closes", "texts")})
    _sync_problems(session, content.problems, tally)
    for row in stale_levels:
        session.delete(row)
    _sync(session, tally, KnownErrorRow, "key", "error", content.shared["errors.yml"]["errors"],
          _error_fields)
    _sync(session, tally, SupportChannelRow, "key", "channel", support["channels"],
          lambda s: {k: s[k] for k in ("name", "contact", "hours", "description")})
    _sync(session, tally, GeneralTipRow, "tip_key", "tip",
          [{"tip_key": t["id"], "text": t["text"]} for t in content.shared["prevention.yml"]["tips"]],
          lambda s: {"text": s["text"]})
    _sync(session, tally, FaqRow, "key", "faq", content.shared["faq.yml"]["entries"],
          lambda s: {k: s[k] for k in ("question", "variants", "answer")})
    _sync_announcements(session, content.shared["announcements.yml"]["announcements"], tally)


def _sync(session, tally: _Tally, model, key_attr: str, label: str, specs: List[dict],
          fields: Callable[[dict], dict], where=(), extra: Optional[Callable[[Any, dict], None]] = None,
          defer_removal: bool = False) -> list:
    """Upsert keyed rows of ``model`` from ``specs``; remove (or return) rows not in them."""
    existing = {getattr(r, key_attr): r for r in session.execute(select(model).where(*where)).scalars()}
    for position, spec in enumerate(specs):
        key = spec[key_attr]
        digest = content_hash({**spec, "position": position})
        row = existing.pop(key, None)
        if row is None:
            row = model(**{key_attr: key}, content_hash=digest, **fields(spec))
            if hasattr(model, "position"):
                row.position = position
            session.add(row)
            tally.added.append(f"{label}:{key}")
        elif row.content_hash != digest:
            for name, value in fields(spec).items():
                setattr(row, name, value)
            if hasattr(model, "position"):
                row.position = position
            row.content_hash = digest
            tally.changed.append(f"{label}:{key}")
        else:
            tally.unchanged += 1
            continue
        if extra is not None:
            extra(row, spec)
    tally.removed += [f"{label}:{key}" for key in existing]
    if not defer_removal:
        for row in existing.values():
            session.delete(row)
    session.flush()
    return list(existing.values()) if defer_removal else []


def _problem_fields(spec: dict) -> dict:
    return {
        "title": spec["title"],
        "acknowledgement": spec["acknowledgement"],
        "symptoms": spec["symptoms"],
        "causes": spec["causes"],
        "escalation_when": spec["escalation"]["when"],
        "escalation_needs": spec["escalation"]["needs"],
        "escalation_priority": spec["escalation"]["priority"],
    }


def _error_fields(spec: dict) -> dict:
    return {
        "problem_key": spec["problem"],
        "platform": spec["platform"],
        "title": spec["title"],
        **{name: spec["match"][name] for name in ("codes", "texts", "patterns")},
        "cause": spec["cause"],
        "fix": spec["fix"],
        "escalate": spec["escalate"],
        "source": spec["source"],
    }


def _replace_children(session, row: ProblemRow, spec: dict) -> None:
    # Flush the removals before inserting: the unit of work would otherwise insert first and
    # trip the (problem_id, position) unique constraints. A step's context and skip conditions
    # go with it (ON DELETE CASCADE).
    row.checks.clear()
    row.steps.clear()
    row.tips.clear()
    row.general_questions.clear()
    session.flush()
    row.checks.extend(
        CheckRow(position=i, check_key=c["id"], performed_by=c["performed_by"],
                 check_name=c["check"], description=c["description"])
        for i, c in enumerate(spec["checks"]))
    row.steps.extend(
        StepRow(position=i, step_key=s["id"], title=s["title"], instructions=s["instructions"],
                if_not_helped=s["if_not_helped"],
                context=[StepContextRow(position=j, kind=e["kind"], asks=e["asks"], answer=e["answer"],
                                        implies=e["implies"])
                         for j, e in enumerate(s["context"])],
                skips=[StepSkipRow(condition=c) for c in s["skip_when"]])
        for i, s in enumerate(spec["steps"]))
    row.tips.extend(ProblemTipRow(position=i, tip_key=t["id"], text=t["text"])
                    for i, t in enumerate(spec["tips"]))
    row.general_questions.extend(
        ProblemQuestionRow(position=i, kind=e["kind"], asks=e["asks"], answer=e["answer"],
                           implies=e["implies"])
        for i, e in enumerate(spec["general_questions"]))


def _sync_problems(session, problems: Dict[str, dict], tally: _Tally) -> None:
    _sync(session, tally, ProblemRow, "key", "problem", list(problems.values()), _problem_fields,
          extra=lambda row, spec: _replace_children(session, row, spec))


def _sync_announcements(session, specs: List[dict], tally: _Tally) -> None:
    ids = [a["id"] for a in specs]
    taken = set(session.execute(select(AnnouncementRow.key).where(
        AnnouncementRow.source == "console", AnnouncementRow.key.in_(ids))).scalars())
    if taken:
        raise ContentError(
            f"announcements.yml:announcements[{i}].id: {a['id']!r} is already used by a console announcement"
            for i, a in enumerate(specs) if a["id"] in taken)
    problems = {p.key: p for p in session.execute(select(ProblemRow)).scalars()}

    def fields(spec: dict) -> dict:
        return {
            "source": "content",
            "kind": spec["kind"],
            "title": spec["title"],
            "message": spec["message"],
            **{name: schema.parse_datetime(spec[name])
               for name in ("starts_at", "ends_at", "expected_recovery")},
            "problems": [problems[key] for key in spec["affects"]],
        }

    _sync(session, tally, AnnouncementRow, "key", "announcement",
          [{"key": a["id"], **{k: v for k, v in a.items() if k != "id"}} for a in specs],
          fields, where=(AnnouncementRow.source == "content",))
