import pytest

from bot.zhtext.ratings import parse_rating


@pytest.mark.parametrize(
    "text, expected",
    [
        ("5", 5), ("4分", 4), ("４分", 4), ("给3分吧", 3), ("五星好评", 5), ("两星", 2),
        ("非常满意", 5), ("满意", 4), ("不太满意", 2), ("非常不满意", 1), ("一般般", 3),
        ("10", None), ("", None), ("还没解决呢", None), ("0分", None),
        ("非常滿意", 5), ("不太滿意", 2), ("兩星", 2), ("５​分", 5),  # traditional, zero-width
    ],
)
def test_parse_rating(text, expected):
    assert parse_rating(text) == expected
