"""What an invoice system answers (the interface itself is `bot.app.protocols.InvoiceSystem`)."""
from __future__ import annotations

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
    #: 统一社会信用代码 of seller and buyer: disclosure needs one of them (invoices/access.py).
    seller_tax_id: str = ""
    buyer_tax_id: str = ""


class InvoiceSystemUnavailable(Exception):
    """The invoice system could not be reached or answered with an error."""
