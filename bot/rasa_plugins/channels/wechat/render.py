"""Rasa bot messages → WeChat text (docs/channels.md §4.3 step 4, §4.4).

WeChat text messages have no buttons, so a turn's buttons become one numbered list, numbered
across the whole turn and followed by a hint line ("回复数字选择" by default,
`WECHAT_BUTTON_HINT` to change it). Numbers are shown as `【1】` so that they stand apart from
numbered instructions inside the text ("1. 打开浏览器…"). The number→payload map is kept per
user (`ButtonMemory`) so that a reply of just that number (or of a button's exact title) is
sent to Rasa as the button's payload.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

from bot.rasa_plugins.channels.wechat.kv import KeyValueStore
from bot.zhtext import normalise

DEFAULT_BUTTON_HINT = "回复数字选择"
# "1", "１", "【1】", "[1]", "1." … as users type a choice
_TYPED_CHOICE = re.compile(r"^[\[【(]?\s*(\d{1,2})\s*[\]】)]?[.。、]?$")
PARAGRAPH = "\n\n"


@dataclass(frozen=True)
class RenderedTurn:
    """The whole turn as one text, and the choices its numbered list offers."""

    text: str
    choices: Dict[str, str] = field(default_factory=dict)  # "1" -> "/payload"
    titles: Dict[str, str] = field(default_factory=dict)  # "无法登录" -> "/payload"


def render_turn(messages: Iterable[Dict[str, Any]], hint: str = DEFAULT_BUTTON_HINT) -> RenderedTurn:
    """Join the collected messages (`CollectingOutputChannel.messages`) into one text."""
    paragraphs: List[str] = []
    choices: Dict[str, str] = {}
    titles: Dict[str, str] = {}
    for message in messages:
        parts: List[str] = []
        if message.get("text"):
            parts.append(str(message["text"]).strip())
        lines = []
        numbered = False
        for button in message.get("buttons") or []:
            title = str(button.get("title", "")).strip()
            payload = button.get("payload")
            url = button.get("url")
            if payload:
                number = str(len(choices) + 1)
                choices[number] = str(payload)
                titles.setdefault(_normalise(title), str(payload))
                lines.append(f"【{number}】{title}")
                numbered = True
            elif url:
                lines.append(f"{title}: {url}")
        if lines:
            if numbered and hint:
                lines.append(hint)
            parts.append("\n".join(lines))
        if message.get("image"):
            parts.append(str(message["image"]))
        attachment = message.get("attachment")
        if isinstance(attachment, str) and attachment:
            parts.append(attachment)
        text = "\n".join(part for part in parts if part)
        if text:
            paragraphs.append(text)
    return RenderedTurn(PARAGRAPH.join(paragraphs), choices, titles)


def split_utf8(text: str, max_bytes: int) -> List[str]:
    """Split text into chunks of at most `max_bytes` UTF-8 bytes, packing whole paragraphs,
    then whole lines, then characters, so as few chunks (API messages) as possible are used."""
    if not text:
        return []
    chunks: List[str] = []
    for piece in _pieces(text, max_bytes):
        if chunks:
            candidate = chunks[-1] + piece.separator + piece.text
            if _size(candidate) <= max_bytes:
                chunks[-1] = candidate
                continue
        chunks.append(piece.text)
    return chunks


@dataclass(frozen=True)
class _Piece:
    text: str
    separator: str


def _pieces(text: str, max_bytes: int) -> List[_Piece]:
    pieces: List[_Piece] = []
    for paragraph in text.split(PARAGRAPH):
        if _size(paragraph) <= max_bytes:
            pieces.append(_Piece(paragraph, PARAGRAPH))
            continue
        separator = PARAGRAPH
        for line in paragraph.split("\n"):
            for part in _hard_split(line, max_bytes):
                pieces.append(_Piece(part, separator))
                separator = ""  # the rest of an over-long line continues it
            separator = "\n"
    return pieces


def _hard_split(line: str, max_bytes: int) -> List[str]:
    parts, current = [], ""
    for char in line:
        if _size(current + char) > max_bytes:
            parts.append(current)
            current = ""
        current += char
    parts.append(current)
    return parts


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _normalise(text: str) -> str:
    """Full-width digits and spaces typed on phones become ASCII ("１" → "1")."""
    return normalise(text).strip()


class ButtonMemory:
    """Per-user number→payload map of the last turn, in memory or Redis (via the store)."""

    def __init__(self, store: KeyValueStore, namespace: str, ttl: float = 86400.0) -> None:
        self._store = store
        self._prefix = f"{namespace}:buttons:"
        self._ttl = ttl

    async def remember(self, user: str, turn: RenderedTurn) -> None:
        """Replace the user's map; a turn without buttons clears it, so an unrelated "1"
        typed later is not mistaken for an old choice."""
        if not turn.choices:
            await self._store.delete(self._prefix + user)
            return
        value = json.dumps({"choices": turn.choices, "titles": turn.titles}, ensure_ascii=False)
        await self._store.set(self._prefix + user, value, self._ttl)

    async def resolve(self, user: str, text: str) -> Optional[str]:
        """The payload the user picked by number or exact title, or None."""
        raw = await self._store.get(self._prefix + user)
        if not raw:
            return None
        data = json.loads(raw)
        typed = _normalise(text)
        number = _TYPED_CHOICE.match(typed)
        if number:
            return data.get("choices", {}).get(number.group(1))
        return data.get("titles", {}).get(typed)

    async def forget(self, user: str) -> None:
        await self._store.delete(self._prefix + user)
