"""``python -m bot.app.migrations``: upgrade the configured app database (``APP_DATABASE_URL``)
to the newest revision and print where it is."""
from __future__ import annotations

from bot.app.migrations import current, upgrade
from bot.app.settings import Settings
from knowledge.db import make_engine


def main() -> int:
    engine = make_engine(Settings.from_env().app_database_url)
    before = current(engine)
    upgrade(engine)
    print(f"app database: {before or 'none'} -> {current(engine)}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
