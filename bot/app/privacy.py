"""Forgetting a user: everything the application database holds about one conversation.

Called when a WeChat user unsubscribes (the channel also erases the Rasa tracker, see
`bot.rasa_plugins.channels.wechat.erase`) and by the privacy command line. Events already
streamed to an event broker are outside its reach (docs/privacy.md).
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.app.protocols import FeedbackStore, TicketStore


@dataclass(frozen=True)
class Forgotten:
    """How many records of each kind were deleted."""

    tickets: int
    feedback: int


async def forget_user(sender_id: str, tickets: TicketStore, feedback: FeedbackStore) -> Forgotten:
    """Delete the tickets, votes and ratings of ``sender_id``."""
    return Forgotten(tickets=await tickets.forget_sender(sender_id),
                     feedback=await feedback.forget_sender(sender_id))
