"""HTTP client for a real invoice platform (contract: docs/invoice-api.md)."""
from __future__ import annotations

import asyncio
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Optional
from urllib.parse import quote

import aiohttp

from bot.app.invoices.base import InvoiceRecord, InvoiceStatus, InvoiceSystemUnavailable


def record_from_json(payload: Mapping[str, Any]) -> InvoiceRecord:
    """Parse the platform's invoice JSON.

    Raises:
        InvoiceSystemUnavailable: the payload does not follow the contract.
    """
    try:
        return InvoiceRecord(
            number=str(payload["number"]),
            code=payload.get("code") or None,
            invoice_type=str(payload["type"]),
            status=InvoiceStatus(payload["status"]),
            issue_date=date.fromisoformat(payload["issue_date"]),
            amount=Decimal(str(payload["amount"])),
            seller_name=str(payload.get("seller_name", "")),
            buyer_name=str(payload.get("buyer_name", "")),
            updated_at=datetime.fromisoformat(payload["updated_at"]),
            detail=str(payload.get("detail") or ""),
            seller_tax_id=str(payload.get("seller_tax_id") or ""),
            buyer_tax_id=str(payload.get("buyer_tax_id") or ""),
        )
    except (KeyError, ValueError, TypeError, InvalidOperation) as error:
        raise InvoiceSystemUnavailable(f"malformed invoice payload: {error!r}") from error


#: What the contract allows in the path and the ``code`` parameter (docs/invoice-api.md).
_NUMBER = re.compile(r"^([0-9]{8}|[0-9]{20})$")
_CODE = re.compile(r"^([0-9]{10}|[0-9]{12})$")


class HttpInvoiceSystem:
    """Looks invoices up on ``GET {base_url}/api/v1/invoices/{number}``.

    One ``aiohttp.ClientSession`` per instance, created on first use, with an explicit timeout:
    a slow platform must degrade the conversation, never stall it.

    Args:
        base_url: the platform's base URL.
        timeout: total seconds allowed for one look-up.
        token: optional bearer token.
    """

    def __init__(self, base_url: str, timeout: float = 3.0, token: Optional[str] = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._session: Optional[aiohttp.ClientSession] = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers)
        return self._session

    async def lookup(self, number: str, code: Optional[str] = None) -> Optional[InvoiceRecord]:
        """See `bot.app.protocols.InvoiceSystem`. Only numbers and codes of the contract's form
        are sent (anything else is simply not an invoice), and the number is escaped for the
        path all the same."""
        if not isinstance(number, str) or not _NUMBER.match(number):
            return None
        if code is not None and (not isinstance(code, str) or not _CODE.match(code)):
            return None
        params = {"code": code} if code else {}
        url = f"{self._base_url}/api/v1/invoices/{quote(number, safe='')}"
        try:
            async with self._client().get(url, params=params) as response:
                if response.status == 404:
                    return None
                if response.status != 200:
                    raise InvoiceSystemUnavailable(f"invoice platform answered {response.status}")
                payload = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise InvoiceSystemUnavailable(f"invoice platform unreachable: {error!r}") from error
        return record_from_json(payload)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
