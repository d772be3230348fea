"""Value types returned by the knowledge base, and the fixed vocabularies of the content.

Everything here is a frozen dataclass or a constant: callers (actions, the console, the
troubleshooting engine) get plain values, never SQLAlchemy rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Dict, Optional, Tuple

#: Problem keys: the problem intents of the assistant (fixed by the design).
PROBLEM_KEYS: Tuple[str, ...] = (
    "login_failure",
    "invoice_missing",
    "issuance_failure",
    "query_empty",
    "upload_failure",
    "system_outage",
)

#: Checks the assistant can run itself (implemented by the runtime, named by the content).
ASSISTANT_CHECKS: Tuple[str, ...] = ("announcement_lookup", "invoice_lookup", "field_validation")

#: Who performs a diagnostic check.
PERFORMERS: Tuple[str, ...] = ("assistant", "user")

#: Kinds of announcement.
ANNOUNCEMENT_KINDS: Tuple[str, ...] = ("maintenance", "incident")

#: Where an announcement row comes from: the YAML content or the operator console.
ANNOUNCEMENT_SOURCES: Tuple[str, ...] = ("content", "console")

#: Kinds of step-context entries (``context`` of a step, ``general_questions`` of a problem):
#: a question about the step (where is it, what does it mean, how long), or a remark that the
#: step does not apply to the user (no UKey, 数电 user, no admin rights) with what to do instead.
CONTEXT_KINDS: Tuple[str, ...] = ("question", "not_applicable")


class StepSkip:
    """Conditions under which a step is skipped (``skip_when`` of a step), as names; the dialogue
    passes the ones in effect to `knowledge.engine.Troubleshooter` (``skip=``). Plain strings, so
    ``StepSkip.ERROR_KNOWN == "error_known"``.
    """

    #: The user already gave the error text or code (a catalogued error was recognised), so a
    #: step whose purpose is to ask for it is not shown.
    ERROR_KNOWN = "error_known"
    #: The assistant found an announcement in effect for the problem (maintenance or incident),
    #: so a step that asks the user to find out whether the system is down is not shown.
    OUTAGE_ANNOUNCED = "outage_announced"
    #: The user has no 税务UKey / 金税盘 / 税控盘 (数电 users, password or app login), so a step
    #: about the device is not shown. A ``not_applicable`` context entry that establishes a
    #: condition says so (``implies``, see `StepHelp.implies`).
    NO_TAX_DEVICE = "no_tax_device"


#: Every skip condition (the vocabulary of ``skip_when`` and ``implies``).
SKIP_CONDITIONS: Tuple[str, ...] = (StepSkip.ERROR_KNOWN, StepSkip.OUTAGE_ANNOUNCED, StepSkip.NO_TAX_DEVICE)

#: Templates of ``support.yml:service_level.texts`` and the placeholders each may use
#: (``{due}``: the deadline as a phrase, e.g. "明天（周一）上午 10:30 前"; ``{hours}``: the
#: working hours as a phrase, e.g. "4个工作小时" / "1个工作日"; ``{working_hours}``: e.g.
#: "08:30-17:30"). The first three must contain ``{due}``, ``summary`` must contain ``{hours}``.
SERVICE_TEXTS: Dict[str, Tuple[str, ...]] = {
    "promise": ("due", "hours", "working_hours"),
    "promise_outside_hours": ("due", "hours", "working_hours"),
    "promise_overdue": ("due", "hours", "working_hours"),
    "summary": ("hours", "working_hours"),
}


@dataclass(frozen=True)
class Check:
    """A diagnostic check for a problem.

    Attributes:
        id: Stable id within the problem.
        performed_by: ``"assistant"`` or ``"user"``.
        check: For assistant checks, one of `ASSISTANT_CHECKS`; None for user checks.
        description: What is checked (Chinese).
    """

    id: str
    performed_by: str
    check: Optional[str]
    description: str


@dataclass(frozen=True)
class ContextEntry:
    """Something users ask or remark about a step (or about the problem as a whole), with the
    answer the assistant gives before offering the same step again.

    Attributes:
        kind: ``"question"`` or ``"not_applicable"`` (one of `CONTEXT_KINDS`).
        asks: How users put it, in their own words (3-6 variants).
        answer: The answer (at most 200 characters).
        implies: For ``not_applicable`` entries, the skip conditions (`SKIP_CONDITIONS`) the
            remark establishes ("我们没有UKey" → ``no_tax_device``).
    """

    kind: str
    asks: Tuple[str, ...]
    answer: str
    implies: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One resolution step of a problem.

    Attributes:
        problem: Key of the problem the step belongs to.
        index: 0-based position in the problem's ordered steps.
        id: Stable id within the problem (used in the ``steps_tried`` slot).
        title: Short title.
        instructions: What the user does, possibly as numbered sub-actions.
        if_not_helped: What the assistant says when the step did not help.
        context: Questions and remarks users have about this step, with answers.
        skip_when: Conditions (`SKIP_CONDITIONS`) under which the step is not shown.
    """

    problem: str
    index: int
    id: str
    title: str
    instructions: str
    if_not_helped: str
    context: Tuple[ContextEntry, ...] = ()
    skip_when: Tuple[str, ...] = ()


@dataclass(frozen=True)
class StepHelp:
    """The answer to a question or remark made during a step (`KnowledgeBase.step_help`).

    Attributes:
        kind: ``"question"`` or ``"not_applicable"``.
        answer: What to tell the user (then offer the same step again).
        matched_ask: The content variant the message matched best.
        score: Similarity in [0, 1] (at least `knowledge.step_help.STEP_HELP_MATCH`).
        step_id: Id of the step whose context matched; None for the problem's general questions.
        implies: Skip conditions the remark establishes (the entry's ``implies``): add them to
            the conditions in effect, e.g. to pass over this step and later device steps.
    """

    kind: str
    answer: str
    matched_ask: str
    score: float
    step_id: Optional[str] = None
    implies: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Escalation:
    """How a problem is handed over to a person.

    Attributes:
        problem: Key of the problem.
        when: Situations in which to escalate.
        needs: What the person taking over needs from the user.
        priority: Ticket priority (a key of the follow-up levels in ``support.yml``).
        follow_up_hours: Expected time until a person follows up, in (working) hours.
        follow_up: The expected follow-up, as told to the user.
    """

    problem: str
    when: Tuple[str, ...]
    needs: Tuple[str, ...]
    priority: str
    follow_up_hours: int
    follow_up: str


@dataclass(frozen=True)
class Problem:
    """A problem the assistant can troubleshoot.

    Attributes:
        key: The problem key (also the intent name).
        title: Short title.
        acknowledgement: Empathetic first sentence when the user reports the problem.
        symptoms: What the user observes.
        causes: Likely causes.
        checks: Diagnostic checks, in content order.
        steps: Ordered resolution steps.
        tips: Prevention tips for this problem.
        escalation: The escalation route.
        general_questions: Questions about the problem as a whole (not one step), with answers.
    """

    key: str
    title: str
    acknowledgement: str
    symptoms: Tuple[str, ...]
    causes: Tuple[str, ...]
    checks: Tuple[Check, ...]
    steps: Tuple[Step, ...]
    tips: Tuple[str, ...]
    escalation: Escalation
    general_questions: Tuple[ContextEntry, ...] = ()

    @property
    def assistant_checks(self) -> Tuple[str, ...]:
        """Names of the checks the assistant runs itself, in content order."""
        return tuple(c.check for c in self.checks if c.performed_by == "assistant" and c.check)


@dataclass(frozen=True)
class Announcement:
    """A maintenance notice or incident report.

    Datetimes are timezone-aware (China Standard Time, +08:00).

    Attributes:
        id: Stable id (content ids are chosen by editors, console ids are generated).
        kind: ``"maintenance"`` or ``"incident"``.
        title: Short title.
        message: Full message for users.
        starts_at: When it starts to apply.
        ends_at: When it stops applying; None while open-ended.
        expected_recovery: When service is expected back; None if unknown.
        affects: Problem keys it concerns; empty means every problem.
        source: ``"content"`` or ``"console"``.
    """

    id: str
    kind: str
    title: str
    message: str
    starts_at: datetime
    ends_at: Optional[datetime]
    expected_recovery: Optional[datetime]
    affects: Tuple[str, ...]
    source: str


@dataclass(frozen=True)
class SupportChannel:
    """A way to reach human support.

    Attributes:
        key: Stable key (``hotline``, ``online``, ``wechat``, ...).
        name: Display name.
        contact: Phone number, address or entry point.
        hours: Service hours.
        description: What the channel is good for.
    """

    key: str
    name: str
    contact: str
    hours: str
    description: str


@dataclass(frozen=True)
class FollowUpLevel:
    """Expected follow-up time of a ticket priority (from ``support.yml:service_level``).

    Attributes:
        priority: Priority key (``urgent``, ``normal``, ``low``).
        hours: Working hours until a person follows up.
        text: The expectation as told to the user when no concrete time is computed
            (``service_level.texts.summary``, e.g. "4个工作小时内由专人联系您……").
    """

    priority: str
    hours: int
    text: str


@dataclass(frozen=True)
class ServiceLevel:
    """The one service-level promise (``support.yml:service_level``): how many working hours
    until a person contacts the user, by ticket priority, counted in the working hours of
    working days (China time; holidays and 调休 from the calendar, see `bot.app.service_level`).

    Attributes:
        opens: Start of the working hours (China time).
        closes: End of the working hours (China time).
        hours: Working hours until contact, by priority, in content order.
        texts: Templates by name (``promise``, ``promise_outside_hours``, ``promise_overdue``,
            ``summary``) as ``(name, template)`` pairs.
    """

    opens: time
    closes: time
    hours: Tuple[Tuple[str, int], ...]
    texts: Tuple[Tuple[str, str], ...] = ()

    @classmethod
    def from_spec(cls, spec: dict) -> "ServiceLevel":
        """From a validated ``support.yml:service_level`` spec (`knowledge.schema`)."""
        return cls(time.fromisoformat(spec["opens"]), time.fromisoformat(spec["closes"]),
                   tuple((p["priority"], p["hours"]) for p in spec["respond_within_working_hours"]),
                   tuple(spec["texts"].items()))

    @property
    def day_minutes(self) -> int:
        """Length of one working day in minutes (08:30-17:30: 540)."""
        return (self.closes.hour * 60 + self.closes.minute) - (self.opens.hour * 60 + self.opens.minute)

    def hours_phrase(self, hours: int) -> str:
        """``hours`` working hours as told to users: whole working days as days ("1个工作日",
        "2个工作日"), anything else in hours ("4个工作小时")."""
        if hours * 60 % self.day_minutes == 0:
            return f"{hours * 60 // self.day_minutes}个工作日"
        return f"{hours}个工作小时"

    def summary(self, priority: str) -> str:
        """The ``summary`` text for ``priority`` (no concrete time), e.g.
        "工单会在4个工作小时内由专人联系您（工作日 08:30-17:30，法定节假日除外）。"."""
        return self.text("summary").format(hours=self.hours_phrase(self.hours_for(priority)),
                                           working_hours=self.working_hours)

    @property
    def priorities(self) -> Tuple[str, ...]:
        """The priority keys, in content order."""
        return tuple(p for p, _ in self.hours)

    @property
    def working_hours(self) -> str:
        """The working hours as told to users, e.g. ``08:30-17:30``."""
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"

    def hours_for(self, priority: str) -> int:
        """Working hours until contact for ``priority``.

        Raises:
            ValueError: For a priority the service level does not define.
        """
        for key, hours in self.hours:
            if key == priority:
                return hours
        raise ValueError(f"unknown priority {priority!r} (known: {', '.join(self.priorities)})")

    def text(self, name: str) -> str:
        """The template ``name`` (see `SERVICE_TEXTS`); empty if the content has none."""
        return dict(self.texts).get(name, "")


@dataclass(frozen=True)
class SearchHit:
    """One result of `KnowledgeBase.search`.

    Attributes:
        kind: ``"faq"`` or ``"problem"``.
        key: FAQ entry key or problem key.
        title: The FAQ question or the problem title.
        answer: The FAQ answer, or the problem's acknowledgement.
        score: Similarity in [0, 1]; compare with `knowledge.search.GOOD_MATCH`.
    """

    kind: str
    key: str
    title: str
    answer: str
    score: float


@dataclass(frozen=True)
class KnownError:
    """An error message or code users paste, from the error catalogue (``errors.yml``).

    Attributes:
        key: Stable ASCII key.
        problem: The problem key it belongs to.
        platform: Where it appears (电子税务局, 税务UKey, 查验平台, ...).
        title: Short name for operators.
        codes: Error codes as the system shows them.
        texts: The message text as shown (variants).
        patterns: Regular expressions for texts with variable parts.
        cause: Why it happens, in plain Chinese.
        fix: The specific fix (numbered steps).
        escalate: Whether the user needs a person (tax office, service provider) to fix it.
        source: Where the error text or code was found.
    """

    key: str
    problem: str
    platform: str
    title: str
    codes: Tuple[str, ...]
    texts: Tuple[str, ...]
    patterns: Tuple[str, ...]
    cause: str
    fix: str
    escalate: bool
    source: str

    @classmethod
    def from_spec(cls, spec: dict) -> "KnownError":
        """From a validated ``errors.yml`` entry."""
        match = spec["match"]
        return cls(spec["key"], spec["problem"], spec["platform"], spec["title"],
                   tuple(match["codes"]), tuple(match["texts"]), tuple(match["patterns"]),
                   spec["cause"], spec["fix"].strip(), spec["escalate"], spec["source"])

    @property
    def quoted(self) -> str:
        """How to quote it to the user: its first text, else its first code."""
        return self.texts[0] if self.texts else (self.codes[0] if self.codes else self.title)
