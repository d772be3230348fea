"""Invalid content is rejected with one `file:key: reason` message per problem."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from knowledge.errors import ContentError
from knowledge.loader import check, load
from knowledge.models import ProblemRow

from .conftest import edit_document

ERROR_SHAPE = re.compile(r"^[\w.-]+\.ya?ml:[^\s:]+: \S.*$")


def _delete(path):
    def change(data):
        *parents, last = path
        target = data
        for part in parents:
            target = target[part]
        del target[last]
    return change


def _set(path, value):
    def change(data):
        *parents, last = path
        target = data
        for part in parents:
            target = target[part]
        target[last] = value
    return change


def _duplicate_first_step_id(data):
    data["steps"][1]["id"] = data["steps"][0]["id"]


def _repeat_ask_in_step(data):
    # "缓存怎么清？" with a full-width question mark: the same variant, so a repeat
    data["steps"][1]["context"][1]["asks"][0] = data["steps"][1]["context"][0]["asks"][0] + "？"


def _skip_every_step(data):
    for step in data["steps"]:
        step["skip_when"] = ["error_known"]


def _rename_field(data):
    data["steps"][0]["if_not_helpd"] = data["steps"][0].pop("if_not_helped")


def _empty_faq_list(data):
    data["entries"] = data["entries"][:5]


def _duplicate_faq_key(data):
    data["entries"][1]["key"] = data["entries"][0]["key"]


def _repeat_faq_question(data):
    data["entries"][1]["variants"].append(data["entries"][0]["question"])


def _repeat_faq_question_in_ascii(data):
    # "专票和普票有什么区别？" with "?": the same question for search, so still a repeat
    data["entries"][1]["variants"].append(data["entries"][0]["question"].replace("？", "?"))


def _too_many_steps(data):
    data["steps"] = data["steps"] + [dict(s, id=f"{s['id']}_again") for s in data["steps"]]


def _copy_first_error_text(data):
    data["errors"][1]["match"].setdefault("texts", []).append(data["errors"][0]["match"]["texts"][0] + "。")


BROKEN = [
    pytest.param("login_failure.yml", _delete(["steps", 2, "if_not_helped"]),
                 "login_failure.yml:steps[2].if_not_helped: missing", id="missing-field"),
    pytest.param("login_failure.yml", _duplicate_first_step_id, "login_failure.yml:steps[1].id: duplicate",
                 id="duplicate-step-id"),
    pytest.param("login_failure.yml", _set(["steps", 0, "id"], "Step One"),
                 "login_failure.yml:steps[0].id: must match", id="non-ascii-step-id"),
    pytest.param("login_failure.yml", _rename_field, "login_failure.yml:steps[0].if_not_helpd: unknown field",
                 id="unknown-field"),
    pytest.param("login_failure.yml", _set(["key"], "login_problem"),
                 "login_failure.yml:key: unknown problem key", id="unknown-problem-key"),
    pytest.param("login_failure.yml", _set(["key"], "query_empty"),
                 "login_failure.yml:key: must equal the file name", id="key-not-file-name"),
    pytest.param("login_failure.yml", _set(["title"], "Login failure"),
                 "login_failure.yml:title: must be Chinese", id="not-chinese"),
    pytest.param("login_failure.yml", _set(["acknowledgement"], "  "),
                 "login_failure.yml:acknowledgement: empty", id="empty-text"),
    pytest.param("login_failure.yml", _set(["symptoms"], "登录不上"),
                 "login_failure.yml:symptoms: must be a list", id="not-a-list"),
    pytest.param("login_failure.yml", _set(["checks", 0, "check"], "ping_server"),
                 "login_failure.yml:checks[0].check:", id="unknown-assistant-check"),
    pytest.param("login_failure.yml", _set(["checks", 0, "performed_by"], "robot"),
                 "login_failure.yml:checks[0].performed_by:", id="unknown-performer"),
    pytest.param("login_failure.yml", _set(["checks", 1, "check"], "invoice_lookup"),
                 "login_failure.yml:checks[1].check: only assistant checks", id="user-check-with-name"),
    pytest.param("login_failure.yml", lambda d: d["steps"].__delitem__(slice(3, None)),
                 "login_failure.yml:steps: needs at least 4", id="too-few-steps"),
    pytest.param("login_failure.yml", _too_many_steps,
                 "login_failure.yml:steps: at most 7", id="too-many-steps"),
    pytest.param("login_failure.yml", _set(["steps", 0, "instructions"], "请" * 401),
                 "login_failure.yml:steps[0].instructions: too long", id="instructions-too-long"),
    pytest.param("login_failure.yml", _set(["escalation", "priority"], "asap"),
                 "login_failure.yml:escalation.priority: unknown priority", id="unknown-priority"),
    pytest.param("login_failure.yml", _delete(["escalation"]), "login_failure.yml:escalation: missing",
                 id="missing-escalation"),
    pytest.param("announcements.yml", _set(["announcements", 0, "starts_at"], "2024-13-01T00:00:00+08:00"),
                 "announcements.yml:announcements[0].starts_at: not an ISO datetime", id="bad-datetime"),
    pytest.param("announcements.yml", _set(["announcements", 0, "starts_at"], "2024-10-29T09:00:00"),
                 "announcements.yml:announcements[0].starts_at: needs a UTC offset", id="naive-datetime"),
    pytest.param("announcements.yml", _set(["announcements", 0, "ends_at"], "2024-10-29T08:00:00+08:00"),
                 "announcements.yml:announcements[0].ends_at: must be after starts_at",
                 id="ends-before-start"),
    pytest.param("announcements.yml", _set(["announcements", 1, "affects"], ["login_failure", "printer_jam"]),
                 "announcements.yml:announcements[1].affects[1]: unknown problem key",
                 id="affects-unknown-problem"),
    pytest.param("announcements.yml", _set(["announcements", 1, "kind"], "outage"),
                 "announcements.yml:announcements[1].kind:", id="unknown-kind"),
    pytest.param("announcements.yml", _set(["announcements", 1, "id"], "incident-2024-10-29-login-query"),
                 "announcements.yml:announcements[1].id: duplicate", id="duplicate-announcement-id"),
    pytest.param("support.yml", _set(["service_level", "respond_within_working_hours", "urgent"], "four"),
                 "support.yml:service_level.respond_within_working_hours.urgent: must be a whole number",
                 id="hours-not-a-number"),
    pytest.param("support.yml", _set(["service_level", "respond_within_working_hours", "normal"], 100),
                 "support.yml:service_level.respond_within_working_hours.normal: must be a whole number",
                 id="hours-too-many"),
    pytest.param("support.yml", _set(["service_level", "working_hours"], "17:30-08:30"),
                 "support.yml:service_level.working_hours: must open before it closes", id="hours-reversed"),
    pytest.param("support.yml", _set(["service_level", "working_hours"], "8:30 to 17:30"),
                 "support.yml:service_level.working_hours: must be HH:MM-HH:MM", id="hours-unparsable"),
    pytest.param("support.yml", _set(["service_level", "texts", "promise"], "专人会尽快联系您。"),
                 "support.yml:service_level.texts.promise: must contain {due}", id="promise-without-due"),
    pytest.param("support.yml", _set(["service_level", "texts", "summary"], "{hours}内由{agent}联系您。"),
                 "support.yml:service_level.texts.summary: unknown placeholder(s) agent",
                 id="unknown-placeholder"),
    pytest.param("support.yml", _delete(["service_level", "texts", "promise_overdue"]),
                 "support.yml:service_level.texts.promise_overdue: missing", id="missing-template"),
    pytest.param("support.yml", _set(["service_level", "respond_within_working_hours"], {"normal": 9}),
                 "login_failure.yml:escalation.priority: unknown priority 'urgent'",
                 id="escalation-priority-gone"),
    pytest.param("login_failure.yml", _delete(["steps", 1, "context"]),
                 "login_failure.yml:steps[1].context: missing", id="step-without-context"),
    pytest.param("login_failure.yml", _set(["steps", 1, "context", 0, "kind"], "faq"),
                 "login_failure.yml:steps[1].context[0].kind: must be one of question, not_applicable",
                 id="unknown-context-kind"),
    pytest.param("login_failure.yml", _set(["steps", 1, "context", 0, "asks"], ["缓存怎么清", "怎么清缓存"]),
                 "login_failure.yml:steps[1].context[0].asks: needs at least 3", id="too-few-asks"),
    pytest.param("login_failure.yml", _set(["steps", 1, "context", 0, "asks"], ["a", "b", "c"]),
                 "login_failure.yml:steps[1].context[0].asks[0]: must be Chinese text",
                 id="asks-not-chinese"),
    pytest.param("login_failure.yml", _set(["steps", 1, "context", 0, "asks", 0], "缓" * 41),
                 "login_failure.yml:steps[1].context[0].asks[0]: at most 40 characters", id="ask-too-long"),
    pytest.param("login_failure.yml", _set(["steps", 1, "context", 0, "answer"], "请" * 201),
                 "login_failure.yml:steps[1].context[0].answer: at most 200 characters",
                 id="answer-too-long"),
    pytest.param("login_failure.yml", _repeat_ask_in_step, "login_failure.yml:steps[1].context[1].asks[0]: "
                 "duplicate variant", id="repeated-ask-in-step"),
    pytest.param("login_failure.yml", _set(["general_questions", 0, "implies"], ["no_tax_device"]),
                 "login_failure.yml:general_questions[0].implies: only not_applicable entries",
                 id="question-implies"),
    pytest.param("login_failure.yml", _set(["steps", 0, "skip_when"], ["user_is_tired"]),
                 "login_failure.yml:steps[0].skip_when[0]: unknown condition 'user_is_tired'",
                 id="unknown-skip-condition"),
    pytest.param("login_failure.yml", _skip_every_step, "login_failure.yml:steps: every step is skipped when "
                 "'error_known'", id="every-step-skipped"),
    pytest.param("login_failure.yml", _delete(["general_questions"]),
                 "login_failure.yml:general_questions: missing",
                 id="no-general-questions"),
    pytest.param("support.yml", _delete(["channels", 0, "contact"]),
                 "support.yml:channels[0].contact: missing", id="channel-without-contact"),
    pytest.param("prevention.yml", _set(["tips", 0, "text"], ""), "prevention.yml:tips[0].text: empty",
                 id="empty-tip"),
    pytest.param("faq.yml", _empty_faq_list, "faq.yml:entries: needs at least 12", id="too-few-faq"),
    pytest.param("faq.yml", _duplicate_faq_key, "faq.yml:entries[1].key: duplicate", id="duplicate-faq-key"),
    pytest.param("faq.yml", _repeat_faq_question, "faq.yml:entries[1].variants[", id="repeated-faq-question"),
    pytest.param("faq.yml", _repeat_faq_question_in_ascii, "faq.yml:entries[1].variants[",
                 id="repeated-faq-question-other-width"),
    pytest.param("errors.yml", _set(["errors", 0, "problem"], "printer_jam"),
                 "errors.yml:errors[0].problem: unknown problem key", id="error-unknown-problem"),
    pytest.param("errors.yml", _set(["errors", 0, "match"], {"codes": [], "texts": []}),
                 "errors.yml:errors[0].match: needs at least one of", id="error-without-match"),
    pytest.param("errors.yml", _set(["errors", 0, "match", "texts"], ["登录错"]),
                 "errors.yml:errors[0].match.texts[0]: too general", id="error-text-too-general"),
    pytest.param("errors.yml", _set(["errors", 0, "match", "texts"], ["Bad Gate"]),
                 "errors.yml:errors[0].match.texts[0]: too general", id="error-latin-text-too-short"),
    pytest.param("errors.yml", _set(["errors", 0, "match", "patterns"], ["未找到(设备"]),
                 "errors.yml:errors[0].match.patterns[0]: not a regular expression", id="error-bad-pattern"),
    pytest.param("errors.yml", _set(["errors", 0, "source"], "somewhere on the web"),
                 "errors.yml:errors[0].source: must be an http(s) URL", id="error-source-not-a-url"),
    pytest.param("errors.yml", _set(["errors", 0, "escalate"], "yes"),
                 "errors.yml:errors[0].escalate: must be true or false", id="error-escalate-not-bool"),
    pytest.param("errors.yml", _set(["errors", 0, "fix"], "请" * 401),
                 "errors.yml:errors[0].fix: at most 400", id="error-fix-too-long"),
    pytest.param("errors.yml", _copy_first_error_text, "errors.yml:errors[1].match.texts[",
                 id="error-text-in-two-entries"),
]


@pytest.mark.parametrize("file, change, expected", BROKEN)
def test_broken_document_is_reported_as_file_key_reason(content_dir: Path, file, change, expected):
    edit_document(content_dir, file, change)

    errors = check(content_dir)

    assert any(e.startswith(expected) for e in errors), errors
    assert all(ERROR_SHAPE.match(e) for e in errors), errors


RAW_BROKEN = [
    pytest.param("faq.yml", "entries: [unclosed\n",
                 "faq.yml:(document): invalid YAML at line", id="invalid-yaml"),
    pytest.param("prevention.yml", "tips: []\ntips: []\n", "prevention.yml:tips: duplicate key (line 2)",
                 id="duplicate-yaml-key"),
    pytest.param("notes.yml", "a: 1\n", "notes.yml:(document): unknown content file", id="unknown-file"),
    pytest.param("support.yml", "- just\n- a list\n",
                 "support.yml:(document): must be a mapping", id="not-a-mapping"),
]


@pytest.mark.parametrize("file, text, expected", RAW_BROKEN)
def test_broken_file_is_reported(content_dir: Path, file, text, expected):
    (content_dir / file).write_text(text, encoding="utf-8")

    errors = check(content_dir)

    assert any(e.startswith(expected) for e in errors), errors
    assert all(ERROR_SHAPE.match(e) for e in errors), errors


@pytest.mark.parametrize("file, expected", [
    ("query_empty.yml", "query_empty.yml:(document): missing problem file"),
    ("faq.yml", "faq.yml:(document): missing file"),
])
def test_missing_file_is_reported(content_dir: Path, file, expected):
    (content_dir / file).unlink()

    assert expected in check(content_dir)


def test_shipped_content_is_valid():
    assert check() == []


def test_missing_directory_is_an_error(tmp_path: Path):
    [error] = check(tmp_path / "nowhere")

    assert error.endswith(":(document): content directory not found")


def test_load_refuses_invalid_content_and_changes_nothing(sessions, content_dir: Path):
    edit_document(content_dir, "login_failure.yml", _delete(["steps", 2, "if_not_helped"]))

    with pytest.raises(ContentError) as raised:
        load(sessions, content_dir)

    assert "login_failure.yml:steps[2].if_not_helped: missing" in raised.value.errors
    with sessions() as s:
        assert s.execute(select(func.count(ProblemRow.id))).scalar_one() == 0
