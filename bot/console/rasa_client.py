"""The few calls the console makes to the Rasa HTTP API."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional
from urllib.parse import quote

import aiohttp


class RasaUnavailable(Exception):
    """The Rasa server did not answer, or answered with an error."""


class RasaClient:
    """Reads trackers from Rasa's HTTP API (``--enable-api``) and sends agents' replies and
    hand-over notices through the hand-over endpoint (`bot.rasa_plugins.handover`).

    Args:
        session: the application's shared ``aiohttp.ClientSession``.
        base_url: the Rasa server, e.g. ``http://127.0.0.1:5005``.
        token: ``--auth-token`` of the Rasa server; sent as ``?token=`` when set.
        timeout: seconds per request.
    """

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str = "",
                 timeout: float = 5.0) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def tracker(self, sender_id: str) -> Optional[Dict[str, Any]]:
        """The tracker of ``sender_id`` with all its events, or None if Rasa has none."""
        params = {"include_events": "ALL"}
        if self._token:
            params["token"] = self._token
        url = f"{self._base_url}/conversations/{quote(sender_id, safe='')}/tracker"
        try:
            async with self._session.get(url, params=params, timeout=self._timeout) as response:
                if response.status == 404:
                    return None
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(str(error) or type(error).__name__) from error
        return body if isinstance(body, dict) else None

    async def send_to_user(self, payload: Dict[str, Any]) -> Dict[str, Any]:
        """``POST /webhooks/handover/send`` (live hand-over): ``{"status": "sent"|"stored", ...}``.

        Raises `RasaUnavailable` when Rasa cannot be reached or refuses (the message says why).
        """
        url = f"{self._base_url}/webhooks/handover/send"
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with self._session.post(url, json=payload, headers=headers, timeout=self._timeout) as response:
                body = await response.json(content_type=None)
                if response.status != 200:
                    reason = body.get("message") if isinstance(body, dict) else None
                    raise RasaUnavailable(f"Rasa answered HTTP {response.status}: {reason or ''}".strip())
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(str(error) or type(error).__name__) from error
        return body if isinstance(body, dict) else {}

    async def parse(self, text: str) -> Dict[str, Any]:
        """NLU of ``text`` by the running model (``POST /model/parse``): intent and entities."""
        params = {"token": self._token} if self._token else {}
        url = f"{self._base_url}/model/parse"
        try:
            async with self._session.post(url, json={"text": text}, params=params, timeout=self._timeout) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(str(error) or type(error).__name__) from error
        return body if isinstance(body, dict) else {}
