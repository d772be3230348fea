"""Validators for form slots: (value, None) or (None, reason_code)."""
from __future__ import annotations

import pytest

from bot.zhtext import validate_invoice_code, validate_invoice_number


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12345678", ("12345678", None)),
        ("１２３４５６７８", ("12345678", None)),
        ("1234 5678", ("12345678", None)),
        ("24442000000012345678", ("24442000000012345678", None)),
        ("2444-2000-0000-1234-5678", ("24442000000012345678", None)),
        ("号码是12345678", ("12345678", None)),
        ("1234567", (None, "wrong_length")),
        ("123456789", (None, "wrong_length")),
        ("号码是1234567", (None, "wrong_length")),
        ("1234567a", (None, "not_digits")),
        ("不知道", (None, "not_digits")),
        ("12345678和87654321", (None, "ambiguous")),
        ("", (None, "empty")),
        ("   ", (None, "empty")),
        (None, (None, "empty")),
    ],
)
def test_validate_invoice_number(text, expected):
    assert validate_invoice_number(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("044002001111", ("044002001111", None)),
        ("3200191130", ("3200191130", None)),
        ("代码是044002001111", ("044002001111", None)),
        ("12345678", (None, "wrong_length")),
        ("", (None, "empty")),
    ],
)
def test_validate_invoice_code(text, expected):
    assert validate_invoice_code(text) == expected
