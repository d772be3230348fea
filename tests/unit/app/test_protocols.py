"""Every implementation of a service protocol — the real ones and the test fakes — has each
method of the protocol, as a coroutine, with the same parameters. A method renamed or re-typed
in `bot.app.protocols` fails here, for the fakes as for the real services."""
from __future__ import annotations

import inspect
from typing import List, Tuple

import pytest

from bot.app import protocols
from bot.app.analytics import SqlAnalyticsStore
from bot.app.feedback import SqlFeedbackStore
from bot.app.handover import SqlHandoverState
from bot.app.invoices.http import HttpInvoiceSystem
from bot.app.invoices.sql import SqlInvoiceSystem
from bot.app.kb_versions import SqlKnowledgeVersions
from bot.app.knowledge import KnowledgeService
from bot.app.operators import SqlOperatorStore
from bot.app.tickets import SqlTicketStore
from bot.app.unrecognised import SqlUnrecognisedMessages
from tests.unit.actions.fakes import FakeFeedback, FakeInvoices, FakeKnowledge, FakeTickets
from tests.unit.app.analytics_fake import FakeAnalytics
from tests.unit.console.fakes import (
    FakeFeedbackReview,
    FakeHandovers,
    FakeKnowledgeVersions,
    FakeOperators,
    FakeTicketDesk,
    FakeUnrecognised,
)

IMPLEMENTATIONS = [
    (protocols.KnowledgeReader, KnowledgeService),
    (protocols.KnowledgeReader, FakeKnowledge),
    (protocols.AnnouncementStore, KnowledgeService),
    (protocols.TicketStore, SqlTicketStore),
    (protocols.TicketStore, FakeTickets),
    (protocols.FeedbackStore, SqlFeedbackStore),
    (protocols.FeedbackStore, FakeFeedback),
    (protocols.InvoiceSystem, SqlInvoiceSystem),
    (protocols.InvoiceSystem, HttpInvoiceSystem),
    (protocols.InvoiceSystem, FakeInvoices),
    (protocols.AnalyticsStore, SqlAnalyticsStore),
    (protocols.AnalyticsStore, FakeAnalytics),
    (protocols.TicketDesk, SqlTicketStore),
    (protocols.TicketDesk, FakeTicketDesk),
    (protocols.OperatorDirectory, SqlOperatorStore),
    (protocols.OperatorDirectory, FakeOperators),
    (protocols.HandoverState, SqlHandoverState),
    (protocols.HandoverState, FakeHandovers),
    (protocols.UnrecognisedMessages, SqlUnrecognisedMessages),
    (protocols.UnrecognisedMessages, FakeUnrecognised),
    (protocols.KnowledgeVersions, SqlKnowledgeVersions),
    (protocols.KnowledgeVersions, FakeKnowledgeVersions),
    (protocols.FeedbackReview, SqlFeedbackStore),
    (protocols.FeedbackReview, FakeFeedbackReview),
]


def protocol_methods(protocol: type) -> List[str]:
    return [name for name, value in vars(protocol).items()
            if inspect.isfunction(value) and not name.startswith("_")]


def parameters(function) -> List[Tuple[str, str, bool]]:
    """(name, kind, has a default) of each parameter after ``self``."""
    signature = inspect.signature(function)
    return [(p.name, p.kind.name, p.default is not inspect.Parameter.empty)
            for p in list(signature.parameters.values())[1:]]


@pytest.mark.parametrize("protocol, implementation", IMPLEMENTATIONS,
                         ids=[f"{p.__name__}-{i.__name__}" for p, i in IMPLEMENTATIONS])
def test_implementation_matches_the_protocol(protocol, implementation):
    for name in protocol_methods(protocol):
        method = getattr(implementation, name, None)
        assert method is not None, f"{implementation.__name__} lacks {protocol.__name__}.{name}"
        assert inspect.iscoroutinefunction(method), f"{implementation.__name__}.{name} must be async"
        assert parameters(method) == parameters(getattr(protocol, name)), \
            f"{implementation.__name__}.{name} differs from {protocol.__name__}.{name}"


def test_every_protocol_has_a_fake_and_a_real_implementation():
    covered = {p for p, _ in IMPLEMENTATIONS}
    declared = {value for value in vars(protocols).values()
                if inspect.isclass(value) and getattr(value, "_is_protocol", False)
                and value.__module__ == protocols.__name__}
    assert declared == covered


def test_a_renamed_method_is_caught():
    class RenamedLatestFor(FakeTickets):
        latest_for = None  # as if the fake still had the old name only

        async def latest_ticket(self, sender_id: str):
            return None

    with pytest.raises(AssertionError, match="lacks TicketStore.latest_for"):
        test_implementation_matches_the_protocol(protocols.TicketStore, RenamedLatestFor)
