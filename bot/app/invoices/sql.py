"""The embedded invoice system: invoices in a SQL database, with demo data.

It plays the customer's invoice platform when none is connected, so the assistant can be
tried end to end. The demo invoices cover every status the assistant explains.
"""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Iterable, Optional

from sqlalchemy import BigInteger, Column, Date, DateTime, Enum, String, UniqueConstraint, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import declarative_base, sessionmaker

from bot.app.database import CHINA_TZ
from bot.app.invoices.base import InvoiceRecord, InvoiceStatus, InvoiceSystemUnavailable
from knowledge.db import make_engine

Base = declarative_base()


class InvoiceRow(Base):
    """An invoice of the embedded system."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("number", "code", name="uq_invoice_number_code"),)

    number = Column(String(20), primary_key=True)
    code = Column(String(12), nullable=True)
    invoice_type = Column(String(32), nullable=False)
    status = Column(Enum(InvoiceStatus, native_enum=False, length=20), nullable=False)
    issue_date = Column(Date, nullable=False)
    # Money is exact: whole fen (0.01 yuan) in an integer, never a float (SQLite has no decimal).
    amount_fen = Column(BigInteger, nullable=False)
    seller_name = Column(String(100), nullable=False)
    buyer_name = Column(String(100), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)
    detail = Column(String(200), nullable=False, default="")
    seller_tax_id = Column(String(18), nullable=False, default="", server_default="")
    buyer_tax_id = Column(String(18), nullable=False, default="", server_default="")

    def to_record(self) -> InvoiceRecord:
        """The row as the interface's frozen dataclass."""
        return InvoiceRecord(
            number=self.number,
            code=self.code,
            invoice_type=self.invoice_type,
            status=InvoiceStatus(self.status),
            issue_date=self.issue_date,
            amount=Decimal(self.amount_fen) / 100,
            seller_name=self.seller_name,
            buyer_name=self.buyer_name,
            updated_at=self.updated_at,
            detail=self.detail or "",
            seller_tax_id=self.seller_tax_id or "",
            buyer_tax_id=self.buyer_tax_id or "",
        )


#: Tax IDs (统一社会信用代码, check character valid) of the demo seller and buyer; a
#: conversation must show one of them before an invoice is disclosed (docs/invoice-api.md).
DEMO_SELLER = ("北京示例科技有限公司", "91110108MA01A2B3CF")
DEMO_BUYER = ("北京样例商贸有限公司", "91110105MA00K7P8QR")


def to_fen(amount: Decimal) -> int:
    """Yuan as a whole number of fen."""
    return int((amount * 100).to_integral_value())


def demo_invoices(today: date) -> Iterable[InvoiceRow]:
    """One invoice per status, dated relative to ``today`` (documented in docs/invoice-api.md)."""
    now = datetime.combine(today, datetime.min.time(), CHINA_TZ).replace(hour=9)
    (seller, seller_tax_id), (buyer, buyer_tax_id) = DEMO_SELLER, DEMO_BUYER
    rows = [
        ("12345678", "011002400111", "增值税专用发票", InvoiceStatus.ISSUED, 12, "12500.00", ""),
        ("23456789", "011002400111", "增值税普通发票", InvoiceStatus.PENDING_UPLOAD, 1, "860.00", ""),
        ("34567890", "011002400111", "增值税专用发票", InvoiceStatus.UPLOAD_FAILED, 2, "3000.00",
         "明细行缺少税收分类编码"),
        ("45678901", "011002400111", "增值税普通发票", InvoiceStatus.VOIDED, 5, "450.00", ""),
        ("56789012", "011002400111", "增值税专用发票", InvoiceStatus.RED_LETTERED, 20, "9800.00", ""),
        ("24112000000012345678", None, "数电发票", InvoiceStatus.SYNCING, 0, "2300.00", ""),
        ("24112000000087654321", None, "数电发票", InvoiceStatus.ISSUED, 3, "56000.00", ""),
    ]
    for number, code, kind, status, days_ago, amount, detail in rows:
        yield InvoiceRow(
            number=number,
            code=code,
            invoice_type=kind,
            status=status,
            issue_date=today - timedelta(days=days_ago),
            amount_fen=to_fen(Decimal(amount)),
            seller_name=seller,
            buyer_name=buyer,
            updated_at=now - timedelta(days=max(days_ago - 1, 0)),
            detail=detail,
            seller_tax_id=seller_tax_id,
            buyer_tax_id=buyer_tax_id,
        )


def _add_tax_id_columns(engine: Engine) -> None:
    """Databases made before invoices had tax IDs get the columns; the demo rows get the demo
    tax IDs (other rows stay empty, so they are never disclosed until the data has them)."""
    columns = {c["name"] for c in inspect(engine).get_columns(InvoiceRow.__tablename__)}
    missing = [name for name in ("seller_tax_id", "buyer_tax_id") if name not in columns]
    if not missing:
        return
    with engine.begin() as connection:
        for name in missing:
            connection.execute(text(
                f"ALTER TABLE {InvoiceRow.__tablename__} ADD COLUMN {name} VARCHAR(18) NOT NULL DEFAULT ''"))
        connection.execute(text(f"UPDATE {InvoiceRow.__tablename__} SET seller_tax_id = :t "
                                "WHERE seller_name = :n AND seller_tax_id = ''"),
                           {"t": DEMO_SELLER[1], "n": DEMO_SELLER[0]})
        connection.execute(text(f"UPDATE {InvoiceRow.__tablename__} SET buyer_tax_id = :t "
                                "WHERE buyer_name = :n AND buyer_tax_id = ''"),
                           {"t": DEMO_BUYER[1], "n": DEMO_BUYER[0]})


class SqlInvoiceSystem:
    """Invoices in a SQL database (SQLite file by default).

    Args:
        url: SQLAlchemy database URL.
        seed_demo_data: insert the demo invoices when the table is empty.
    """

    def __init__(self, url: str, seed_demo_data: bool = True) -> None:
        self._url = url
        self._seed = seed_demo_data
        self._sessions: Optional[sessionmaker] = None
        self._engine: Optional[Engine] = None

    def _session_factory(self) -> sessionmaker:
        if self._sessions is None:
            engine = self._engine = make_engine(self._url)
            Base.metadata.create_all(engine)
            _add_tax_id_columns(engine)
            self._sessions = sessionmaker(engine, future=True)
            if self._seed:
                self.seed(datetime.now(CHINA_TZ).date())
        return self._sessions

    def seed(self, today: date) -> int:
        """Insert the demo invoices if the table is empty; returns how many were added."""
        with self._session_factory()() as session, session.begin():
            if session.execute(select(InvoiceRow.number).limit(1)).first():
                return 0
            rows = list(demo_invoices(today))
            session.add_all(rows)
            return len(rows)

    def add(self, record: InvoiceRecord) -> None:
        """Store an invoice (used by tests and by data imports)."""
        with self._session_factory()() as session, session.begin():
            session.merge(
                InvoiceRow(
                    number=record.number,
                    code=record.code,
                    invoice_type=record.invoice_type,
                    status=record.status,
                    issue_date=record.issue_date,
                    amount_fen=to_fen(record.amount),
                    seller_name=record.seller_name,
                    buyer_name=record.buyer_name,
                    updated_at=record.updated_at,
                    detail=record.detail,
                    seller_tax_id=record.seller_tax_id,
                    buyer_tax_id=record.buyer_tax_id,
                )
            )

    def _lookup_sync(self, number: str, code: Optional[str]) -> Optional[InvoiceRecord]:
        query = select(InvoiceRow).where(InvoiceRow.number == number)
        if code:
            query = query.where(InvoiceRow.code == code)
        try:
            with self._session_factory()() as session:
                row = session.execute(query).scalars().first()
                return row.to_record() if row else None
        except SQLAlchemyError as error:
            raise InvoiceSystemUnavailable(str(error)) from error

    async def lookup(self, number: str, code: Optional[str] = None) -> Optional[InvoiceRecord]:
        """See `bot.app.protocols.InvoiceSystem`; the blocking query runs in a worker thread."""
        return await asyncio.to_thread(self._lookup_sync, number, code)

    async def close(self) -> None:
        """Release the database connections."""
        if self._engine is not None:
            self._engine.dispose()
