"""Writes docs/conversations.md: the hard cases of real conversations, as they go now.

``python -m tests.support.transcripts [--out docs/conversations.md]`` starts the servers exactly
as ``make run`` does (on free ports, with a fresh ``var/``), has each conversation below, and
writes what the user said and what the assistant answered (text and buttons), with the intent
the model read. The same families are asserted in tests/e2e/test_conversations.py; this file is
for people reading how the assistant behaves.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import List, Sequence, Tuple

from bot.app.settings import PROJECT_ROOT
from bot.launcher.stack import Stack
from tests.support.client import Conversation, remember_token

HARD_CASES: Sequence[Tuple[str, str, Sequence[str]]] = (
    ("A question about the step, then the outcome",
     "The user asks where to find something instead of answering; the same step comes back.",
     ("开票的时候一直报错，开不出来", "/problem_persists", "/problem_persists", "额度在哪看", "/problem_solved")),
    ("\"When will it be back?\" during an outage",
     "Not read as solved: the problem stays open.",
     ("电子税务局是不是崩了，一直打不开", "/problem_persists", "那什么时候能恢复")),
    ("A step that does not apply",
     "\"We have no UKey\" during the UKey step: explained, and the step passed over.",
     ("电子税务局登录不上", "/problem_persists", "/problem_persists", "我们没有UKey")),
    ("Still failing, in the user's own words",
     "Typed instead of clicked; the model reads the first as an outage, unsure, with \"没解决\" close behind.",
     ("开票的时候一直报错，开不出来", "核对过了都没问题，还是开不了", "清了缓存也没用，还是开不出来")),
    ("The invoice number in any form, and a pause",
     "The form asks once, waits politely, and takes the number with dashes inside a sentence.",
     ("客户说发票开给我们了，可我们系统里没有", "等一下，我找找", "找到了，号码是 3456-7890",
      "我们是购买方，税号 91110105MA00K7P8QR")),
    ("A number during the steps",
     "Looked up, the step offered again; the problem is not closed.",
     ("开票软件登录不上", "对了发票号码是34567890")),
    ("A pasted error message",
     "The catalogue recognises it and the fix for that error comes first; a question about it is answered.",
     ("开票的时候提示“税收分类编码不可用”，怎么办", "税收分类编码在哪里改", "/problem_persists")),
    ("A question about a line of the error's fix",
     "Neither the steps' context nor a FAQ answers it: the line of the fix it asks about is pointed to.",
     ("抄报的时候报错 ERROR@98 证书已挂失", "这个要去税务局吗")),
    ("A pasted error in traditional, full-width characters",
     "Still recognised.",
     ("開票時彈出：稅收分類編碼不可用！！",)),
    ("A pasted login error",
     "A message pasted at login: that error's fix comes first, not the network step.",
     ("登录勾选平台提示 平台密码错误次数超过十次 怎么办", "/problem_persists")),
    ("After the ticket",
     "A phone number goes on the ticket; \"still broken, when will someone call?\" is answered from it.",
     ("发票上传一直失败", "我要转人工", "电话 138-0013-8000，下午一直在", "还是不行啊，什么时候有人联系我")),
    ("A long message that ends with the problem",
     "The clause that states the problem decides.",
     ("您好，我是一家小公司的会计，平时主要负责报销和记账，今天早上老板让我把上个月的票整理一下，"
      "我弄了一上午，结果现在电子税务局登录不上了",)),
)


def transcript(conversation: Conversation, turns: Sequence[str]) -> List[str]:
    """Markdown lines of one conversation."""
    lines: List[str] = []
    for text in turns:
        messages = conversation.say(text)
        latest = conversation.tracker().get("latest_message") or {}
        intent = (latest.get("intent") or {}).get("name", "?")
        lines.append(f"> **用户**: {text}  \n> <sub>read as `{intent}`</sub>")
        lines.append("")
        for message in messages:
            body = (message.get("text") or "").replace("\n", "  \n")
            buttons = " ".join(f"[{b.get('title')}]" for b in message.get("buttons") or [])
            lines.append(f"**助手**: {body}" + (f"  \n{buttons}" if buttons else ""))
            lines.append("")
    return lines


def render(stack: Stack) -> str:
    """The whole page."""
    lines = ["# Conversations as they go now", "",
             "Written by `python -m tests.support.transcripts` against the real servers (the same",
             "families are asserted in `tests/e2e/test_conversations.py`). Button clicks are shown",
             "as the payload they send (`/problem_persists` = 没解决, `/problem_solved` = 已解决).", ""]
    for title, why, turns in HARD_CASES:
        lines += [f"## {title}", "", why, ""]
        lines += transcript(Conversation(stack.rasa_url), turns)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.transcripts")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "conversations.md")
    args = parser.parse_args(list(argv) or None)
    stack = Stack(var_dir=Path(tempfile.mkdtemp(prefix="transcripts-")), name="transcripts").start()
    remember_token(stack)
    try:
        args.out.write_text(render(stack), encoding="utf-8")
    finally:
        stack.stop()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
