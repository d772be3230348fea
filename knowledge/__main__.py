"""Command line: ``python -m knowledge check|load [--content DIR] [--database-url URL]``.

Exit codes: 0 success, 1 invalid content, 2 database error.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

DEFAULT_DATABASE_URL = "sqlite:///var/app.db"


def _parser() -> argparse.ArgumentParser:
    from knowledge.loader import DEFAULT_CONTENT_DIR

    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("check", "validate the YAML content"),
                       ("load", "validate the content and load it into the database")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--content", default=str(DEFAULT_CONTENT_DIR),
                             help="content directory (default: %(default)s)")
        if name == "load":
            command.add_argument(
                "--database-url", default=os.environ.get("APP_DATABASE_URL", DEFAULT_DATABASE_URL),
                help="SQLAlchemy URL (default: $APP_DATABASE_URL or %s, relative to the "
                     "working directory)" % DEFAULT_DATABASE_URL)
    return parser


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "unparsable URL"


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    from knowledge.loader import check, load

    errors = check(args.content)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        print(f"{len(errors)} error(s) in {args.content}", file=sys.stderr)
        return 1
    if args.command == "check":
        print(f"ok: {args.content}")
        return 0

    from sqlalchemy.exc import SQLAlchemyError

    from knowledge.db import make_engine, make_session_factory
    from knowledge.errors import ContentError, StorageError

    try:
        report = load(make_session_factory(make_engine(args.database_url)), args.content)
    except ContentError as exc:
        print("\n".join(exc.errors), file=sys.stderr)
        return 1
    except (SQLAlchemyError, StorageError) as exc:
        reason = getattr(exc, "orig", None) or exc
        print(f"database error ({_redacted(args.database_url)}): {reason}".strip(), file=sys.stderr)
        return 2
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
