"""Helpers of the browser tests: an in-process console, a TCP proxy that can drop connections,
and small queries against the Rasa HTTP API."""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Set

import requests
from aiohttp import web

from bot.app.settings import Settings
from bot.console.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


class LoopThread:
    """An asyncio loop in a daemon thread, for servers the (synchronous) tests drive."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


class InProcessConsole:
    """The console app served from this process on 127.0.0.1 (same code as ``python -m``)."""

    def __init__(self, loop: LoopThread, settings: Settings) -> None:
        self._loop = loop
        self.settings = settings
        self._runner: Optional[web.AppRunner] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.console_port}"

    def start(self) -> "InProcessConsole":
        async def start():
            runner = web.AppRunner(create_app(self.settings))
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.settings.console_port).start()
            return runner

        self._runner = self._loop.run(start())
        return self

    def stop(self) -> None:
        if self._runner is not None:
            self._loop.run(self._runner.cleanup())
            self._runner = None


class DroppableProxy:
    """A TCP proxy to ``upstream_port``; ``drop()`` cuts every connection and refuses new
    ones (accept-then-close) until ``restore()``: a network outage as the browser sees it."""

    def __init__(self, loop: LoopThread, listen_port: int, upstream_port: int) -> None:
        self._loop = loop
        self.port = listen_port
        self._upstream = upstream_port
        self._writers: Set[asyncio.StreamWriter] = set()
        self._down = False
        self._server: Optional[asyncio.base_events.Server] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "DroppableProxy":
        async def start():
            return await asyncio.start_server(self._handle, "127.0.0.1", self.port)

        self._server = self._loop.run(start())
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._down:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                dst.close()
                self._writers.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def drop(self) -> None:
        async def drop():
            self._down = True
            for writer in list(self._writers):
                transport = writer.transport
                if transport is not None:
                    transport.abort()
            self._writers.clear()

        self._loop.run(drop())

    def restore(self) -> None:
        async def restore():
            self._down = False

        self._loop.run(restore())

    def stop(self) -> None:
        if self._server is not None:
            self.drop()

            async def close():
                self._server.close()
                await self._server.wait_closed()

            self._loop.run(close())
            self._server = None


@dataclass(frozen=True)
class Servers:
    """Everything a browser test talks to.

    Attributes:
        rasa_url: the Rasa server (HTTP API, socket.io).
        console_url: the console serving the demo page (the stack's own process if there is one).
        env: the environment of the stack (databases, tokens).
        operator_token: token of ``operator_console``.
    """

    rasa_url: str
    console_url: str
    env: Mapping[str, str]
    operator_token: str
    operator_console_url: str

    def tracker(self, sender_id: str) -> Dict:
        params = {"include_events": "ALL"}
        if self.env.get("RASA_AUTH_TOKEN"):
            params["token"] = self.env["RASA_AUTH_TOKEN"]
        response = requests.get(f"{self.rasa_url}/conversations/{sender_id}/tracker",
                                params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def user_texts(self, sender_id: str) -> List[str]:
        """Texts of the user's messages in the tracker store, in order."""
        return [e.get("text") or "" for e in self.tracker(sender_id).get("events", [])
                if e.get("event") == "user"]

    def operator(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.operator_token}"}
        return requests.request(method, f"{self.operator_console_url}{path}", headers=headers,
                                timeout=30, **kwargs)


def console_settings(env: Mapping[str, str], port: int, **overrides) -> Settings:
    """Settings of a console for ``env`` (the stack's), listening on 127.0.0.1:``port``."""
    return Settings.from_env(dict(env)).replace(console_host="127.0.0.1", console_port=port, **overrides)
