"""Recognising pasted error messages (knowledge/error_catalogue.py)."""
from __future__ import annotations

import pytest

from knowledge.error_catalogue import ErrorCatalogue, catalogue_from_specs, fold
from knowledge.reader import read_content
from knowledge.types import KnownError


def error(key, problem, texts=(), codes=(), patterns=(), platform="开票软件") -> KnownError:
    return KnownError(key, problem, platform, key, tuple(codes), tuple(texts), tuple(patterns),
                      "原因。", "1. 处理。", False, "https://example.com/" + key)


CATALOGUE = ErrorCatalogue([
    error("pin_locked", "issuance_failure", texts=["税务UKey的PIN码已锁死，请联系服务单位解锁"],
          codes=["0x6983"], platform="税务UKey"),
    error("tax_code", "issuance_failure", texts=["税收分类编码不可用"]),
    error("daily_limit", "query_empty", texts=["超过该张发票当日查验次数"], codes=["002"],
          platform="查验平台"),
    error("bind", "login_failure", texts=["该办税人员未与企业建立关联关系"], platform="电子税务局"),
    error("quota", "issuance_failure", patterns=[r"剩余可用额度[:：]?\s*\d+(\.\d+)?元"]),
    error("other_002", "upload_failure", codes=["002"], platform="开票软件"),
])


@pytest.mark.parametrize("message, key, how", [
    ("开票的时候提示‘税收分类编码不可用’怎么办", "tax_code", "text"),
    ("税收分类编码不可用", "tax_code", "text"),
    ("税收分类编码 不可用！！", "tax_code", "text"),                 # punctuation and spaces
    ("稅收分類編碼不可用", "tax_code", "text"),                      # traditional characters
    ("ＰＩＮ码已锁死，请联系服务单位解锁", "pin_locked", "piece"),       # full width, partial paste
    ("开票提示pin码已锁死请联系服务单位", "pin_locked", "piece"),
    ("读UKey报错 0x6983", "pin_locked", "code"),
    ("登录时说该办税人员未与企业建立关联关系，我是法人啊", "bind", "text"),
    ("开票提示剩余可用额度：0.00元", "quota", "pattern"),
    ("查验平台提示错误代码：002", "daily_limit", "code"),  # short code after a cue; the platform decides
])
def test_pasted_errors_are_recognised(message, key, how):
    match = CATALOGUE.match(message)
    assert match is not None and (match.error.key, match.how) == (key, how)


@pytest.mark.parametrize("message", [
    "电子税务局登录不上",
    "发票号码是00212345",          # a bare number is not a code
    "002",                          # a short code without a cue
    "错误代码：002",                # two problems share code 002 and no platform is named
    "请联系服务单位",               # too short a piece
    "税收分类编码是啥",             # a term of an error text, not the error
    "该办税人员和企业是什么关系",
    "",
    "😂😂😂",
])
def test_ordinary_messages_and_ambiguous_codes_are_not_matched(message):
    assert CATALOGUE.match(message) is None


def test_folding_ignores_width_script_case_and_punctuation():
    assert fold("ＵＫｅｙ：PIN碼 已鎖死！") == fold("ukey pin码已锁死") == "ukeypin码已锁死"


@pytest.fixture(scope="module")
def shipped() -> ErrorCatalogue:
    return catalogue_from_specs(read_content().shared["errors.yml"]["errors"])


def test_every_shipped_text_finds_its_own_entry_or_one_of_the_same_problem(shipped):
    wrong = []
    for entry in shipped.errors:
        for text in entry.texts:
            match = shipped.match(f"系统提示：{text}，怎么办？")
            if match is None or match.error.problem != entry.problem:
                wrong.append((entry.key, text, match and match.error.key))
    assert not wrong, wrong


def test_the_shipped_catalogue_is_large_enough(shipped):
    assert len(shipped) >= 150
    assert sum(1 for e in shipped.errors if e.texts) >= 120


@pytest.mark.parametrize("message", [
    "登录的时候一直弹出 证书口令验证失败 ，试了好几次了",
    "开票软件打开提示 ECode:0x96983",
    "税控盘提示09D1C2，进不去",
])
def test_pins_and_device_passwords_are_login_errors_as_the_labelling_rules_say(shipped, message):
    """docs/understanding.md: a certificate PIN or device password is asked when the client opens
    the device, so its errors are login_failure (not issuance_failure)."""
    match = shipped.match(message)
    assert match is not None and match.error.problem == "login_failure"
