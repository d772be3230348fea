"""Loading is idempotent, reports what changed, and never touches console announcements."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from knowledge.errors import ContentError
from knowledge.loader import load
from knowledge.models import AnnouncementRow, StepRow
from knowledge.repository import KnowledgeBase
from knowledge.types import PROBLEM_KEYS

from .conftest import edit_document


def test_first_load_adds_everything(sessions, content_dir: Path):
    report = load(sessions, content_dir)

    assert {f"problem:{key}" for key in PROBLEM_KEYS} <= set(report.added)
    assert {"channel:hotline", "follow_up:urgent", "faq:special_vs_general", "tip:backup_data",
            "announcement:incident-2024-10-29-login-query"} <= set(report.added)
    assert report.changed == () and report.removed == () and report.unchanged == 0


def test_reloading_unchanged_content_changes_nothing(sessions, content_dir: Path):
    first = load(sessions, content_dir)

    second = load(sessions, content_dir)

    assert not second.has_changes
    assert second.unchanged == len(first.added)
    assert str(second).startswith("added 0, changed 0, removed 0")


def _edit_step(data):
    data["steps"][1]["instructions"] += "\n4. 再试一次。"


def _edit_answer(data):
    data["entries"][2]["answer"] += "如有疑问请咨询12366。"


def _edit_channel(data):
    data["channels"][0]["hours"] = "每天 8:00-20:00"


def _edit_announcement(data):
    data["announcements"][0]["title"] = "发票系统登录、开票和查询异常"


def _edit_tip(data):
    data["tips"][0]["text"] = "每月底审核一次发票记录。"


def _edit_level(data):
    data["service_level"]["respond_within_working_hours"]["urgent"] = 2


def _edit_context(data):
    data["steps"][2]["context"][0]["answer"] += "也可以问公司的IT同事。"


def _edit_error(data):
    data["errors"][0]["cause"] += "（各地规则相同）"


@pytest.mark.parametrize("file, change, label", [
    ("login_failure.yml", _edit_step, "problem:login_failure"),
    ("faq.yml", _edit_answer, "faq:lost_invoice"),
    ("support.yml", _edit_channel, "channel:hotline"),
    ("announcements.yml", _edit_announcement, "announcement:incident-2024-10-29-login-query"),
    ("prevention.yml", _edit_tip, "tip:regular_review"),
    ("support.yml", _edit_level, "follow_up:urgent"),
    ("login_failure.yml", _edit_context, "problem:login_failure"),
    ("errors.yml", _edit_error, "error:cy_daily_limit"),
])
def test_one_edit_reports_one_change(sessions, content_dir: Path, file, change, label):
    load(sessions, content_dir)
    edit_document(content_dir, file, change)

    report = load(sessions, content_dir)

    assert report.changed == (label,)
    assert report.added == () and report.removed == ()
    assert not load(sessions, content_dir).has_changes


def test_edited_step_is_stored(kb: KnowledgeBase, sessions, content_dir: Path):
    edit_document(content_dir, "login_failure.yml", _edit_step)

    load(sessions, content_dir)

    assert kb.step("login_failure", 1).instructions.endswith("4. 再试一次。")


def test_reordered_steps_are_replaced_without_constraint_errors(kb: KnowledgeBase, sessions,
                                                                content_dir: Path):
    before = [s.id for s in kb.problem("query_empty").steps]
    edit_document(content_dir, "query_empty.yml", lambda d: d["steps"].reverse())

    report = load(sessions, content_dir)

    assert report.changed == ("problem:query_empty",)
    assert [s.id for s in kb.problem("query_empty").steps] == before[::-1]
    with sessions() as s:
        assert s.execute(select(func.count(StepRow.id))).scalar_one() == sum(
            kb.step_count(key) for key in PROBLEM_KEYS)


def test_removed_and_added_entries_are_reported(kb: KnowledgeBase, sessions, content_dir: Path):
    def change(data):
        removed = data["entries"].pop(0)
        data["entries"].append(dict(removed, key="special_vs_general_2"))

    edit_document(content_dir, "faq.yml", change)

    report = load(sessions, content_dir)

    assert report.removed == ("faq:special_vs_general",)
    assert report.added == ("faq:special_vs_general_2",)


def test_console_announcements_survive_reloads(kb: KnowledgeBase, sessions, content_dir: Path):
    console = kb.add_announcement("紧急维护", "系统正在紧急维护，请稍后再试。", kind="maintenance",
                                  affects=["login_failure"])
    edit_document(content_dir, "announcements.yml", lambda d: d["announcements"].pop(0))

    report = load(sessions, content_dir)
    load(sessions, content_dir)

    assert report.removed == ("announcement:incident-2024-10-29-login-query",)
    assert [a.id for a in kb.announcements(source="console")] == [console.id]
    assert kb.announcements(source="console")[0].affects == ("login_failure",)


def test_content_id_used_by_console_announcement_is_rejected(kb: KnowledgeBase, sessions, content_dir: Path):
    kb.add_announcement("紧急维护", "系统正在紧急维护。", announcement_id="maintenance-2099-01-01")

    def change(data):
        data["announcements"].append(dict(data["announcements"][0], id="maintenance-2099-01-01"))

    edit_document(content_dir, "announcements.yml", change)

    with pytest.raises(ContentError) as raised:
        load(sessions, content_dir)

    [error] = raised.value.errors
    assert error.startswith("announcements.yml:announcements[4].id:")
    with sessions() as s:
        assert s.execute(select(AnnouncementRow.source).where(
            AnnouncementRow.key == "maintenance-2099-01-01")).scalar_one() == "console"


def test_ended_content_announcement_stays_ended_while_unchanged(kb: KnowledgeBase, sessions,
                                                                content_dir: Path):
    during = datetime(2030, 1, 12, 23, 0, tzinfo=timezone.utc)
    assert kb.end_announcement("maintenance-2030-01-12-capacity",
                               now=datetime(2029, 1, 1, tzinfo=timezone.utc))

    load(sessions, content_dir)

    assert kb.active_announcements(during) == []


def test_text_users_see_is_kept_as_written(kb: KnowledgeBase, content_dir: Path):
    written = yaml.safe_load((content_dir / "login_failure.yml").read_text(encoding="utf-8"))

    steps = kb.problem("login_failure").steps

    assert [s.instructions for s in steps] == [s["instructions"].strip() for s in written["steps"]]
    assert "，" in steps[0].instructions  # NFKC would have made it ","


def test_full_width_text_stays_full_width_and_ids_are_normalised(kb: KnowledgeBase, sessions,
                                                                 content_dir: Path):
    path = content_dir / "login_failure.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: 无法登录发票系统", "title: 无法登录发票系统（ＵＫｅｙ：１２３）")
    text = text.replace("key: login_failure", "key: ｌｏｇｉｎ_failure")  # typed with a full-width IME
    path.write_text(text, encoding="utf-8")

    load(sessions, content_dir)

    assert kb.problem("login_failure").title == "无法登录发票系统（ＵＫｅｙ：１２３）"


def test_load_creates_missing_tables(tmp_path: Path, content_dir: Path):
    from knowledge.db import make_engine, make_session_factory

    sessions = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'fresh.db'}"))

    report = load(sessions, content_dir)

    assert "problem:login_failure" in report.added


def test_concurrent_first_loads_all_succeed(tmp_path: Path, content_dir: Path):
    from concurrent.futures import ThreadPoolExecutor

    from knowledge.db import make_engine, make_session_factory

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    factories = [make_session_factory(make_engine(url)) for _ in range(3)]

    with ThreadPoolExecutor(len(factories)) as pool:
        reports = list(pool.map(lambda sessions: load(sessions, content_dir), factories))

    assert sum(1 for r in reports if "problem:login_failure" in r.added) == 1
    assert KnowledgeBase(factories[0]).step_count("login_failure") == 5


def test_unreachable_database_raises_storage_error(content_dir: Path):
    from knowledge.db import make_engine, make_session_factory
    from knowledge.errors import StorageError

    sessions = make_session_factory(make_engine("postgresql://postgres@127.0.0.1:1/none",
                                                connect_args={"connect_timeout": 2}))

    with pytest.raises(StorageError):
        load(sessions, content_dir)


def test_step_context_skips_and_errors_are_child_rows_replaced_with_their_problem(
        kb: KnowledgeBase, sessions, content_dir: Path):
    from knowledge.models import KnownErrorRow, ProblemQuestionRow, StepContextRow, StepSkipRow

    def counts():
        with sessions() as s:
            return [s.execute(select(func.count()).select_from(model)).scalar_one()
                    for model in (StepContextRow, StepSkipRow, ProblemQuestionRow, KnownErrorRow)]

    before = counts()
    edit_document(content_dir, "issuance_failure.yml", lambda d: d["steps"].pop(3))  # the device step

    report = load(sessions, content_dir)

    removed = kb.problem("issuance_failure")
    assert report.changed == ("problem:issuance_failure",)
    assert "check_tax_device" not in [s.id for s in removed.steps]
    after = counts()
    assert after[0] == before[0] - 4 and after[1] == before[1] - 1 and after[2:] == before[2:]


def test_a_removed_catalogue_entry_is_reported(sessions, content_dir: Path):
    load(sessions, content_dir)
    edit_document(content_dir, "errors.yml", lambda d: d["errors"].pop())

    report = load(sessions, content_dir)

    assert len(report.removed) == 1 and report.removed[0].startswith("error:")
