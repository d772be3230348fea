"""Settings of the console process (on top of the shared ``bot.app.settings.Settings``)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Tuple

from bot.app.settings import PROJECT_ROOT, Settings

WIDGET_DIST_DIR = Path(__file__).resolve().parent / "widget" / "dist"
STATIC_DIR = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class ConsoleConfig:
    """What the console needs to know.

    Attributes:
        settings: the shared runtime settings (databases, Rasa URL and token, operator token).
        host: interface to listen on.
        port: port to listen on (``CONSOLE_PORT``, default 8080).
        rasa_public_url: the Rasa server as the *browser* sees it (``RASA_PUBLIC_URL``;
            defaults to ``settings.rasa_url``, right when everything runs on one machine).
        widget_dir: the built widget (``make widget`` writes it).
        cors_origins: origins allowed to call the public API from other sites
            (``CONSOLE_CORS_ORIGINS``, comma-separated, ``*`` for any); the operator API never
            answers cross-origin requests.
        rasa_timeout: seconds before a call to the Rasa HTTP API is abandoned.
    """

    settings: Settings
    host: str = "127.0.0.1"
    port: int = 8080
    rasa_public_url: str = "http://127.0.0.1:5005"
    widget_dir: Path = WIDGET_DIST_DIR
    cors_origins: Tuple[str, ...] = ("*",)
    rasa_timeout: float = 5.0

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "ConsoleConfig":
        """Build the configuration from environment variables (``os.environ`` by default)."""
        env = os.environ if env is None else env
        settings = Settings.from_env(env)
        origins = tuple(o.strip() for o in env.get("CONSOLE_CORS_ORIGINS", "*").split(",") if o.strip())
        return cls(
            settings=settings,
            host=env.get("CONSOLE_HOST", "127.0.0.1"),
            port=int(env.get("CONSOLE_PORT", "8080")),
            rasa_public_url=(env.get("RASA_PUBLIC_URL") or settings.rasa_url).rstrip("/"),
            widget_dir=Path(env.get("WIDGET_DIST_DIR", str(WIDGET_DIST_DIR))),
            cors_origins=origins,
            rasa_timeout=float(env.get("CONSOLE_RASA_TIMEOUT", "5.0")),
        )
