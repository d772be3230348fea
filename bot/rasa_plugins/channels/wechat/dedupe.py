"""De-duplication of WeChat's re-deliveries (docs/channels.md §1.4, §4.3 step 2).

WeChat re-sends a callback when it has no answer after 5 seconds, up to three times. Every
delivery of one message must run the assistant once. The first delivery *claims* the message
key; it then records what it answered, so that a re-delivery can answer the same way:

- `passive`: the first answer was a passive reply. WeChat re-delivers only when that answer did
  not reach it in time, so the re-delivery serves the same reply text again (without a new turn)
  instead of letting the reply vanish.
- `async`: the first answer was `success` and the reply goes through the customer-service API;
  a re-delivery answers `success` too.
- `none`: nothing to reply (e.g. unsubscribe).
- `pending`: the first delivery is still deciding.
"""

import json
from dataclasses import dataclass
from typing import Dict, Optional

from bot.rasa_plugins.channels.wechat.kv import KeyValueStore

PENDING = "pending"
PASSIVE = "passive"
ASYNC = "async"
NONE = "none"


def delivery_key(fields: Dict[str, str]) -> str:
    """`MsgId` for messages; `FromUserName|CreateTime|Event|EventKey` for events (no MsgId)."""
    msg_id = fields.get("MsgId", "").strip()
    if msg_id:
        return f"msg:{msg_id}"
    parts = (fields.get(name, "").strip() for name in ("FromUserName", "CreateTime", "Event", "EventKey"))
    return "event:" + "|".join(parts)


@dataclass(frozen=True)
class Delivery:
    """What the first delivery of a message answered."""

    state: str
    reply: str = ""


class DeliveryLedger:
    """Claims message keys and records their outcome, in memory or Redis (via the store)."""

    def __init__(self, store: KeyValueStore, namespace: str, ttl: float = 300.0) -> None:
        self._store = store
        self._prefix = f"{namespace}:delivery:"
        self._ttl = ttl

    async def claim(self, key: str) -> bool:
        """True for the first delivery of `key` within the TTL, False for re-deliveries."""
        return await self._store.add(self._prefix + key, json.dumps({"state": PENDING}), self._ttl)

    async def get(self, key: str) -> Optional[Delivery]:
        raw = await self._store.get(self._prefix + key)
        if raw is None:
            return None
        data = json.loads(raw)
        return Delivery(state=data.get("state", PENDING), reply=data.get("reply", ""))

    async def release(self, key: str) -> None:
        """Forget the claim of `key` (its turn failed): the next delivery runs the turn."""
        await self._store.delete(self._prefix + key)

    async def record(self, key: str, state: str, reply: str = "") -> None:
        value = json.dumps({"state": state, "reply": reply}, ensure_ascii=False)
        await self._store.set(self._prefix + key, value, self._ttl)
