"""Masks personal data (tax IDs, phone and ID-card numbers) in every log record of a process.

Rasa and rasa-sdk configure their own log handlers, so a filter on one handler would miss
records. Wrapping the log-record factory masks each record once, whichever handler emits it.
"""
from __future__ import annotations

import logging

from bot.zhtext.mask import PersonalDataFilter

_installed = False


def install() -> None:
    """Mask every log record created from now on in this process (idempotent)."""
    global _installed
    if _installed:
        return
    masking = PersonalDataFilter()
    create_record = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = create_record(*args, **kwargs)
        masking.filter(record)
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True
