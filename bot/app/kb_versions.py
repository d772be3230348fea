"""Versions of the knowledge content edited in the operator console: drafts, validation, a
preview, publishing into the running system, rollback.

A version is the whole content directory as text (``{file name: YAML}``), stored in
``knowledge_versions``. Editors change a draft (one per editor) in forms; the draft is checked
exactly like ``python -m knowledge check`` (it is written to a temporary directory and
`knowledge.loader.check` reads it), previewed on a knowledge base of its own (an in-memory
SQLite database loaded from the draft), and published by `knowledge.loader.load` into the app
database, in one transaction. Published versions stay (state ``superseded``) for rollback, which
publishes a copy of an older version. The action servers see a publication at once for problems,
steps and errors (they read the database on every call) and within `PROBE_SECONDS` for the
cached search indexes (`bot.app.knowledge.KnowledgeService` watches `published_id`).

The repository's YAML files (``knowledge/content``) stay the source the project ships: the
first version is read from them, and ``python -m bot.app.kb_versions load`` (``make knowledge``)
loads the newest console publication while the files are unchanged since it was based on them,
and the files (as a new version) once a developer changed them. ``export <id> <dir>`` writes a
version back as YAML files to commit (docs/operator.md).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml
from sqlalchemy import func, select, update

from bot.app.blocking import off_loop
from bot.app.database import StoredService, from_row
from bot.app.models import KnowledgeVersionRow

PROBE_SECONDS = 2.0
EDITABLE_PROBLEM_FIELDS = ("title", "acknowledgement")
EDITABLE_STEP_FIELDS = ("title", "instructions", "if_not_helped")
EDITABLE_ERROR_FIELDS = ("title", "cause", "fix")
Content = Dict[str, str]


@dataclass(frozen=True)
class VersionInfo:
    """A stored version without its content."""

    id: int
    state: str
    author: str
    note: str
    created_at: datetime
    published_at: Optional[datetime]


class InvalidDraft(ValueError):
    """A draft that does not pass the content check (``errors``: ``file:key: reason`` lines)."""

    def __init__(self, errors: List[str]) -> None:
        super().__init__("; ".join(errors[:3]))
        self.errors = errors


# --- content as files ---------------------------------------------------------------------------

def read_files(content_dir: Path) -> Content:
    """The YAML files of a content directory."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(content_dir).iterdir())
            if p.suffix in (".yml", ".yaml")}


def digest(content: Content) -> str:
    """A hash of the files (names and text)."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def write_files(content: Content, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in content.items():
        if "/" in name or name.startswith("."):
            raise ValueError(f"bad content file name {name!r}")
        (directory / name).write_text(text, encoding="utf-8")


def check_content(content: Content) -> List[str]:
    """The errors ``python -m knowledge check`` reports for these files (empty: valid)."""
    from knowledge.loader import check

    with tempfile.TemporaryDirectory(prefix="kb-draft-") as folder:
        write_files(content, Path(folder))
        return check(folder)


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> Any:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def parse(text: str) -> Any:
    return yaml.safe_load(text)


def dump(data: Any, header: str = "") -> str:
    """YAML as the console writes it (block scalars for multi-line text, keys in order)."""
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)
    return (header + body) if header else body


def _header(text: str) -> str:
    """The leading comment lines of a file (kept when the console rewrites it)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


def problem_of(content: Content, key: str) -> Dict[str, Any]:
    return parse(content[f"{key}.yml"])


def with_problem(content: Content, key: str, data: Dict[str, Any]) -> Content:
    name = f"{key}.yml"
    return {**content, name: dump(data, _header(content[name]))}


def errors_of(content: Content) -> List[Dict[str, Any]]:
    return list(parse(content["errors.yml"]).get("errors") or [])


def with_errors(content: Content, entries: List[Dict[str, Any]]) -> Content:
    data = parse(content["errors.yml"])
    data["errors"] = entries
    return {**content, "errors.yml": dump(data, _header(content["errors.yml"]))}


# --- the stored versions ------------------------------------------------------------------------

class SqlKnowledgeVersions(StoredService):
    """`bot.app.protocols.KnowledgeVersions` in the app database.

    Args:
        session_factory: sessions on the app database (the knowledge tables live there too).
        content_dir: the repository's content files (the first version).
    """

    def __init__(self, session_factory: Any, content_dir: Path, **kwargs: Any) -> None:
        super().__init__(session_factory, **kwargs)
        self._content_dir = Path(content_dir)

    def published_id(self) -> int:
        """The newest published version's id (0: none); synchronous, cheap (the probe)."""
        with self._sessions() as session:
            value = session.execute(select(func.max(KnowledgeVersionRow.id)).where(
                KnowledgeVersionRow.state == "published")).scalar_one()
            return int(value or 0)

    def _published(self, session: Any) -> Optional[KnowledgeVersionRow]:
        return session.execute(select(KnowledgeVersionRow).where(KnowledgeVersionRow.state == "published")
                               .order_by(KnowledgeVersionRow.id.desc()).limit(1)).scalar_one_or_none()

    def _current(self) -> Tuple[int, Content]:
        with self._sessions() as session:
            row = self._published(session)
            if row is not None:
                return row.id, json.loads(row.content_json)
        return 0, read_files(self._content_dir)

    @off_loop
    def current(self) -> Tuple[int, Content]:
        """The published content (version id, files); id 0: the repository's files."""
        return self._current()

    @off_loop
    def draft(self, author: str) -> Content:
        """``author``'s draft, or a new one copied from the published content."""
        with self._sessions() as session:
            row = self._draft_row(session, author)
            if row is not None:
                return json.loads(row.content_json)
        return self._current()[1]

    def _draft_row(self, session: Any, author: str) -> Optional[KnowledgeVersionRow]:
        return session.execute(select(KnowledgeVersionRow).where(
            KnowledgeVersionRow.state == "draft", KnowledgeVersionRow.author == author)
        ).scalar_one_or_none()

    @off_loop
    def has_draft(self, author: str) -> bool:
        with self._sessions() as session:
            return self._draft_row(session, author) is not None

    @off_loop
    def save_draft(self, author: str, content: Content) -> None:
        """Keep ``content`` as ``author``'s draft (not checked: drafts may be half done)."""
        with self._sessions() as session, session.begin():
            row = self._draft_row(session, author)
            if row is None:
                row = KnowledgeVersionRow(state="draft", author=author, note="", created_at=self._clock())
                session.add(row)
            row.content_json = json.dumps(content, ensure_ascii=False)
            row.files_digest = self._base_digest(session)

    def _base_digest(self, session: Any) -> str:
        """The repository files' digest the next publication is based on."""
        row = self._published(session)
        return row.files_digest if row is not None else digest(read_files(self._content_dir))

    @off_loop
    def discard_draft(self, author: str) -> bool:
        with self._sessions() as session, session.begin():
            row = self._draft_row(session, author)
            if row is None:
                return False
            session.delete(row)
            return True

    @off_loop
    def check(self, content: Content) -> List[str]:
        """`check_content` off the event loop."""
        return check_content(content)

    def _publish(self, content: Content, author: str, note: str, files_digest: Optional[str] = None) -> int:
        from knowledge.loader import load

        errors = check_content(content)
        if errors:
            raise InvalidDraft(errors)
        with tempfile.TemporaryDirectory(prefix="kb-publish-") as folder:
            write_files(content, Path(folder))
            load(self._sessions, folder)
        now = self._clock()
        with self._sessions() as session, session.begin():
            base = files_digest or self._base_digest(session)
            session.execute(update(KnowledgeVersionRow).where(KnowledgeVersionRow.state == "published")
                            .values(state="superseded"))
            row = KnowledgeVersionRow(state="published", author=author, note=note[:200],
                                      content_json=json.dumps(content, ensure_ascii=False),
                                      files_digest=base, created_at=now, published_at=now)
            session.add(row)
            draft = self._draft_row(session, author)
            if draft is not None:
                session.delete(draft)
            session.flush()
            return int(row.id)

    @off_loop
    def publish(self, author: str, note: str = "") -> int:
        """Check and publish ``author``'s draft (raises `InvalidDraft`); the new version's id."""
        with self._sessions() as session:
            row = self._draft_row(session, author)
            if row is None:
                raise InvalidDraft(["没有草稿可发布。"])
            content = json.loads(row.content_json)
        return self._publish(content, author, note)

    @off_loop
    def rollback(self, version_id: int, author: str) -> int:
        """Publish a copy of version ``version_id`` (raises KeyError when there is none)."""
        with self._sessions() as session:
            row = session.get(KnowledgeVersionRow, version_id)
            if row is None or row.state == "draft":
                raise KeyError(version_id)
            content, base = json.loads(row.content_json), row.files_digest
        return self._publish(content, author, f"回滚到版本 {version_id}", base)

    @off_loop
    def versions(self, limit: int = 30) -> List[VersionInfo]:
        """Published and superseded versions, newest first."""
        with self._sessions() as session:
            rows = session.execute(select(KnowledgeVersionRow).where(KnowledgeVersionRow.state != "draft")
                                   .order_by(KnowledgeVersionRow.id.desc()).limit(limit)).scalars()
            return [from_row(VersionInfo, r) for r in rows]

    def load_for_start(self) -> str:
        """What ``make knowledge`` loads: the newest publication while the repository files are
        the ones it was based on, else the files (published as a new version)."""
        from knowledge.loader import load

        files = read_files(self._content_dir)
        with self._sessions() as session:
            row = self._published(session)
            published = (row.id, json.loads(row.content_json), row.files_digest) if row is not None else None
        if published is not None and published[2] == digest(files):
            with tempfile.TemporaryDirectory(prefix="kb-start-") as folder:
                write_files(published[1], Path(folder))
                report = load(self._sessions, folder)
            return f"console version {published[0]}: {report}"
        if published is None:
            report = load(self._sessions, self._content_dir)
            return f"repository files: {report}"
        version = self._publish(files, "repository", "仓库中的内容文件已更新", digest(files))
        return (f"repository files changed since console version {published[0]}: published them as "
                f"version {version} (export {published[0]} to see the console's edits)")

    def export(self, version_id: int, directory: Path) -> None:
        """Write a version's files into ``directory``."""
        with self._sessions() as session:
            row = session.get(KnowledgeVersionRow, version_id)
            if row is None:
                raise KeyError(version_id)
            write_files(json.loads(row.content_json), Path(directory))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m bot.app.kb_versions load | list | export <id> <dir>``."""
    from bot.app import container

    parser = argparse.ArgumentParser(prog="python -m bot.app.kb_versions", description="knowledge versions")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("load", help="load the newest console version or the repository's files")
    sub.add_parser("list", help="list published versions")
    export = sub.add_parser("export", help="write a version's YAML files into a directory")
    export.add_argument("version", type=int)
    export.add_argument("directory")
    args = parser.parse_args(argv)
    services = container.current()
    store = SqlKnowledgeVersions(services.app_sessions(), services.settings().knowledge_content_dir)
    if args.command == "load":
        print(store.load_for_start())
    elif args.command == "list":
        with store._sessions() as session:
            for row in session.execute(select(KnowledgeVersionRow).order_by(KnowledgeVersionRow.id)).scalars():
                print(f"{row.id}\t{row.state}\t{row.author}\t{row.published_at or row.created_at}\t{row.note}")
    else:
        try:
            store.export(args.version, Path(args.directory))
        except KeyError:
            print(f"no version {args.version}", file=sys.stderr)
            return 1
        print(f"wrote version {args.version} to {args.directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


@dataclass(frozen=True)
class PreviewAnswer:
    """What the assistant would answer from a draft (`preview`)."""

    kind: str  # problem | error | search | none
    title: str
    lines: List[str]


def preview_answer(content: Content, text: str, intent: Optional[str], known_error: Optional[str]) -> PreviewAnswer:
    """Answer ``text`` from ``content`` the way a new conversation starts: a pasted error's fix,
    a problem's acknowledgement and first step, else the best knowledge-base match. ``intent``
    and ``known_error`` come from the running NLU (Rasa's ``/model/parse``)."""
    from sqlalchemy.pool import StaticPool

    from knowledge.db import create_schema, make_engine, make_session_factory
    from knowledge.engine import Troubleshooter
    from knowledge.loader import load
    from knowledge.repository import KnowledgeBase
    from knowledge.types import PROBLEM_KEYS

    engine = make_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    try:
        create_schema(engine)
        sessions = make_session_factory(engine)
        with tempfile.TemporaryDirectory(prefix="kb-preview-") as folder:
            write_files(content, Path(folder))
            load(sessions, folder)
        kb = KnowledgeBase(sessions)
        if known_error:
            entry = kb.known_error(known_error)
            if entry is not None:
                return PreviewAnswer("error", entry.title, [entry.cause, entry.fix])
        if intent in PROBLEM_KEYS:
            problem = kb.problem(intent)
            if problem is not None:
                step = Troubleshooter(kb).start(intent)
                return PreviewAnswer("problem", problem.title, [
                    problem.acknowledgement, f"第 {step.number}/{step.total} 步：{step.title}", step.instructions])
        hits = kb.search(text, 1)
        if hits:
            return PreviewAnswer("search", hits[0].title, [hits[0].answer])
        return PreviewAnswer("none", "", [])
    finally:
        engine.dispose()
