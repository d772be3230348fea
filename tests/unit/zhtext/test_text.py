"""Normalisation and the offset map back to the original text."""
from __future__ import annotations

import pytest

from bot.zhtext.text import fold_for_matching, normalise, normalise_with_offsets


@pytest.mark.parametrize(
    "text, expected",
    [
        ("１２３４５６７８", "12345678"),
        ("ＵＫｅｙ", "UKey"),
        ("发票号码：１２３", "发票号码:123"),
        ("￥３０００", "¥3000"),
        ("发\u200b票\ufeff号\u200d码", "发票号码"),
        ("全角\u3000空格", "全角 空格"),
        ("普通文本", "普通文本"),
        ("", ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_offsets_map_back_through_removed_and_composed_characters():
    original = "e\u0301发\u200b票１２"
    norm = normalise_with_offsets(original)
    assert norm.text == "é发票12"
    assert norm.original_span(0, 1) == (0, 2)  # composed é covers two original characters
    assert norm.original_span(2, 3) == (4, 5)  # 票 comes after the zero-width space
    start, end = norm.original_span(3, 5)
    assert original[start:end] == "１２"


def test_offsets_of_expanding_characters():
    original = "①号"  # NFKC turns ① into "1"; ㍻-like characters expand to several
    norm = normalise_with_offsets(original + "㍉")
    assert norm.text.startswith("1号")
    start, end = norm.original_span(2, len(norm.text))
    assert (original + "㍉")[start:end] == "㍉"


@pytest.mark.parametrize(
    "text, expected",
    [("上個月開的專票", "上个月开的专票"), ("税务UKey", "税务ukey"), ("發票號碼", "发票号码")],
)
def test_fold_for_matching_keeps_length(text, expected):
    folded = fold_for_matching(text)
    assert folded == expected
    assert len(folded) == len(text)
