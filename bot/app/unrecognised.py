"""The messages NLU did not understand (``nlu_fallback``), read from Rasa's tracker store, for
the operator dashboard's list of the most frequent ones.

The analytics aggregates count fallbacks but keep no text (they are anonymous); this reads the
tracker store's ``events`` table (``TRACKER_STORE_URL``: columns ``type_name``,
``intent_name``, ``timestamp``, ``data``) for the chosen days. Texts are normalised (NFKC,
spaces, case) to group variants, and personal data is masked (`bot.zhtext.mask_personal_data`)
before anything leaves this module.
"""
from __future__ import annotations

import json
import unicodedata
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from typing import List, Optional, Tuple

from sqlalchemy import MetaData, Table, select
from sqlalchemy.engine import Engine

from bot.app.blocking import off_loop
from bot.zhtext import mask_personal_data
from knowledge.db import make_engine

CHINA_TZ = timezone(timedelta(hours=8))
FALLBACK_INTENT = "nlu_fallback"
MAX_ROWS = 20000
MAX_TEXT = 80


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower()


class SqlUnrecognisedMessages:
    """`bot.app.protocols.UnrecognisedMessages` over the SQL tracker store."""

    def __init__(self, tracker_store_url: str) -> None:
        self._url = tracker_store_url
        self._engine: Optional[Engine] = None

    def _events(self) -> Optional[Table]:
        if self._engine is None:
            self._engine = make_engine(self._url)
        try:
            return Table("events", MetaData(), autoload_with=self._engine)
        except Exception:  # noqa: BLE001 - no tracker store yet (nobody talked): nothing to show
            return None

    @off_loop
    def most_frequent(self, first: date, last: date, limit: int = 10) -> List[Tuple[str, int]]:
        events = self._events()
        if events is None or self._engine is None:
            return []
        start = datetime.combine(first, time.min, CHINA_TZ).timestamp()
        end = datetime.combine(last + timedelta(days=1), time.min, CHINA_TZ).timestamp()
        query = (select(events.c.data).where(events.c.type_name == "user",
                                             events.c.intent_name == FALLBACK_INTENT,
                                             events.c.timestamp >= start, events.c.timestamp < end)
                 .order_by(events.c.id.desc()).limit(MAX_ROWS))
        counts: Counter = Counter()
        shown = {}
        with self._engine.connect() as connection:
            for (data,) in connection.execute(query):
                try:
                    text = json.loads(data).get("text") or ""
                except (TypeError, ValueError, AttributeError):
                    continue
                if not isinstance(text, str) or not text.strip() or text.startswith("/"):
                    continue
                key = _key(text)
                counts[key] += 1
                shown.setdefault(key, text.strip())
        return [(mask_personal_data(shown[key])[:MAX_TEXT], count) for key, count in counts.most_common(limit)]

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
