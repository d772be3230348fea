"""Secure defaults of the Rasa server, installed by `bot.rasa_plugins.server` (issue 14;
docs/privacy.md):

* **The HTTP API always needs a token.** ``rasa run`` without ``--auth-token`` gets
  ``RASA_AUTH_TOKEN``; when none is configured a token is generated and printed once (the
  launcher configures one, so `make run` prints where it is). ``--cors`` defaults to the one
  allow-list (``ALLOWED_ORIGINS``, default: the console's own origin); ``--cors '*'`` is refused.
* **Body and field limits, clear 400s.** Every request body is capped (Sanic's
  ``REQUEST_MAX_SIZE`` = ``MAX_API_BODY``; the channels' webhooks and socket.io at
  ``MAX_WEBHOOK_BODY``), a JSON body must be valid UTF-8 JSON without lone surrogates and at most
  `MAX_JSON_DEPTH` deep, and the API endpoints that take an object get an object (400
  ``{"error", "message"}`` otherwise). Errors are JSON and never a traceback or the request body.
* **Payload slots are validated like typed text.** A message ``/intent{"entity": value}``
  (a button) sets entities without NLU; here each such value goes through the same extractor as
  typed text (`bot.zhtext.extract`, ``parse_rating`` for ratings) and is dropped when typed text
  would not have produced it (``/inform{"invoice_number": "../../x"}`` sets nothing).
* Personal data is masked in every log record of the process (`bot.app.logmask`).
* The API token is compared in constant time (`bot.rasa_plugins.api_token`).
"""
from __future__ import annotations

import logging
import re
import sys
from typing import Any, Dict, List, Optional, Sequence

from bot.app.jsonbody import BodyRejected, parse_json_body
from bot.app.settings import Settings, generated_secret
from bot.rasa_plugins.api_token import install as install_constant_time_token

logger = logging.getLogger(__name__)

#: Paths under which the channels live (smaller body cap).
WEBHOOK_PREFIXES = ("/webhooks/", "/socket.io")
#: HTTP API endpoints whose JSON body must be an object, and the fields that must be strings.
_OBJECT_BODIES = (
    (re.compile(r"^/model/parse/?$"), ("text", "message_id")),
    (re.compile(r"^/conversations/[^/]+/messages/?$"), ("text", "sender", "parse_data")),
    (re.compile(r"^/conversations/[^/]+/trigger_intent/?$"), ("name",)),
    (re.compile(r"^/conversations/[^/]+/execute/?$"), ("name",)),
    (re.compile(r"^/model/?$"), ("model_file", "model_server", "remote_storage")),
)
_KNOWN_ERROR_KEY = re.compile(r"^[a-z0-9_]{1,64}$")
_ENTITY_EXTRACTED = (
    "invoice_number", "invoice_code", "invoice_type", "invoice_date", "amount", "tax_id",
    "error_message", "platform", "phone_number",
)


# --- command line ---------------------------------------------------------------------------

def _has_option(argv: Sequence[str], name: str) -> bool:
    return any(arg == name or arg.startswith(name + "=") for arg in argv)


def _option_values(argv: Sequence[str], name: str) -> List[str]:
    values: List[str] = []
    for index, arg in enumerate(argv):
        if arg.startswith(name + "="):
            values.append(arg.split("=", 1)[1])
        elif arg == name:
            for value in argv[index + 1:]:
                if value.startswith("-"):
                    break
                values.append(value)
    return values


def secure_arguments(argv: List[str], settings: Settings, out: Any = None) -> List[str]:
    """``rasa run`` arguments with a token and the allow-list (raises SystemExit for ``*``)."""
    if len(argv) < 2 or argv[1] != "run":
        return argv
    argv = list(argv)
    if "*" in _option_values(argv, "--cors"):
        raise SystemExit("--cors '*' is refused: list the sites that embed the widget in "
                         "ALLOWED_ORIGINS (docs/privacy.md)")
    if not _has_option(argv, "--cors"):
        argv += ["--cors", *settings.allowed_origins]
    if not _has_option(argv, "--auth-token"):
        token = settings.rasa_auth_token
        if not token:
            token = generated_secret()
            print(f"Rasa HTTP API token (generated, shown once; set RASA_AUTH_TOKEN to choose one): "
                  f"{token}", file=out or sys.stderr, flush=True)
        argv.append(f"--auth-token={token}")  # one argument: a token may start with "-"
    return argv


# --- request checks -------------------------------------------------------------------------

def check_request(method: str, path: str, content_type: str, body: bytes, settings: Settings) -> None:
    """Raise BodyRejected when a request to the Rasa server must not reach its handler."""
    if path.startswith(WEBHOOK_PREFIXES) and len(body) > settings.max_webhook_body:
        raise BodyRejected(413, "payload_too_large",
                           f"body larger than {settings.max_webhook_body} bytes")
    if not body or method not in ("POST", "PUT", "PATCH"):
        return
    is_json = content_type.split(";")[0].strip().lower() in ("application/json", "")
    object_rule = next((fields for pattern, fields in _OBJECT_BODIES if pattern.match(path)), None)
    if not is_json and object_rule is None:
        return
    if path.startswith("/socket.io"):
        return
    value = parse_json_body(body)
    if object_rule is None:
        return
    if not isinstance(value, dict):
        raise BodyRejected(400, "invalid_body", "body must be a JSON object")
    for field in object_rule:
        if field in value and value[field] is not None and not isinstance(value[field], (str, dict)):
            raise BodyRejected(400, "invalid_field", f"{field} has the wrong type")
        if field in ("text", "name") and field in value and not isinstance(value[field], str):
            raise BodyRejected(400, "invalid_field", f"{field} must be a string")


def harden_app(app: Any, settings: Settings) -> Any:
    """Body limits, JSON checks and JSON errors on the Rasa server's Sanic app."""
    from sanic import response
    from sanic.exceptions import SanicException

    app.config.REQUEST_MAX_SIZE = settings.max_api_body
    app.config.FALLBACK_ERROR_FORMAT = "json"

    async def check(request: Any) -> Optional[Any]:
        try:
            body = request.body or b""
        except Exception:  # noqa: BLE001 - streamed routes (WeChat) read and cap their own body
            body = b""
        try:
            check_request(request.method, request.path, request.headers.get("content-type", ""),
                          body, settings)
        except BodyRejected as error:
            return response.json({"error": error.code, "message": error.message}, status=error.status)
        return None

    app.register_middleware(check, "request")

    def on_error(request: Any, exception: Exception) -> Any:
        if isinstance(exception, SanicException):
            status = getattr(exception, "status_code", 500) or 500
            return response.json({"error": type(exception).__name__, "message": str(exception)[:200]},
                                 status=status)
        logger.error("Unhandled error on %s %s: %s", request.method, request.path, type(exception).__name__)
        return response.json({"error": "internal_error", "message": "internal server error"}, status=500)

    app.error_handler.add(Exception, on_error)
    return app


def install_app_hardening(settings: Settings) -> None:
    """Every app ``rasa.core.run.configure_app`` builds is hardened."""
    from bot.rasa_plugins.app_hooks import on_every_app

    on_every_app("hardening", lambda app: harden_app(app, settings))


# --- payload entities -----------------------------------------------------------------------

def validated_payload_value(entity: str, value: Any) -> Optional[str]:
    """The value a payload may set for ``entity``: what typed text would have given, or None."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip()
    if not text or len(text) > 200:
        return None
    if entity == "rating":
        from bot.zhtext import parse_rating

        rating = parse_rating(text)
        return str(rating) if rating is not None and text in (str(rating), f"{rating}分") else None
    if entity == "known_error":
        return text if _KNOWN_ERROR_KEY.match(text) else None
    if entity not in _ENTITY_EXTRACTED:
        return None
    from bot.zhtext import extract

    found = [e for e in extract(text) if e.entity == entity]
    if len(found) != 1:
        return None
    # The whole value must be the entity (not a sentence that happens to contain one).
    if found[0].end - found[0].start < len(text.strip(" ，,。")) and entity != "error_message":
        return None
    return found[0].value


def validate_payload_entities(entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The entities of a ``/intent{...}`` message that pass `validated_payload_value`."""
    kept: List[Dict[str, Any]] = []
    for entity in entities:
        name = entity.get("entity")
        value = validated_payload_value(str(name), entity.get("value"))
        if value is None:
            logger.info("Payload entity %s dropped: not a value typed text could give", name)
            continue
        kept.append({**entity, "value": value})
    return kept


def install_payload_validation() -> None:
    """Patch ``RegexMessageHandler.process`` (the ``/intent{...}`` parser) to validate entities."""
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
    from rasa.shared.nlu.constants import ENTITIES, TEXT

    process = RegexMessageHandler.process
    if getattr(process, "fapiao_validated", False):
        return

    def validated(self: Any, messages: List[Any], domain: Any = None) -> List[Any]:
        messages = process(self, messages, domain)
        for message in messages:
            text = message.get(TEXT) or ""
            entities = message.get(ENTITIES) or []
            if text.startswith("/") and entities:
                message.set(ENTITIES, validate_payload_entities(entities), add_to_output=True)
        return messages

    validated.fapiao_validated = True  # type: ignore[attr-defined]
    RegexMessageHandler.process = validated


def install(argv: Optional[List[str]] = None) -> None:
    """Everything above, for this process (``argv``: ``sys.argv``, rewritten in place)."""
    from bot.app.logmask import install as install_log_masking

    install_log_masking()
    settings = Settings.from_env()
    target = sys.argv if argv is None else argv
    target[:] = secure_arguments(target, settings)
    install_app_hardening(settings)
    install_payload_validation()
    install_constant_time_token()
