"""``extract``: whole messages in, every entity with offsets into the original text out."""
from __future__ import annotations

from datetime import date

import pytest

from bot.zhtext import Entity, extract

TODAY = date(2024, 11, 5)
TAX_ID = "91350100M000100Y43"

CASES = [
    # invoice numbers and codes
    ("发票号码12345678没收到", {("invoice_number", "12345678", "12345678")}),
    ("发票号码１２３４５６７８没收到", {("invoice_number", "12345678", "１２３４５６７８")}),
    ("发票号码是：12345678", {("invoice_number", "12345678", "12345678")}),
    (
        "数电发票号码24442000000012345678查不到",
        {
            ("invoice_type", "数电发票", "数电发票"),
            ("invoice_number", "24442000000012345678", "24442000000012345678"),
        },
    ),
    (
        "044002001111 12345678",
        {("invoice_code", "044002001111", "044002001111"), ("invoice_number", "12345678", "12345678")},
    ),
    (
        "我的票号是12345678，代码是044002001111",
        {("invoice_number", "12345678", "12345678"), ("invoice_code", "044002001111", "044002001111")},
    ),
    ("发票代码3200191130", {("invoice_code", "3200191130", "3200191130")}),
    (
        "发票代码04400200111112345678",  # code and number typed together
        {("invoice_code", "044002001111", "044002001111"), ("invoice_number", "12345678", "12345678")},
    ),
    ("my invoice number is 12345678", {("invoice_number", "12345678", "12345678")}),
    ("No.12345678", {("invoice_number", "12345678", "12345678")}),
    ("发票号码20241029", {("invoice_number", "20241029", "20241029")}),
    ("号码1234567没收到", set()),
    ("号码123456789没收到", set()),
    ("号码12345678901查不到", set()),
    ("手机号13812345678", {("phone_number", "13812345678", "13812345678")}),
    # numbers typed in groups, phone numbers with separators
    ("税号 9111 0108 MA01 ABCD 1E", {("tax_id", "91110108MA01ABCD1E", "9111 0108 MA01 ABCD 1E")}),
    ("识别号91110108-MA01ABCD1E", {("tax_id", "91110108MA01ABCD1E", "91110108-MA01ABCD1E")}),
    ("发票号码是 2444 2000 0000 1234 5678 麻烦查一下",
     {("invoice_number", "24442000000012345678", "2444 2000 0000 1234 5678")}),
    ("号码1234-5678", {("invoice_number", "12345678", "1234-5678")}),
    ("发票代码 0110-0240-0111", {("invoice_code", "011002400111", "0110-0240-0111")}),
    ("手机 138 0013 8000，下午都在", {("phone_number", "13800138000", "138 0013 8000")}),
    ("电话：010-12345678", {("phone_number", "01012345678", "010-12345678")}),
    ("联系我 +86 139-1234-5678", {("phone_number", "13912345678", "+86 139-1234-5678")}),
    ("座机 0755 8888 6666", {("phone_number", "075588886666", "0755 8888 6666")}),
    ("两张：12345678 和 23456789", {("invoice_number", "12345678", "12345678"),
                                   ("invoice_number", "23456789", "23456789")}),
    ("电话12345678", set()),
    ("1234567890123456789012", set()),
    ("单号12345678.5", set()),
    # tax IDs: checksum-valid only, never an invoice number
    (f"税号{TAX_ID}", {("tax_id", TAX_ID, TAX_ID)}),
    ("税号91350100m000100y43", {("tax_id", TAX_ID, "91350100m000100y43")}),
    ("税号９１３５０１００Ｍ０００１００Ｙ４３",
     {("tax_id", TAX_ID, "９１３５０１００Ｍ０００１００Ｙ４３")}),
    ("税号91350100M000100Y44", set()),
    ("税号91110108MA01234567", set()),
    # dates
    ("2024年10月29日开的票", {("invoice_date", "2024-10-29", "2024年10月29日")}),
    ("２０２４年１０月２９日", {("invoice_date", "2024-10-29", "２０２４年１０月２９日")}),
    ("开票日期20241029", {("invoice_date", "2024-10-29", "20241029")}),
    ("上个月开的票查不到", {("invoice_date", "2024-10-01/2024-10-31", "上个月")}),
    ("2月30日开的", set()),
    # amounts
    ("金额一万二千五百元", {("amount", "12500.00", "一万二千五百元")}),
    ("1.2万的票", {("amount", "12000.00", "1.2万")}),
    ("金额12345678元", {("amount", "12345678.00", "12345678元")}),
    ("价税合计￥12,500.50", {("amount", "12500.50", "￥12,500.50")}),
    ("两万张发票", set()),
    # invoice types and platforms
    ("开专票失败", {("invoice_type", "增值税专用发票", "专票")}),
    ("上個月開的專票查不到",
     {("invoice_date", "2024-10-01/2024-10-31", "上個月"), ("invoice_type", "增值税专用发票", "專票")}),
    ("我在全電發票平台開不了票", {("invoice_type", "数电发票", "全電發票")}),
    ("電子稅務局登不上", {("platform", "电子税务局", "電子稅務局")}),
    ("UKey插不上", {("platform", "税务UKey", "UKey")}),
    ("ＵＫＥＹ插不上", {("platform", "税务UKey", "ＵＫＥＹ")}),
    ("ETAX打不开", {("platform", "电子税务局", "ETAX")}),
    ("login 电子税务局 failed", {("platform", "电子税务局", "电子税务局")}),
    ("红字信息表怎么填", set()),
    # error messages
    ("登录电子税务局提示“证书已过期”",
     {("platform", "电子税务局", "电子税务局"), ("error_message", "证书已过期", "证书已过期")}),
    ("报错：E1002", {("error_message", "E1002", "E1002")}),
    ("报错：Ｅ１００２", {("error_message", "E1002", "Ｅ１００２")}),
    # nothing to find
    ("你好", set()),
    ("", set()),
    ("   ", set()),
]


def triples(entities):
    return {(e.entity, e.value, e.text) for e in entities}


@pytest.mark.parametrize("text, expected", CASES)
def test_extract(text, expected):
    assert triples(extract(text, TODAY)) == expected


@pytest.mark.parametrize("text", [text for text, _ in CASES])
def test_offsets_index_the_original_text(text):
    for entity in extract(text, TODAY):
        assert 0 <= entity.start < entity.end <= len(text)
        assert text[entity.start : entity.end] == entity.text


def test_full_message():
    text = (
        "我10月29日在电子税务局开了一张专票，金额１２,５００元，"
        f"购方税号{TAX_ID}，发票号码２４４４２０００００００１２３４５６７８，"
        "现在查验平台提示“查无此票”"
    )
    entities = extract(text, TODAY)
    assert triples(entities) == {
        ("invoice_date", "2024-10-29", "10月29日"),
        ("platform", "电子税务局", "电子税务局"),
        ("invoice_type", "增值税专用发票", "专票"),
        ("amount", "12500.00", "１２,５００元"),
        ("tax_id", TAX_ID, TAX_ID),
        ("invoice_number", "24442000000012345678", "２４４４２０００００００１２３４５６７８"),
        ("platform", "查验平台", "查验平台"),
        ("error_message", "查无此票", "查无此票"),
    }
    assert [e.start for e in entities] == sorted(e.start for e in entities)


def test_zero_width_characters_do_not_shift_offsets():
    text = "发票\u200b号码\u200b12345678\u200b没收到"
    (entity,) = extract(text, TODAY)
    assert entity == Entity("invoice_number", "12345678", 6, 14, "12345678")


def test_entities_are_frozen():
    (entity,) = extract("发票号码12345678", TODAY)
    with pytest.raises(AttributeError):
        entity.value = "0"  # type: ignore[misc]


def test_today_defaults_to_china_date():
    (entity,) = extract("今天")
    assert len(entity.value) == 10
