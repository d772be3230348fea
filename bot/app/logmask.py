"""Masks personal data (tax IDs, phone, ID-card and bank-card numbers, e-mail addresses) in
every log record of a process, tracebacks included.

Rasa and rasa-sdk configure their own log handlers, so a filter on one handler would miss
records. Wrapping the log-record factory masks each record once, whichever handler emits it.
An exception's traceback (its message often quotes the data that failed) is formatted and
masked right away into ``exc_text``, which formatters use instead of formatting it again.
"""
from __future__ import annotations

import logging

from bot.zhtext.mask import PersonalDataFilter, mask_personal_data

_installed = False
_FORMATTER = logging.Formatter()


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
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_personal_data(_FORMATTER.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True
