"""The HTTP API's token compared in constant time.

Rasa 3.6's ``rasa.server.requires_auth`` compares the ``?token=`` of a request with the
server's token by ``==``, which returns as soon as a character differs: the time of a failed
request tells an attacker how much of a guess was right. Here the token is compared with
``hmac.compare_digest``. Everything else stays Rasa's: without a token configured, and for a
request whose token does not match, Rasa's own decorator decides (JWT, the 401 and 403 answers
and their messages); it is given a token that no request can match.
"""
from __future__ import annotations

import hmac
from functools import wraps
from inspect import isawaitable
from typing import Any, Callable, Optional

_NEVER_EQUAL = object()  # ``provided == _NEVER_EQUAL`` is False for every query string


def token_matches(provided: Optional[str], token: str) -> bool:
    """Whether the request's token is the server's, in time independent of where they differ."""
    return provided is not None and hmac.compare_digest(provided.encode("utf-8"), token.encode("utf-8"))


def constant_time_requires_auth(rasa_requires_auth: Callable[..., Any]) -> Callable[..., Any]:
    """``requires_auth(app, token)`` as Rasa's, with the token compared in constant time."""

    def requires_auth(app: Any, token: Optional[str] = None) -> Callable[[Any], Any]:
        if token is None:
            return rasa_requires_auth(app, None)

        def decorator(handler: Any) -> Any:
            rasa_guarded = rasa_requires_auth(app, _NEVER_EQUAL)(handler)

            @wraps(handler)
            async def decorated(request: Any, *args: Any, **kwargs: Any) -> Any:
                if token_matches(request.args.get("token", None), token):
                    result = handler(request, *args, **kwargs)
                    return await result if isawaitable(result) else result
                return await rasa_guarded(request, *args, **kwargs)

            return decorated

        return decorator

    requires_auth.constant_time = True  # type: ignore[attr-defined]
    return requires_auth


def install() -> None:
    """Replace ``rasa.server.requires_auth`` (used when ``create_app`` builds the routes)."""
    import rasa.server

    if getattr(rasa.server.requires_auth, "constant_time", False):
        return
    rasa.server.requires_auth = constant_time_requires_auth(rasa.server.requires_auth)
