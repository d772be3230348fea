"""The HTTP invoice adapter puts nothing a user controls into the URL unescaped (issue 14): only
contract-shaped numbers and codes are sent, percent-encoded, to a real HTTP peer on 127.0.0.1."""
from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app.invoices.http import HttpInvoiceSystem


async def test_only_contract_numbers_reach_the_platform_and_the_path_is_escaped():
    seen = []

    async def invoice(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response({}, status=404)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", invoice)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    system = HttpInvoiceSystem(str(server.make_url("")).rstrip("/"), timeout=5)
    try:
        for hostile in ("../../admin", "12345678/../../x", "12345678?code=1", "１２３４５６７８", "%2e%2e"):
            assert await system.lookup(hostile) is None
        assert await system.lookup("12345678", "011002400111&x=1") is None
        assert seen == []
        assert await system.lookup("12345678", "011002400111") is None
        assert seen == ["/api/v1/invoices/12345678?code=011002400111"]
    finally:
        await system.close()
        await server.close()
