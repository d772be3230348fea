"""Reading untrusted JSON request bodies: one parser for the Rasa server's plug-ins and the
console, so every public endpoint refuses the same things with a clear 400 (issue 14).

Refused: bodies that are not UTF-8, not JSON, nested deeper than `MAX_JSON_DEPTH`, or that hold
text with a lone surrogate (``"\\ud800"`` parses in Python but breaks every later encode).
"""
from __future__ import annotations

import json
from typing import Any

#: Deepest JSON nesting accepted in a request body.
MAX_JSON_DEPTH = 32


class BodyRejected(ValueError):
    """A request body the server refuses; ``status`` and ``code`` go into the answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def check_value(value: Any, depth: int = 0) -> None:
    """Raise BodyRejected for text with lone surrogates or nesting deeper than allowed."""
    if depth > MAX_JSON_DEPTH:
        raise BodyRejected(400, "too_deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BodyRejected(400, "invalid_text", "text contains a lone surrogate") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, depth + 1)
            check_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_value(item, depth + 1)


def parse_json_body(raw: bytes) -> Any:
    """The JSON value of ``raw``, or BodyRejected (400) for anything a handler could trip on."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyRejected(400, "invalid_json", "body is not UTF-8") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise BodyRejected(400, "too_deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError:
        raise BodyRejected(400, "invalid_json", "body is not valid JSON") from None
    check_value(value)
    return value
