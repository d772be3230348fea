"""SqlFeedbackStore on a SQLite database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.app.database import make_app_session_factory
from bot.app.feedback import InvalidFeedback, Rating, SqlFeedbackStore, Vote

SENDER = "0123456789abcdef0123456789abcdef"


@pytest.fixture()
def service(tmp_path):
    ticks = iter(range(1000))
    clock = lambda: datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8))) + timedelta(seconds=next(ticks))  # noqa: E731
    return SqlFeedbackStore(make_app_session_factory(f"sqlite:///{tmp_path}/app.db"), clock=clock)


async def test_a_vote_is_stored_and_a_revote_replaces_it(service):
    first = await service.record_vote(SENDER, "bot-1", "请先检查账号。", True)
    assert isinstance(first, Vote) and first.up is True
    await service.record_vote(SENDER, "bot-1", "请先检查账号。", False)
    await service.record_vote(SENDER, "bot-2", "第二步", True)
    stored = await service.for_conversation(SENDER)
    assert [(v.message_id, v.up) for v in stored.votes] == [("bot-1", False), ("bot-2", True)]


async def test_ratings_are_kept_and_the_newest_counts(service):
    await service.record_rating(SENDER, 3)
    latest = await service.record_rating(SENDER, 5, "  很有帮助  ")
    assert isinstance(latest, Rating) and latest.comment == "很有帮助"
    stored = await service.for_conversation(SENDER)
    assert [r.rating for r in stored.ratings] == [3, 5]
    assert stored.latest_rating.rating == 5


async def test_conversations_are_kept_apart(service):
    await service.record_rating(SENDER, 4)
    other = await service.for_conversation("f" * 32)
    assert other.votes == [] and other.ratings == [] and other.latest_rating is None


@pytest.mark.parametrize("rating", [0, 6, -1, 4.5, "5", None, True])
async def test_ratings_outside_one_to_five_are_refused(service, rating):
    with pytest.raises(InvalidFeedback):
        await service.record_rating(SENDER, rating)
    assert (await service.for_conversation(SENDER)).ratings == []


@pytest.mark.parametrize("sender, message_id, up", [
    ("", "bot-1", True),
    (SENDER, "", True),
    (SENDER, "x" * 65, True),
    (SENDER, "bot-1", "yes"),
    (None, "bot-1", True),
])
async def test_invalid_votes_are_refused(service, sender, message_id, up):
    with pytest.raises(InvalidFeedback):
        await service.record_vote(sender, message_id, "text", up)


async def test_forgetting_a_user_deletes_only_their_votes_and_ratings(service):
    await service.record_vote(SENDER, "bot-1", "第一步", True)
    await service.record_rating(SENDER, 4)
    await service.record_rating("f" * 32, 5)
    assert await service.forget_sender(SENDER) == 2
    mine = await service.for_conversation(SENDER)
    assert mine.votes == [] and mine.ratings == []
    assert [r.rating for r in (await service.for_conversation("f" * 32)).ratings] == [5]
