"""Typed keys of the application's shared state, and the service accessor."""
from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from bot.console.config import ConsoleConfig
from bot.console.rasa_client import RasaClient

CONFIG = web.AppKey("config", ConsoleConfig)
HTTP = web.AppKey("http", aiohttp.ClientSession)
RASA = web.AppKey("rasa", RasaClient)
SERVICES = web.AppKey("services", dict)


def service(request: web.Request, name: str) -> Any:
    """A service of the app (knowledge, feedback, tickets), built on first use."""
    return request.app[SERVICES][name]()
