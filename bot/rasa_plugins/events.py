"""``EVENT_BROKER_TYPE`` for a deployment without an event broker (``make run``, the test and
bench stacks): endpoints.yml always names a broker, because Rasa requires every ``${VAR}`` it
mentions to be set; this one makes Rasa run without any. ``make cluster`` sets ``pika``
(RabbitMQ) instead, and `bot.app.analytics` reads what it publishes.
"""
from __future__ import annotations

from typing import Any, Optional


class NoEventBroker:
    """Rasa asks the class named by ``type`` for a broker; this one answers none."""

    @classmethod
    async def from_endpoint_config(cls, broker_config: Any, event_loop: Any = None) -> Optional[Any]:
        return None
