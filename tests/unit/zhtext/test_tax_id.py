"""统一社会信用代码 validation (GB 32100-2015) and masking."""
from __future__ import annotations

import pytest

from bot.zhtext.tax_id import (
    ALPHABET,
    check_character,
    is_valid_tax_id,
    mask_tax_id,
    validate_tax_id,
)

VALID = "91350100M000100Y43"  # published example of a valid code


@pytest.mark.parametrize(
    "first17",
    ["91350100M000100Y4", "91110108MA0123456", "12100000400000624", "92440300MA5F00000"],
)
def test_generated_codes_validate(first17):
    code = first17 + check_character(first17)
    assert is_valid_tax_id(code)
    assert check_character(first17) in ALPHABET


@pytest.mark.parametrize(
    "value, expected",
    [
        (VALID, (VALID, None)),
        ("91350100m000100y43", (VALID, None)),
        ("９１３５０１００Ｍ０００１００Ｙ４３", (VALID, None)),
        (" 9135 0100 M000 100Y 43 ", (VALID, None)),
        ("91350100M000100Y44", (None, "bad_checksum")),
        ("91350100M000100Y4", (None, "wrong_length")),
        ("91350100M000100Y433", (None, "wrong_length")),
        ("91350100I000100Y43", (None, "bad_charset")),  # I, O, S, V, Z are not used
        ("91350100M00010OY43", (None, "bad_charset")),
        ("", (None, "empty")),
        (None, (None, "empty")),
    ],
)
def test_validate_tax_id(value, expected):
    assert validate_tax_id(value) == expected


def test_check_character_rejects_bad_input():
    with pytest.raises(ValueError):
        check_character("123")


@pytest.mark.parametrize(
    "value, expected",
    [(VALID, "9135************43"), ("123456", "******"), ("1234567", "1234*67")],
)
def test_mask_tax_id(value, expected):
    assert mask_tax_id(value) == expected
