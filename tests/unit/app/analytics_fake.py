"""An in-memory `bot.app.protocols.AnalyticsStore` for tests of code that reads analytics."""
from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set

from bot.app.analytics import DailyFigure, Tally, event_id


class FakeAnalytics:
    """Counts events in memory with the same fold as the real store."""

    def __init__(self) -> None:
        self.tally = Tally()
        self.seen: Set[str] = set()

    async def record(self, events: Sequence[Mapping[str, Any]], source: str = "broker") -> int:
        new = 0
        for event in events:
            identifier = event_id(event)
            if identifier not in self.seen:
                self.seen.add(identifier)
                self.tally.add(event)
                new += 1
        return new

    async def daily(self, first: date, last: date, channel: Optional[str] = None) -> List[DailyFigure]:
        return [DailyFigure(day, ch, metric, key, count)
                for (day, ch, metric, key), count in sorted(self.tally.counts.items())
                if first <= day <= last and (channel is None or ch == channel)]

    async def totals(self, first: date, last: date) -> Dict[str, Dict[str, int]]:
        totals: Dict[str, Dict[str, int]] = {}
        for figure in await self.daily(first, last):
            per_key = totals.setdefault(figure.metric, {})
            per_key[figure.key] = per_key.get(figure.key, 0) + figure.count
        return totals

    async def forget_sender(self, sender_id: str) -> int:
        return len(self.tally.events.pop(sender_id, {}))
