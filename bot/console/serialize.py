"""JSON shapes of the console API."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Optional


def iso(value: Optional[datetime]) -> Optional[str]:
    """ISO 8601 with offset, or None."""
    return value.isoformat() if value else None


def announcement_json(item: Any) -> Dict[str, Any]:
    """A ``knowledge.types.Announcement`` for the widget and the operator API."""
    return {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "message": item.message,
        "starts_at": iso(item.starts_at),
        "ends_at": iso(item.ends_at),
        "expected_recovery": iso(item.expected_recovery),
        "affects": list(item.affects),
        "source": item.source,
    }


def vote_json(vote: Any) -> Dict[str, Any]:
    return {"message_id": vote.message_id, "text": vote.text, "up": vote.up,
            "created_at": iso(vote.created_at), "comment": getattr(vote, "comment", None),
            "step": getattr(vote, "step", None)}


def rating_json(rating: Any) -> Dict[str, Any]:
    return {"rating": rating.rating, "comment": rating.comment, "created_at": iso(rating.created_at)}


def ticket_json(ticket: Any) -> Dict[str, Any]:
    return {
        "number": ticket.number,
        "channel": ticket.channel,
        "problem": ticket.problem,
        "status": ticket.status.value,
        "details": ticket.details,
        "steps_tried": ticket.steps_tried,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
    }
