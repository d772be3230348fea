"""Value types returned by the knowledge base, and the fixed vocabularies of the content.

Everything here is a frozen dataclass or a constant: callers (actions, the console, the
troubleshooting engine) get plain values, never SQLAlchemy rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Tuple

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
class Step:
    """One resolution step of a problem.

    Attributes:
        problem: Key of the problem the step belongs to.
        index: 0-based position in the problem's ordered steps.
        id: Stable id within the problem (used in the ``steps_tried`` slot).
        title: Short title.
        instructions: What the user does, possibly as numbered sub-actions.
        if_not_helped: What the assistant says when the step did not help.
    """

    problem: str
    index: int
    id: str
    title: str
    instructions: str
    if_not_helped: str


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
    """Expected follow-up time of a ticket priority.

    Attributes:
        priority: Priority key (``urgent``, ``normal``).
        hours: Expected (working) hours until a person follows up.
        text: The expectation as told to the user.
    """

    priority: str
    hours: int
    text: str


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
