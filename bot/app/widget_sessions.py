"""Server-minted widget sessions: an unguessable conversation id and a token that proves it.

The Rasa server's socket.io channel mints a session when a client asks for one without a valid
token, and hands the client the *session token* ``<id>.<signature>``:

- ``id``: 32 random hex characters (128 bits), the Rasa ``sender_id`` and socket.io room;
- ``signature``: HMAC-SHA256 of the id under ``WIDGET_SESSION_SECRET``, base64url (43 chars).

The token travels where Rasa's socket.io protocol carries the session id (``session_confirm``,
``session_request {session_id}``), so standard Rasa chat widgets keep working: they store the
string and present it again. The console's history and feedback require the same token (header
`TOKEN_HEADER`). Only the holder of the token can join the conversation or read it back; the
id alone (in logs, tickets, the operator API) grants nothing.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Optional, Tuple

#: HTTP header of the console API that carries the session token.
TOKEN_HEADER = "X-Fapiao-Session"
#: The conversation id part.
SESSION_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
_TOKEN_PATTERN = re.compile(r"^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$")
_CONTEXT = b"fapiao-widget-session:v1:"


def _signature(secret: str, session_id: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), _CONTEXT + session_id.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def token_for(secret: str, session_id: str) -> str:
    """The session token of ``session_id`` (a 32-hex id) under ``secret``."""
    if not secret:
        raise ValueError("no widget session secret")
    if not SESSION_ID_PATTERN.match(session_id):
        raise ValueError("not a session id")
    return f"{session_id}.{_signature(secret, session_id)}"


def mint(secret: str) -> Tuple[str, str]:
    """A fresh session: ``(session_id, session_token)``."""
    session_id = secrets.token_hex(16)
    return session_id, token_for(secret, session_id)


def verify(secret: str, token: object) -> Optional[str]:
    """The session id a valid ``token`` proves, else None (constant-time comparison)."""
    if not secret or not isinstance(token, str) or len(token) > 100:
        return None
    match = _TOKEN_PATTERN.match(token)
    if not match:
        return None
    session_id, signature = match.groups()
    return session_id if hmac.compare_digest(signature, _signature(secret, session_id)) else None


def is_session_id(value: object) -> bool:
    """True for a 32-hex conversation id of the widget."""
    return isinstance(value, str) and bool(SESSION_ID_PATTERN.match(value))
