"""Both invoice-system adapters behind one interface: embedded SQL and HTTP."""
import asyncio
from datetime import date
from decimal import Decimal

import pytest
from aiohttp import web

from bot.app.invoices.base import InvoiceStatus, InvoiceSystemUnavailable
from bot.app.invoices.http import HttpInvoiceSystem
from bot.app.invoices.sql import SqlInvoiceSystem, demo_invoices


@pytest.fixture
def sql_system(tmp_path):
    return SqlInvoiceSystem(f"sqlite:///{tmp_path / 'invoices.db'}")


@pytest.mark.parametrize(
    "number, status",
    [(row.number, row.status) for row in demo_invoices(date(2026, 11, 27))],
)
async def test_demo_data_covers_every_status(sql_system, number, status):
    record = await sql_system.lookup(number)
    assert record is not None and record.status is status


async def test_sql_unknown_number_and_code_mismatch(sql_system):
    assert await sql_system.lookup("99999999") is None
    assert await sql_system.lookup("12345678", code="999999999999") is None
    found = await sql_system.lookup("12345678", code="011002400111")
    assert found.amount == Decimal("12500.00")


def test_every_status_is_demoed():
    assert {row.status for row in demo_invoices(date(2026, 1, 1))} == set(InvoiceStatus)


async def test_seed_is_idempotent(sql_system):
    await sql_system.lookup("12345678")  # first use seeds
    assert sql_system.seed(date(2026, 11, 27)) == 0


# --- HTTP adapter against a small platform on 127.0.0.1 ---------------------------------

INVOICE_JSON = {
    "number": "12345678", "code": "011002400111", "type": "增值税专用发票",
    "status": "upload_failed", "issue_date": "2024-10-29", "amount": "12500.00",
    "seller_name": "卖方", "buyer_name": "买方", "updated_at": "2024-10-29T09:00:00+08:00",
    "detail": "明细行缺少税收分类编码",
}


@pytest.fixture
async def platform(unused_tcp_port_factory=None):
    calls = []

    async def invoice(request):
        calls.append((request.match_info["number"], request.query.get("code"),
                      request.headers.get("Authorization")))
        number = request.match_info["number"]
        if number == "12345678":
            return web.json_response(INVOICE_JSON)
        if number == "11111111":
            return web.Response(status=500, text="boom")
        if number == "22222222":
            await asyncio.sleep(2)
            return web.json_response(INVOICE_JSON)
        if number == "33333333":
            return web.json_response({"number": "33333333"})
        return web.json_response({"error": "not found"}, status=404)

    app = web.Application()
    app.router.add_get("/api/v1/invoices/{number}", invoice)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", calls
    await runner.cleanup()


async def test_http_lookup_parses_the_contract(platform):
    url, calls = platform
    system = HttpInvoiceSystem(url, timeout=1.0, token="secret")
    try:
        record = await system.lookup("12345678", code="011002400111")
        assert record.status is InvoiceStatus.UPLOAD_FAILED
        assert record.amount == Decimal("12500.00")
        assert record.issue_date == date(2024, 10, 29)
        assert calls[-1] == ("12345678", "011002400111", "Bearer secret")
        assert await system.lookup("87654321") is None
    finally:
        await system.close()


@pytest.mark.parametrize("number", ["11111111", "22222222", "33333333"])
async def test_http_failures_become_unavailable(platform, number):
    url, _ = platform
    system = HttpInvoiceSystem(url, timeout=0.5)
    try:
        with pytest.raises(InvoiceSystemUnavailable):
            await system.lookup(number)
    finally:
        await system.close()


async def test_http_unreachable_platform_is_unavailable():
    system = HttpInvoiceSystem("http://127.0.0.1:9", timeout=0.5)
    try:
        with pytest.raises(InvoiceSystemUnavailable):
            await system.lookup("12345678")
    finally:
        await system.close()
