"""The action server as this project runs it: ``python -m actions --actions actions``.

Same as ``python -m rasa_sdk`` (same arguments), with two differences:

* it listens on 127.0.0.1 unless ``SANIC_HOST`` says otherwise (rasa-sdk 3.6 has no
  ``--interface`` option and binds every interface by default; only the Rasa server talks to it);
* before it accepts requests it builds the knowledge base and its search index, so the first
  conversation does not wait seconds for jieba and the TF-IDF index (the launcher waits for
  ``/health``, which answers only after this warm-up).
"""
from __future__ import annotations

import asyncio
import logging
import os
import time

logger = logging.getLogger(__name__)

WARM_UP_QUERY = "登录不了电子税务局"


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
    from rasa_sdk.__main__ import main as rasa_sdk_main

    logger.info("Knowledge base warmed up in %.1f s", warm_up())
    rasa_sdk_main()


if __name__ == "__main__":
    main()
