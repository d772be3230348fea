"""The invoice-system interface the assistant looks invoices up through."""
from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Optional


class InvoiceStatus(str, enum.Enum):
    """What an invoice platform says about an invoice (values are stable API strings)."""

    ISSUED = "issued"
    PENDING_UPLOAD = "pending_upload"
    UPLOAD_FAILED = "upload_failed"
    VOIDED = "voided"
    RED_LETTERED = "red_lettered"
    SYNCING = "syncing"


@dataclass(frozen=True)
class InvoiceRecord:
    """One invoice as the invoice system knows it."""

    number: str
    code: Optional[str]
    invoice_type: str
    status: InvoiceStatus
    issue_date: date
    amount: Decimal
    seller_name: str
    buyer_name: str
    updated_at: datetime
    detail: str = ""


class InvoiceSystemUnavailable(Exception):
    """The invoice system could not be reached or answered with an error."""


class InvoiceSystem(abc.ABC):
    """Looks invoices up. Implementations: embedded SQL (default) and HTTP."""

    @abc.abstractmethod
    async def lookup(self, number: str, code: Optional[str] = None) -> Optional[InvoiceRecord]:
        """Find an invoice by number (and code, for classic invoices).

        Returns:
            The record, or ``None`` when the system has no such invoice.

        Raises:
            InvoiceSystemUnavailable: the system could not answer in time.
        """

    async def close(self) -> None:
        """Release connections (no-op by default)."""
