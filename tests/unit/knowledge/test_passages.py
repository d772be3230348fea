"""The line of the instructions on screen that a question is about (`knowledge.passages`), on
the shipped error fixes: questions about a line find it; questions no line answers, outcomes
and chit-chat find nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.loader import DEFAULT_CONTENT_DIR
from knowledge.passages import instruction_lines, line_about

FIXES = {e["key"]: e["fix"] for e in
         yaml.safe_load(Path(DEFAULT_CONTENT_DIR, "errors.yml").read_text(encoding="utf-8"))["errors"]}

#: (error, question, the number of the line it is about). Written as users type.
ABOUT_A_LINE = [
    ("tax_server_cert_lost", "这个要去税务局吗", 2),
    ("tax_server_cert_lost", "设备要换吗", 2),
    ("cy_daily_limit", "12366电话多少", 3),
    ("etax_user_not_registered", "停用了怎么办", 3),
    ("retail_extract_code_wrong", "0和O怎么区分", 1),
]

#: Questions that no line of the fix answers, outcomes and chit-chat: pointing to a line would mislead.
NO_LINE = [
    ("tax_server_cert_lost", "多久能好"),
    ("cy_daily_limit", "为什么会这样"),
    ("cy_daily_limit", "验证码在哪里输入"),
    ("retail_extract_code_wrong", "今天天气怎么样"),
    ("retail_extract_code_wrong", "还是不行"),
    ("etax_user_not_registered", "你好吗"),
    ("etax_user_not_registered", "我去税务局办好了"),
]


@pytest.mark.parametrize("error, question, number", ABOUT_A_LINE)
def test_a_question_about_a_line_of_the_fix_finds_that_line(error, question, number):
    passage = line_about(FIXES[error], question)
    assert passage is not None and passage.number == number
    assert passage.text == instruction_lines(FIXES[error])[number - 1]


@pytest.mark.parametrize("error, message", NO_LINE)
def test_what_no_line_answers_finds_nothing(error, message):
    assert line_about(FIXES[error], message) is None


def test_numbering_is_taken_off_and_empty_instructions_give_nothing():
    assert instruction_lines("1. 先做这个\n2、再做那个\n\n（3）最后这个") == ["先做这个", "再做那个", "最后这个"]
    assert line_about("", "这个要去税务局吗") is None
