"""``python -m bot.console [--host H] [--port N]``: run the console until interrupted."""
from __future__ import annotations

import argparse
import logging
from typing import List, Optional

from aiohttp import web

from bot.app.settings import Settings
from bot.console.app import create_app


def main(argv: Optional[List[str]] = None) -> None:
    """Parse arguments, build the app and serve it."""
    parser = argparse.ArgumentParser(prog="python -m bot.console", description=__doc__)
    parser.add_argument("--host", default=None, help="interface (default CONSOLE_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default CONSOLE_PORT or 8080)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    overrides = {k: v for k, v in (("console_host", args.host), ("console_port", args.port)) if v is not None}
    settings = settings.replace(**overrides)
    host, port = settings.console_host, settings.console_port
    web.run_app(create_app(settings), host=host, port=port, access_log=None,
                print=lambda _: logging.getLogger("bot.console").info("console on http://%s:%s/", host, port))


if __name__ == "__main__":
    main()
