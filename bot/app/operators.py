"""Operator accounts of the console: user names, roles and argon2id password hashes.

Roles, each including the one before: ``agent`` (tickets, live hand-over, feedback, dashboard),
``editor`` (+ announcements and the knowledge base), ``admin`` (+ accounts). Passwords are
hashed with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile) and re-hashed on login
when those parameters change. An unknown user name costs as much time as a wrong password.

Command line (same settings as the servers, ``APP_DATABASE_URL``)::

    python -m bot.app.operators add <name> --role agent [--display-name 王芳]   # asks for the password
    python -m bot.app.operators list
    python -m bot.app.operators password <name>
    python -m bot.app.operators disable <name>

``--password-stdin`` reads the password from the first line of standard input (scripts).
"""
from __future__ import annotations

import argparse
import getpass
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional, Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from bot.app.blocking import off_loop
from bot.app.database import StoredService, from_row, one_row
from bot.app.models import OperatorRow

ROLES = ("agent", "editor", "admin")
ROLE_NAMES = {"agent": "客服", "editor": "编辑", "admin": "管理员"}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
BOOTSTRAP_ADMIN = "admin"

_hasher = PasswordHasher()  # argon2id
#: Verified against when the user name is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class InvalidOperator(ValueError):
    """A user name, role or password that cannot be stored (the message says which, in Chinese)."""


@dataclass(frozen=True)
class Operator:
    """An operator as the console sees it (never the hash)."""

    username: str
    display_name: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: Optional[datetime]

    @property
    def name(self) -> str:
        """What colleagues and users see: the display name, else the user name."""
        return self.display_name or self.username

    def may(self, role: str) -> bool:
        """Whether this operator has ``role`` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)


def has_role(role: str, needed: str) -> bool:
    """Whether ``role`` includes ``needed``."""
    return ROLES.index(role) >= ROLES.index(needed)


def check_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME.match(name):
        raise InvalidOperator("用户名应为 2–32 个小写字母、数字、点、下划线或连字符，以字母或数字开头。")
    return name


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidOperator(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符。")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidOperator(f"密码不能超过 {MAX_PASSWORD_LENGTH} 个字符。")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidOperator(f"角色应为 {', '.join(ROLES)} 之一。")
    return role


def _to_operator(row: OperatorRow) -> Operator:
    return from_row(Operator, row, active=bool(row.active))


class SqlOperatorStore(StoredService):
    """Operators in the application database (`bot.app.protocols.OperatorDirectory`)."""

    @off_loop
    def add(self, username: str, password: str, role: str = "agent", display_name: str = "") -> Operator:
        """Create an operator (raises `InvalidOperator`, also when the name is taken)."""
        username, role = check_username(username), check_role(role)
        digest = _hasher.hash(check_password(password))
        with self._sessions() as session, session.begin():
            if one_row(session, OperatorRow, OperatorRow.username == username) is not None:
                raise InvalidOperator(f"用户名 {username} 已存在。")
            row = OperatorRow(username=username, display_name=(display_name or "").strip()[:64],
                              role=role, password_hash=digest, active=True, created_at=self._clock())
            session.add(row)
            session.flush()
            return _to_operator(row)

    @off_loop
    def authenticate(self, username: str, password: str) -> Optional[Operator]:
        """The active operator whose password this is, or None (same cost either way)."""
        name = (username or "").strip().lower()
        if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
            return None
        with self._sessions() as session, session.begin():
            row = one_row(session, OperatorRow, OperatorRow.username == name) if USERNAME.match(name) else None
            digest = row.password_hash if row is not None and row.active else _DUMMY_HASH
            try:
                _hasher.verify(digest, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return None
            if row is None or not row.active:
                return None
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
            row.last_login_at = self._clock()
            return _to_operator(row)

    @off_loop
    def get(self, username: str) -> Optional[Operator]:
        """The operator named ``username`` (active or not), or None."""
        with self._sessions() as session:
            row = one_row(session, OperatorRow, OperatorRow.username == (username or "").strip().lower())
            return _to_operator(row) if row is not None else None

    @off_loop
    def all(self) -> List[Operator]:
        """Every operator, by user name."""
        with self._sessions() as session:
            return [_to_operator(r) for r in
                    session.execute(select(OperatorRow).order_by(OperatorRow.username)).scalars()]

    @off_loop
    def count(self) -> int:
        """How many operators exist (active or not)."""
        with self._sessions() as session:
            return int(session.execute(select(func.count()).select_from(OperatorRow)).scalar_one())

    @off_loop
    def update(self, username: str, *, role: Optional[str] = None, active: Optional[bool] = None,
               display_name: Optional[str] = None, password: Optional[str] = None) -> Optional[Operator]:
        """Change an operator; None when there is none with that name."""
        digest = _hasher.hash(check_password(password)) if password is not None else None
        with self._sessions() as session, session.begin():
            row = one_row(session, OperatorRow, OperatorRow.username == (username or "").strip().lower())
            if row is None:
                return None
            if role is not None:
                row.role = check_role(role)
            if active is not None:
                row.active = active
            if display_name is not None:
                row.display_name = display_name.strip()[:64]
            if digest is not None:
                row.password_hash = digest
            return _to_operator(row)

    @off_loop
    def bootstrap(self, password: str) -> Optional[Operator]:
        """Create ``admin`` with ``password`` when no operator exists yet; None otherwise."""
        if not password:
            return None
        digest = _hasher.hash(check_password(password))
        with self._sessions() as session, session.begin():
            if session.execute(select(func.count()).select_from(OperatorRow)).scalar_one():
                return None
            row = OperatorRow(username=BOOTSTRAP_ADMIN, display_name="管理员", role="admin",
                              password_hash=digest, active=True, created_at=self._clock())
            session.add(row)
            session.flush()
            return _to_operator(row)


# --- command line -------------------------------------------------------------------------------

def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码: ")
    if getpass.getpass("再输入一次: ") != first:
        raise InvalidOperator("两次输入的密码不一致。")
    return first


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m bot.app.operators add|list|password|disable|enable|role``."""
    import asyncio

    from bot.app import container

    parser = argparse.ArgumentParser(prog="python -m bot.app.operators", description="operator accounts")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add an operator (asks for the password)")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--display-name", default="")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    sub.add_parser("list", help="list operators")
    password = sub.add_parser("password", help="set a new password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    for name in ("disable", "enable"):
        sub.add_parser(name, help=f"{name} an operator").add_argument("username")
    role = sub.add_parser("role", help="change an operator's role")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    args = parser.parse_args(argv)
    store = container.current().operators()

    async def run() -> int:
        if args.command == "add":
            made = await store.add(args.username, _read_password(args.password_stdin), args.role,
                                   args.display_name)
            print(f"added {made.username} ({made.role})")
        elif args.command == "list":
            for op in await store.all():
                state = "active" if op.active else "disabled"
                print(f"{op.username}\t{op.role}\t{state}\t{op.display_name}")
        else:
            changes: dict = {}
            if args.command == "password":
                changes["password"] = _read_password(args.password_stdin)
            elif args.command in ("disable", "enable"):
                changes["active"] = args.command == "enable"
            elif args.command == "role":
                changes["role"] = args.role
            changed = await store.update(args.username, **changes)
            if changed is None:
                print(f"no operator named {args.username}", file=sys.stderr)
                return 1
            print(f"{args.command}: {changed.username} ({changed.role}, "
                  f"{'active' if changed.active else 'disabled'})")
        return 0

    try:
        return asyncio.run(run())
    except InvalidOperator as error:
        print(str(error), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
