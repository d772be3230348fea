"""Runtime settings: the one place that reads the process environment.

Every deployment choice (databases, invoice backend, ports, tokens, allowed origins) is made
here by configuration, never by code branches elsewhere. Values are parsed and checked by
pydantic, so a bad value stops the process at start with the variable's name, instead of
failing on the first request.

Other modules ask for ``Settings.from_env()`` (or receive a `Settings`); the few libraries that
read variables themselves (Rasa's ``endpoints.yml`` substitution, rasa-sdk's ``SANIC_HOST``)
get them from the launcher's environment (`bot.launcher.commands.runtime_env`), and the WeChat
channels parse their own account variables from `read_environment()`.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, ValidationError, root_validator, validator

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"
DEVELOPMENT = "development"
INVOICE_BACKENDS = ("sql", "http")
#: Secrets every process of one deployment must share. Outside development they must be set;
#: in development `development_secrets` generates them once under ``VAR_DIR`` (docs/privacy.md).
SHARED_SECRETS = ("RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN", "WIDGET_SESSION_SECRET",
                  "OPERATOR_SESSION_SECRET")
#: Shortest accepted shared secret (characters).
MIN_SECRET_LENGTH = 16


class SettingsError(ValueError):
    """The environment holds a value the assistant cannot run with (the message names it)."""


def read_environment() -> Mapping[str, str]:
    """The process environment (the only place that reads ``os.environ``)."""
    return os.environ


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class Settings(BaseModel):
    """Process-wide configuration, immutable once read.

    Attributes:
        app_env: ``development`` or anything else (production-like: tokens are required).
        var_dir: where the embedded SQLite databases live.
        app_database_url: knowledge base, tickets, feedback (SQLite under var/ by default).
        invoice_backend: ``sql`` (embedded demo invoice system) or ``http`` (a real platform).
        invoice_database_url: database of the embedded invoice system.
        invoice_api_url: base URL of the invoice platform for the ``http`` backend.
        invoice_api_token: bearer token for the invoice platform, if it needs one.
        invoice_api_timeout: seconds before an invoice look-up is abandoned.
        knowledge_content_dir: where the knowledge YAML lives.
        rasa_port, action_port, console_port: ports of the three processes.
        rasa_interface: interface the Rasa server binds.
        rasa_url: the Rasa server as seen from the console (tracker history, health).
        rasa_public_url: the Rasa server as the *browser* sees it (defaults to ``rasa_url``).
        rasa_auth_token: token for the Rasa HTTP API (empty in development).
        operator_token: bearer token of the console's operator API (empty: API disabled).
        console_host: interface the console binds.
        allowed_origins: the one allow-list of web origins (``scheme://host[:port]``) that
            may embed the widget: CORS of the console's public API and of the Rasa server, and
            the Origins socket.io accepts. Default: the console's own origin. ``*`` is refused.
        console_rasa_timeout: seconds before a console call to the Rasa HTTP API is abandoned.
        widget_dist_dir: the built widget (``make widget`` writes it).
        redis_url: Redis for channel state shared between replicas (empty: in-process).
        cluster_replicas: Rasa replicas and action servers of ``make cluster``.
        action_proxy_port: the proxy in front of the action servers (default ``action_port - 1``).
        postgres_url: PostgreSQL server of ``make cluster`` (tracker store and app database
            unless ``TRACKER_STORE_URL`` / ``APP_DATABASE_URL`` name another PostgreSQL database).
        rabbitmq_url: RabbitMQ of ``make cluster`` (Rasa's Pika event broker, analytics).
        event_queue: the durable queue the analytics consumer reads.
        ticket_lock_lifetime: seconds a conversation's lock lives (Rasa's ``TICKET_LOCK_LIFETIME``):
            at most this long a conversation waits behind a replica that died holding its lock.
        analytics_poll_interval: seconds between two reads of the tracker store by the analytics
            fallback of ``make run`` (no event broker).
        analytics_reconcile_seconds: how often the analytics consumer of ``make cluster`` also
            reads the tracker store for events that never reached the queue.
        action_server_token: shared secret the Rasa server sends to the action server
            (header ``X-Action-Token``, endpoints.yml); the action server refuses calls without it.
        widget_session_secret: HMAC key of the widget's server-minted session tokens
            (`bot.app.widget_sessions`); the Rasa server and the console must share it.
        tracker_store_url: SQLAlchemy URL of Rasa's SQL tracker store (privacy command line).
        max_message_chars: longest user message a channel accepts (characters).
        max_webhook_body: largest request body of the channels' webhooks (bytes).
        max_api_body: largest request body of the token-protected Rasa HTTP API (bytes).
        lookup_limit_conversation: invoice look-ups one conversation may make per window.
        lookup_limit_client: invoice look-ups one client address may make per window.
        lookup_limit_window: the window of both look-up limits (seconds).
        trust_forwarded_for: take the client address from ``X-Forwarded-For`` (only behind a
            proxy that sets it); otherwise the peer address counts.
        retention_days: conversations, tickets and feedback older than this are purged by
            ``python -m bot.app.privacy purge`` (docs/privacy.md).
        operator_admin_password: password of the ``admin`` operator created at the console's
            start when no operator exists yet (docs/operator.md); empty: none is created.
        operator_session_secret: key of the operator console's encrypted session cookies
            (every console replica must share it).
        operator_session_max_age: seconds an operator stays signed in without activity.
        operator_cookie_secure: send the session cookie over HTTPS only (default: outside
            development).
        operator_login_limit: wrong passwords allowed per user name and per client address in
            ``operator_login_window`` seconds before logins are refused for a while.
        handover_wait_minutes: a user waiting this long for a person (live hand-over) is told
            and offered a call back.
    """

    app_env: str = Field(DEVELOPMENT, env="APP_ENV")
    var_dir: Path = Field(DEFAULT_VAR_DIR, env="VAR_DIR")
    app_database_url: str = Field("", env="APP_DATABASE_URL")
    invoice_backend: str = Field("sql", env="INVOICE_BACKEND")
    invoice_database_url: str = Field("", env="INVOICE_DATABASE_URL")
    invoice_api_url: Optional[str] = Field(None, env="INVOICE_API_URL")
    invoice_api_token: Optional[str] = Field(None, env="INVOICE_API_TOKEN")
    invoice_api_timeout: float = Field(3.0, gt=0, env="INVOICE_API_TIMEOUT")
    knowledge_content_dir: Path = Field(PROJECT_ROOT / "knowledge" / "content", env="KNOWLEDGE_CONTENT_DIR")
    rasa_port: int = Field(5005, ge=1, le=65535, env="RASA_PORT")
    action_port: int = Field(5055, ge=1, le=65535, env="ACTION_PORT")
    console_port: int = Field(8080, ge=1, le=65535, env="CONSOLE_PORT")
    rasa_interface: str = Field("127.0.0.1", env="RASA_INTERFACE")
    rasa_url: str = Field("", env="RASA_URL")
    rasa_public_url: str = Field("", env="RASA_PUBLIC_URL")
    rasa_auth_token: str = Field("", env="RASA_AUTH_TOKEN")
    operator_token: str = Field("", env="OPERATOR_TOKEN")
    console_host: str = Field("127.0.0.1", env="CONSOLE_HOST")
    allowed_origins: Tuple[str, ...] = Field((), env="ALLOWED_ORIGINS")
    console_rasa_timeout: float = Field(5.0, gt=0, env="CONSOLE_RASA_TIMEOUT")
    widget_dist_dir: Path = Field(PROJECT_ROOT / "bot" / "console" / "widget" / "dist", env="WIDGET_DIST_DIR")
    redis_url: Optional[str] = Field(None, env="REDIS_URL")
    action_server_token: str = Field("", env="ACTION_SERVER_TOKEN")
    widget_session_secret: str = Field("", env="WIDGET_SESSION_SECRET")
    tracker_store_url: str = Field("", env="TRACKER_STORE_URL")
    max_message_chars: int = Field(8000, ge=1, le=100_000, env="MAX_MESSAGE_CHARS")
    max_webhook_body: int = Field(64 * 1024, ge=1024, env="MAX_WEBHOOK_BODY")
    max_api_body: int = Field(1024 * 1024, ge=1024, env="MAX_API_BODY")
    lookup_limit_conversation: int = Field(10, ge=1, env="INVOICE_LOOKUP_LIMIT_CONVERSATION")
    lookup_limit_client: int = Field(30, ge=1, env="INVOICE_LOOKUP_LIMIT_CLIENT")
    lookup_limit_window: float = Field(600.0, gt=0, env="INVOICE_LOOKUP_LIMIT_WINDOW")
    trust_forwarded_for: bool = Field(False, env="TRUST_FORWARDED_FOR")
    retention_days: int = Field(180, ge=1, env="RETENTION_DAYS")
    # The operator console (issue 12: docs/operator.md).
    operator_admin_password: str = Field("", env="OPERATOR_ADMIN_PASSWORD")
    operator_session_secret: str = Field("", env="OPERATOR_SESSION_SECRET")
    operator_session_max_age: int = Field(8 * 3600, ge=60, env="OPERATOR_SESSION_MAX_AGE")
    operator_cookie_secure: Optional[bool] = Field(None, env="OPERATOR_COOKIE_SECURE")
    operator_login_limit: int = Field(5, ge=1, env="OPERATOR_LOGIN_LIMIT")
    operator_login_window: float = Field(300.0, gt=0, env="OPERATOR_LOGIN_WINDOW")
    handover_wait_minutes: float = Field(5.0, gt=0, env="HANDOVER_WAIT_MINUTES")
    # The replicated topology (`make cluster`: bot/launcher/cluster.py, docs/deployment.md).
    cluster_replicas: int = Field(2, ge=1, le=16, env="CLUSTER_REPLICAS")
    action_proxy_port: int = Field(0, ge=0, le=65535, env="ACTION_PROXY_PORT")
    postgres_url: str = Field("postgresql://postgres@127.0.0.1:5432", env="POSTGRES_URL")
    rabbitmq_url: str = Field("amqp://guest:guest@127.0.0.1:5672/", env="RABBITMQ_URL")
    event_queue: str = Field("fapiao_events", env="EVENT_QUEUE")
    ticket_lock_lifetime: int = Field(20, ge=1, le=600, env="TICKET_LOCK_LIFETIME")
    analytics_poll_interval: float = Field(2.0, gt=0, env="ANALYTICS_POLL_INTERVAL")
    analytics_reconcile_seconds: float = Field(60.0, gt=0, env="ANALYTICS_RECONCILE_SECONDS")

    class Config:
        allow_mutation = False
        extra = "forbid"

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Settings from environment variables (`read_environment()` by default).

        Empty variables count as unset. Raises `SettingsError` naming the variable when a value
        cannot be used.
        """
        env = read_environment() if env is None else env
        values: Dict[str, Any] = {}
        for name, field in cls.__fields__.items():
            raw = env.get(field.field_info.extra["env"], "")
            if raw.strip():
                values[name] = raw.strip()
        try:
            return cls(**values)
        except ValidationError as error:
            problems = "; ".join(
                f"{cls.__fields__[str(e['loc'][0])].field_info.extra['env']}: {e['msg']}"
                if e["loc"] and str(e["loc"][0]) in cls.__fields__ else e["msg"]
                for e in error.errors()
            )
            raise SettingsError(problems) from None

    def replace(self, **changes: Any) -> "Settings":
        """A copy with some values changed (validated like the original)."""
        return type(self)(**{**self.dict(), **changes})

    @property
    def is_development(self) -> bool:
        """Whether this is a development setup (no tokens required)."""
        return self.app_env == DEVELOPMENT

    @validator("allowed_origins", pre=True)
    def _split_origins(cls, value: Any) -> Any:  # noqa: N805 - pydantic validator
        if isinstance(value, str):
            return tuple(o.strip() for o in value.split(",") if o.strip())
        return value

    @validator("allowed_origins")
    def _plain_origins(cls, value: Tuple[str, ...]) -> Tuple[str, ...]:  # noqa: N805
        for origin in value:
            if origin == "*":
                raise ValueError("'*' is not allowed: list the sites that embed the widget")
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path \
                    or parts.query or parts.fragment:
                raise ValueError(f"{origin!r} is not an origin such as https://help.example.com")
        return tuple(o.rstrip("/") for o in value)

    @validator("widget_session_secret", "operator_session_secret")
    def _long_enough(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if value and len(value) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
        return value

    @validator("action_proxy_port", always=True)
    def _action_proxy_port(cls, value: int, values: Dict[str, Any]) -> int:  # noqa: N805
        return value or max(1, int(values.get("action_port", 5055)) - 1)

    @validator("invoice_backend")
    def _known_backend(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if value not in INVOICE_BACKENDS:
            raise ValueError(f"must be one of {', '.join(INVOICE_BACKENDS)}, not {value!r}")
        return value

    @root_validator(skip_on_failure=True)
    def _derived_defaults(cls, values: Dict[str, Any]) -> Dict[str, Any]:  # noqa: N805
        var_dir: Path = values["var_dir"]
        values["app_database_url"] = values["app_database_url"] or _sqlite_url(var_dir / "app.db")
        values["invoice_database_url"] = (values["invoice_database_url"]
                                          or _sqlite_url(var_dir / "invoices.db"))
        values["rasa_url"] = (values["rasa_url"] or f"http://127.0.0.1:{values['rasa_port']}").rstrip("/")
        values["rasa_public_url"] = (values["rasa_public_url"] or values["rasa_url"]).rstrip("/")
        values["tracker_store_url"] = (values["tracker_store_url"]
                                       or _sqlite_url(var_dir / "tracker.db"))
        if not values["allowed_origins"]:
            port = values["console_port"]
            values["allowed_origins"] = (f"http://127.0.0.1:{port}", f"http://localhost:{port}")
        if values["invoice_backend"] == "http" and not values["invoice_api_url"]:
            raise ValueError("INVOICE_BACKEND=http needs INVOICE_API_URL")
        return values


def missing_secrets(settings: Settings) -> Tuple[str, ...]:
    """The shared secrets (`SHARED_SECRETS`) this configuration leaves empty."""
    values = {"RASA_AUTH_TOKEN": settings.rasa_auth_token,
              "ACTION_SERVER_TOKEN": settings.action_server_token,
              "WIDGET_SESSION_SECRET": settings.widget_session_secret,
              "OPERATOR_SESSION_SECRET": settings.operator_session_secret}
    return tuple(name for name in SHARED_SECRETS if not values[name])


def generated_secret() -> str:
    """A random URL-safe secret that does not start with ``-`` (it is passed on command lines,
    e.g. ``rasa run --auth-token``, where argparse would take it for an option)."""
    while True:
        value = secrets.token_urlsafe(32)
        if not value.startswith("-"):
            return value


def development_secrets(var_dir: Path) -> Dict[str, str]:
    """The development deployment's shared secrets, generated once and kept in
    ``VAR_DIR/secrets.json`` (mode 0600), so that every process of a stack, the tests that talk
    to it and a restart (widget sessions stay valid) see the same values."""
    path = Path(var_dir) / "secrets.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = {}
    if not isinstance(stored, dict):
        stored = {}
    values = {name: str(stored.get(name) or "") for name in SHARED_SECRETS}
    if all(len(v) >= MIN_SECRET_LENGTH for v in values.values()):
        return values
    for name, value in values.items():
        if len(value) < MIN_SECRET_LENGTH:
            values[name] = generated_secret()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(values, handle)
    os.replace(temporary, path)
    return values
