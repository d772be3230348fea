"""Signing in to the operator console from aiohttp's test client."""
from __future__ import annotations

import re
from typing import Dict, Optional

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def origin(client) -> Dict[str, str]:
    """The Origin header of the console's own pages."""
    return {"Origin": f"http://{client.server.host}:{client.server.port}"}


async def csrf_of(client, path: str = "/operator/login") -> str:
    page = await client.get(path)
    text = await page.text()
    found = CSRF.search(text) or META.search(text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


async def sign_in(client, username: str, password: str, expect: Optional[int] = 303):
    token = await csrf_of(client)
    response = await client.post("/operator/login", data={"username": username, "password": password,
                                                          "csrf_token": token, "next": "/operator/"},
                                 headers=origin(client), allow_redirects=False)
    if expect is not None:
        assert response.status == expect, await response.text()
    return response


async def post_form(client, path: str, data: Dict[str, str], token: Optional[str] = None,
                    headers: Optional[Dict[str, str]] = None):
    """A form POST as the console's pages send it (token from the page, same Origin)."""
    token = token if token is not None else await csrf_of(client, "/operator/tickets")
    return await client.post(path, data={**data, "csrf_token": token},
                             headers={**origin(client), **(headers or {})}, allow_redirects=False)
