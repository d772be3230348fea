"""Runtime settings, read once from the environment.

Every deployment choice (databases, invoice backend, tokens) is selected here by configuration,
never by code branches elsewhere.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration.

    Attributes:
        app_database_url: knowledge base, tickets, feedback (SQLite under var/ by default).
        invoice_backend: ``sql`` (embedded demo invoice system) or ``http`` (a real platform).
        invoice_database_url: database of the embedded invoice system.
        invoice_api_url: base URL of the invoice platform for the ``http`` backend.
        invoice_api_token: bearer token for the invoice platform, if it needs one.
        invoice_api_timeout: seconds before an invoice look-up is abandoned.
        knowledge_content_dir: where the knowledge YAML lives.
        rasa_url: the Rasa server as seen from the console (tracker history, health).
        rasa_auth_token: token for the Rasa HTTP API (empty in development).
        operator_token: token for the console's operator API.
    """

    app_database_url: str
    invoice_backend: str
    invoice_database_url: str
    invoice_api_url: Optional[str]
    invoice_api_token: Optional[str]
    invoice_api_timeout: float
    knowledge_content_dir: Path
    rasa_url: str
    rasa_auth_token: str
    operator_token: str

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Build settings from environment variables (``os.environ`` by default)."""
        env = os.environ if env is None else env
        var_dir = Path(env.get("VAR_DIR", str(DEFAULT_VAR_DIR)))
        return cls(
            app_database_url=env.get("APP_DATABASE_URL") or _sqlite_url(var_dir / "app.db"),
            invoice_backend=env.get("INVOICE_BACKEND", "sql"),
            invoice_database_url=env.get("INVOICE_DATABASE_URL")
            or _sqlite_url(var_dir / "invoices.db"),
            invoice_api_url=env.get("INVOICE_API_URL") or None,
            invoice_api_token=env.get("INVOICE_API_TOKEN") or None,
            invoice_api_timeout=float(env.get("INVOICE_API_TIMEOUT", "3.0")),
            knowledge_content_dir=Path(
                env.get("KNOWLEDGE_CONTENT_DIR", str(PROJECT_ROOT / "knowledge" / "content"))
            ),
            rasa_url=env.get("RASA_URL", f"http://127.0.0.1:{env.get('RASA_PORT', '5005')}"),
            rasa_auth_token=env.get("RASA_AUTH_TOKEN", ""),
            operator_token=env.get("OPERATOR_TOKEN", ""),
        )
