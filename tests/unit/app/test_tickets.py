from datetime import datetime, timedelta, timezone

import pytest

from bot.app.database import make_app_session_factory
from bot.app.tickets import SqlTicketStore, TicketStatus

FIXED = datetime(2026, 11, 27, 10, 30, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture
def tickets(tmp_path):
    return SqlTicketStore(make_app_session_factory(f"sqlite:///{tmp_path / 'app.db'}"), clock=lambda: FIXED)


async def test_created_ticket_keeps_problem_details_and_steps(tickets):
    ticket = await tickets.create(
        sender_id="u1", problem="login_failure",
        details={"platform": "电子税务局", "tax_id": "91110108MA01ABCD1X"},
        steps_tried=["check_announcement", "clear_cache"], channel="rest",
    )
    assert ticket.number == "GD20261127-000001"
    assert ticket.status is TicketStatus.OPEN
    stored = await tickets.by_number(ticket.number.lower())
    assert stored.details == {"platform": "电子税务局", "tax_id": "91110108MA01ABCD1X"}
    assert stored.steps_tried == ["check_announcement", "clear_cache"]
    assert stored.channel == "rest"


async def test_numbers_are_unique_and_latest_is_per_sender(tickets):
    first = await tickets.create("u1", "login_failure", {}, [])
    second = await tickets.create("u2", "upload_failure", {}, [])
    third = await tickets.create("u1", "query_empty", {}, [])
    assert len({first.number, second.number, third.number}) == 3
    assert (await tickets.latest_for("u1")).number == third.number
    assert await tickets.latest_for("nobody") is None


async def test_status_changes_and_privacy_deletion(tickets):
    ticket = await tickets.create("u1", None, {}, [])
    moved = await tickets.set_status(ticket.number, TicketStatus.IN_PROGRESS)
    assert moved.status is TicketStatus.IN_PROGRESS
    assert await tickets.set_status("GD00000000-000000", TicketStatus.RESOLVED) is None
    assert await tickets.forget_sender("u1") == 1
    assert await tickets.latest_for("u1") is None


async def test_notes_are_added_to_an_open_ticket_but_not_to_a_resolved_one(tickets):
    ticket = await tickets.create(sender_id="u1", problem=None, details={"platform": "开票软件"},
                                  steps_tried=[])
    await tickets.add_note(ticket.number.lower(), " 电话 13800138000 ")
    updated = await tickets.add_note(ticket.number, "x" * 2000)
    assert updated.details["platform"] == "开票软件"
    assert updated.details["notes"] == ["电话 13800138000", "x" * 500]
    await tickets.set_status(ticket.number, TicketStatus.RESOLVED)
    assert await tickets.add_note(ticket.number, "还在吗") is None
    assert (await tickets.by_number(ticket.number)).details["notes"][-1] == "x" * 500
    assert await tickets.add_note("GD00000000-000000", "?") is None
