"""Typed keys of the application's shared state."""
from __future__ import annotations

import aiohttp
from aiohttp import web

from bot.app.container import Container
from bot.app.settings import Settings
from bot.console.rasa_client import RasaClient

SETTINGS = web.AppKey("settings", Settings)
CONTAINER = web.AppKey("container", Container)
HTTP = web.AppKey("http", aiohttp.ClientSession)
RASA = web.AppKey("rasa", RasaClient)


def services(request: web.Request) -> Container:
    """The services of the console process (built on first use)."""
    return request.app[CONTAINER]
