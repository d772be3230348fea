"""Bot messages → WeChat text, splitting, and the per-user button map."""

import json

import pytest
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain

from bot.app.settings import PROJECT_ROOT
from bot.rasa_plugins.channels.wechat.kv import MemoryStore
from bot.rasa_plugins.channels.wechat.render import ButtonMemory, render_turn, split_utf8
from bot.zhtext.ratings import parse_rating

GREETING = [
    {"recipient_id": "u", "text": "您好，我是发票助手。"},
    {
        "recipient_id": "u",
        "text": "请问遇到了什么问题？",
        "buttons": [
            {"title": "无法登录", "payload": "/login_failure"},
            {"title": "发票不见了", "payload": "/invoice_missing"},
        ],
    },
]


def test_buttons_become_a_numbered_list_with_hint():
    turn = render_turn(GREETING, hint="回复数字选择")
    assert turn.text == ("您好，我是发票助手。\n\n请问遇到了什么问题？\n"
                         "【1】无法登录\n【2】发票不见了\n回复数字选择")
    assert turn.choices == {"1": "/login_failure", "2": "/invoice_missing"}


def test_numbering_continues_across_messages_of_one_turn():
    messages = [
        {"text": "a", "buttons": [{"title": "x", "payload": "/x"}]},
        {"text": "b", "buttons": [{"title": "y", "payload": "/y"}]},
    ]
    assert render_turn(messages).choices == {"1": "/x", "2": "/y"}


def test_images_and_url_buttons_are_sent_as_text():
    messages = [
        {"image": "https://example.invalid/a.png"},
        {"text": "帮助", "buttons": [{"title": "文档", "url": "https://example.invalid/doc"}]},
    ]
    turn = render_turn(messages)
    assert "https://example.invalid/a.png" in turn.text
    assert "文档: https://example.invalid/doc" in turn.text
    assert turn.choices == {}
    assert "回复数字选择" not in turn.text


def test_custom_json_is_not_shown_to_users():
    assert render_turn([{"custom": {"any": "json"}}]).text == ""


@pytest.mark.parametrize("limit", [10, 30, 2000])
def test_split_respects_the_byte_limit_and_keeps_all_text(limit):
    text = "\n\n".join(["第一段" * 5, "second paragraph", "第三段\n有两行" * 3])
    chunks = split_utf8(text, limit)
    assert all(len(chunk.encode()) <= limit for chunk in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_split_packs_paragraphs_into_as_few_chunks_as_possible():
    paragraphs = ["段" * 300] * 5  # 900 bytes each
    chunks = split_utf8("\n\n".join(paragraphs), 2000)
    assert len(chunks) == 3
    assert chunks[0] == "段" * 300 + "\n\n" + "段" * 300


def test_split_never_cuts_a_multibyte_character():
    chunks = split_utf8("发" * 1000, 2000)
    assert [len(c.encode()) for c in chunks] == [1998, 1002]


@pytest.mark.parametrize(
    "typed, payload",
    [("1", "/login_failure"), ("２", "/invoice_missing"), (" 2 ", "/invoice_missing"),
     ("【2】", "/invoice_missing"), ("[1]", "/login_failure"), ("1。", "/login_failure"),
     ("（２）", "/invoice_missing"), ("无法登录", "/login_failure"), ("3", None), ("12", None),
     ("1234", None), ("你好", None), ("1和2", None)],
)
async def test_button_memory_maps_numbers_and_titles(typed, payload):
    memory = ButtonMemory(MemoryStore(), "test")
    await memory.remember("u", render_turn(GREETING))
    assert await memory.resolve("u", typed) == payload
    assert await memory.resolve("another-user", typed) is None


async def test_a_turn_without_buttons_clears_the_map():
    memory = ButtonMemory(MemoryStore(), "test")
    await memory.remember("u", render_turn(GREETING))
    await memory.remember("u", render_turn([{"text": "请输入发票号码"}]))
    assert await memory.resolve("u", "1") is None


class DomainResponses:
    """The domain's responses as Rasa renders them for one output channel."""

    def __init__(self) -> None:
        domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
        self._nlg = TemplatedNaturalLanguageGenerator(domain.responses)
        # A tracker always has every slot; with none, Rasa skips formatting and '{{' stays.
        self._slots = {slot.name: slot.initial_value for slot in domain.slots}

    def render(self, response: str, channel: str, **kwargs) -> dict:
        return self._nlg.generate_from_slots(response, self._slots, channel, **kwargs)


@pytest.fixture(scope="module")
def nlg() -> DomainResponses:
    return DomainResponses()


def _rating(payload: str) -> int:
    intent, _, entities = payload.partition("{")
    assert intent == "/rate"
    return int(json.loads("{" + entities)["rating"])


@pytest.mark.parametrize("channel", ["wechat", "wecom"])
@pytest.mark.parametrize("typed, rating", [("1", 1), ("3", 3), ("5", 5), ("５", 5), ("【4】", 4)])
async def test_typing_a_number_after_the_rating_question_gives_that_rating(nlg, channel, typed, rating):
    """The closing turn as the channel renders it (action_close_problem): typing n means n 分."""
    turn = render_turn([
        nlg.render("utter_problem_solved", channel, tip="定期更新证书。"),
        nlg.render("utter_ask_rating", channel),
    ])
    memory = ButtonMemory(MemoryStore(), channel)
    await memory.remember("u", turn)

    assert _rating(await memory.resolve("u", typed)) == rating


@pytest.mark.parametrize("channel", ["wechat", "wecom"])
def test_rating_button_titles_read_as_their_rating(nlg, channel):
    """Typed titles go through NLU and `parse_rating`, which must agree with the payloads."""
    buttons = nlg.render("utter_ask_rating", channel)["buttons"]

    assert [parse_rating(b["title"]) for b in buttons] == [_rating(b["payload"]) for b in buttons]
