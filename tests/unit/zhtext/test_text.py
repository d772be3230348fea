"""The normalisation API: normalise, normalise_with_offsets, to_simplified, normalise_for_nlu,
fold_for_matching."""
from __future__ import annotations

import pytest

import bot.zhtext
from bot.zhtext.text import (
    fold_for_matching,
    normalise,
    normalise_for_nlu,
    normalise_with_offsets,
    to_simplified,
)

NORMALISE = [
    ("１２３４５６７８", "12345678"),  # full-width digits
    ("ＵＫｅｙ", "UKey"),  # full-width letters, case kept
    ("发票号码：１２３", "发票号码:123"),  # full-width colon
    ("￥３０００", "¥3000"),
    ("（证书）过期！", "(证书)过期!"),
    ("发\u200b票\ufeff号\u200d码", "发票号码"),  # zero-width space, BOM, joiner
    ("税\u00ad号\u2060", "税号"),  # soft hyphen, word joiner
    ("全角\u3000空格", "全角 空格"),
    ("①号", "1号"),
    ("e\u0301", "é"),  # combining accent composed
    ("普通文本", "普通文本"),
    ("發票", "發票"),  # traditional characters are not normalise's business
    ("", ""),
]


@pytest.mark.parametrize("text, expected", NORMALISE)
def test_normalise(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize("text, expected", NORMALISE)
def test_offset_variant_gives_the_same_text(text, expected):
    assert normalise_with_offsets(text).text == expected


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
    [
        ("參萬", "参万"),  # OpenCC gives 参, not the financial 叁 (numbers.py reads both as 3)
        ("叄萬", "叁万"),
        ("發票", "发票"),
        ("電子稅務局", "电子税务局"),
        ("電子稅務局當機了", "电子税务局当机了"),
        ("上個月開的專票", "上个月开的专票"),
        ("發票號碼", "发票号码"),
        ("壹貳參肆伍陸柒捌玖拾佰仟萬億", "壹贰参肆伍陆柒捌玖拾佰仟万亿"),
        ("兩千塊", "两千块"),
        ("乾隆年間", "乾隆年间"),  # phrases first: 乾 stays in 乾隆 (character by character: 干隆)
        ("發票ＵＫｅｙ", "发票ＵＫｅｙ"),  # no NFKC here
        ("发票查验平台查无此票", "发票查验平台查无此票"),  # simplified text passes unchanged
        ("UKey 502", "UKey 502"),
        ("", ""),
    ],
)
def test_to_simplified(text, expected):
    converted = to_simplified(text)
    assert converted == expected
    assert len(converted) == len(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ＵＫｅｙ報錯５０２！", "UKey报错502!"),
        ("電子稅務局登\u200b錄不上", "电子税务局登录不上"),
        ("參萬元", "参万元"),
        ("開了票但是系統沒顯示", "开了票但是系统没显示"),
        ("", ""),
    ],
)
def test_normalise_for_nlu(text, expected):
    assert normalise_for_nlu(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("上個月開的專票", "上个月开的专票"),
        ("税务UKey", "税务ukey"),
        ("發票號碼", "发票号码"),
        ("參萬元", "参万元"),
        ("臺灣的發票APP", "台湾的发票app"),
        ("电子税务局", "电子税务局"),
    ],
)
def test_fold_for_matching_keeps_length(text, expected):
    folded = fold_for_matching(text)
    assert folded == expected
    assert len(folded) == len(text)


def test_fold_for_matching_keeps_offsets_of_the_original():
    original = "上個月開的\u200b專票，號碼１２３４５６７８"
    norm = normalise_with_offsets(original)
    folded = fold_for_matching(norm.text)
    start = folded.index("12345678")
    begin, end = norm.original_span(start, start + 8)
    assert original[begin:end] == "１２３４５６７８"
    begin, end = norm.original_span(folded.index("专票"), folded.index("专票") + 2)
    assert original[begin:end] == "專票"


def test_the_converter_is_built_once():
    from bot.zhtext import text

    to_simplified("發票")
    first = text._t2s()
    to_simplified("專票")
    assert text._t2s() is first


def test_the_package_exports_the_api():
    for name in ("normalise", "normalise_with_offsets", "to_simplified", "normalise_for_nlu",
                 "fold_for_matching"):
        assert getattr(bot.zhtext, name) is globals()[name]
