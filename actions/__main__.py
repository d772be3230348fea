"""The action server as this project runs it: ``python -m actions --actions actions``.

Same as ``python -m rasa_sdk`` (same arguments), with these differences:

* it listens on 127.0.0.1 unless ``SANIC_HOST`` says otherwise (rasa-sdk 3.6 has no
  ``--interface`` option and binds every interface by default; only the Rasa server talks to it);
* before it accepts requests it builds the knowledge base and its search index, so the first
  conversation does not wait seconds for jieba and the TF-IDF index (the launcher waits for
  ``/health``, which answers only after this warm-up);
* it requires the shared secret ``ACTION_SERVER_TOKEN`` in the header ``X-Action-Token`` on every
  route but ``/health`` (endpoints.yml sends it; rasa-sdk 3.6 has no authentication of its own)
  and refuses to start without one;
* its errors never echo the request (rasa-sdk answers a failing action with the whole tracker,
  personal data included, and logs the request): the answer is ``{"error": "action_failed"}``
  and the log names the exception type only;
* request bodies are capped (``MAX_ACTION_BODY`` bytes, Sanic's default is 100 MB).
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import os
import sys
import time
from typing import Any, Optional

logger = logging.getLogger(__name__)

WARM_UP_QUERY = "登录不了电子税务局"
TOKEN_HEADER = "X-Action-Token"
#: Largest request the action server reads (a tracker with its events): 16 MiB.
MAX_ACTION_BODY = 16 * 1024 * 1024
OPEN_PATHS = ("/health",)


def secure_app(app: Any, token: str) -> Any:
    """The shared-secret check, errors without the request, and the body cap on rasa-sdk's app."""
    # rasa-sdk's own handle on Sanic's responses (only bot.rasa_plugins imports sanic itself).
    from rasa_sdk.endpoint import response  # type: ignore[attr-defined]

    app.config.REQUEST_MAX_SIZE = MAX_ACTION_BODY

    async def require_token(request: Any) -> Optional[Any]:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(TOKEN_HEADER, "")
        if not given or not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    app.register_middleware(require_token, "request")

    async def without_body(request: Any, exception: Exception) -> Any:
        status = getattr(exception, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            return response.json({"error": type(exception).__name__}, status=status)
        logger.error("Action request failed: %s", type(exception).__name__)
        return response.json({"error": "action_failed"}, status=500)

    app.error_handler.add(Exception, without_body)
    return app


def install_client_context() -> None:
    """Each action call sees the client key of its latest user message
    (`actions.invoice_lookup.CURRENT_CLIENT`: the look-up limit per client address)."""
    from rasa_sdk.executor import ActionExecutor

    from actions.invoice_lookup import CURRENT_CLIENT, client_of

    run = ActionExecutor.run
    if getattr(run, "fapiao_client", False):
        return

    async def run_with_client(self: Any, action_call: Any) -> Any:
        tracker = action_call.get("tracker") if isinstance(action_call, dict) else None
        token = CURRENT_CLIENT.set(client_of(tracker if isinstance(tracker, dict) else {}))
        try:
            return await run(self, action_call)
        finally:
            CURRENT_CLIENT.reset(token)

    run_with_client.fapiao_client = True  # type: ignore[attr-defined]
    ActionExecutor.run = run_with_client  # type: ignore[method-assign]


def install_security(token: str) -> None:
    """Wrap ``rasa_sdk.endpoint.create_app`` with `secure_app`; see `install_client_context`."""
    import rasa_sdk.endpoint

    install_client_context()

    create_app = rasa_sdk.endpoint.create_app
    if getattr(create_app, "fapiao_secured", False):
        return

    def secured(*args: Any, **kwargs: Any) -> Any:
        return secure_app(create_app(*args, **kwargs), token)

    secured.fapiao_secured = True  # type: ignore[attr-defined]
    rasa_sdk.endpoint.create_app = secured


def warm_up() -> float:
    """Build the services the first turns need; return the seconds it took.

    A failure here is logged, not raised: the action server still starts, and the first
    action that needs the knowledge base reports the problem to the user politely.
    """
    from bot.app import container

    started = time.perf_counter()
    try:
        asyncio.run(container.current().knowledge().search(WARM_UP_QUERY))
    except Exception:  # noqa: BLE001 - the server must start; actions handle a broken KB
        logger.exception("Warm-up of the knowledge base failed; the first actions will retry.")
    return time.perf_counter() - started


def main() -> None:
    os.environ.setdefault("SANIC_HOST", "127.0.0.1")
    from bot.app.settings import Settings, SettingsError

    try:
        token = Settings.from_env().action_server_token
    except SettingsError as error:
        sys.exit(f"Configuration error: {error}")
    if not token:
        sys.exit("ACTION_SERVER_TOKEN is not set: the action server needs the secret the Rasa server "
                 "sends (endpoints.yml); `make run` generates one (docs/privacy.md)")
    install_security(token)
    from rasa_sdk.__main__ import main as rasa_sdk_main

    logger.info("Knowledge base warmed up in %.1f s", warm_up())
    rasa_sdk_main()


if __name__ == "__main__":
    main()
