"""Operator accounts: argon2id hashes, roles, bootstrap, the command line."""
from __future__ import annotations

import io

import pytest

from bot.app import container
from bot.app.database import make_app_session_factory
from bot.app.models import OperatorRow
from bot.app.operators import InvalidOperator, SqlOperatorStore, has_role, main


@pytest.fixture()
def sessions(tmp_path):
    return make_app_session_factory(f"sqlite:///{tmp_path}/app.db")


@pytest.fixture()
def store(sessions):
    return SqlOperatorStore(sessions)


async def test_passwords_are_stored_as_argon2id_hashes(store, sessions):
    await store.add("wangfang", "correct horse", "agent", "王芳")
    with sessions() as session:
        digest = session.query(OperatorRow).one().password_hash
    assert digest.startswith("$argon2id$") and "correct horse" not in digest
    signed_in = await store.authenticate("WangFang", "correct horse")
    assert signed_in is not None and signed_in.name == "王芳" and signed_in.last_login_at is not None
    assert await store.authenticate("wangfang", "wrong horse") is None
    assert await store.authenticate("nobody", "correct horse") is None


async def test_names_roles_and_passwords_are_checked(store):
    with pytest.raises(InvalidOperator):
        await store.add("x", "correct horse")
    with pytest.raises(InvalidOperator):
        await store.add("good_name", "short")
    with pytest.raises(InvalidOperator):
        await store.add("good_name", "correct horse", "boss")
    await store.add("good_name", "correct horse")
    with pytest.raises(InvalidOperator, match="已存在"):
        await store.add("good_name", "another pass")


async def test_disabled_operators_cannot_sign_in_and_roles_nest(store):
    await store.add("lisi", "correct horse", "editor")
    await store.update("lisi", active=False)
    assert await store.authenticate("lisi", "correct horse") is None
    changed = await store.update("lisi", active=True, role="admin", password="new password!")
    assert changed.may("editor") and changed.may("agent")
    assert await store.authenticate("lisi", "new password!") is not None
    assert has_role("admin", "agent") and not has_role("agent", "editor")
    assert await store.update("nobody", active=False) is None


async def test_bootstrap_creates_admin_only_in_an_empty_directory(store):
    assert await store.bootstrap("") is None
    admin = await store.bootstrap("first-admin-pass")
    assert admin.username == "admin" and admin.role == "admin"
    assert await store.bootstrap("other-admin-pass") is None
    assert await store.count() == 1


def test_command_line_adds_lists_and_disables(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("APP_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    container.use(None)
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
        assert main(["add", "zhangsan", "--role", "editor", "--display-name", "张三", "--password-stdin"]) == 0
        assert main(["list"]) == 0
        assert "zhangsan\teditor\tactive\t张三" in capsys.readouterr().out
        assert main(["disable", "zhangsan"]) == 0
        monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
        assert main(["add", "lisi", "--password-stdin"]) == 2
        assert main(["disable", "nobody"]) == 1
    finally:
        container.use(None)
