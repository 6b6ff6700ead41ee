"""The analytics recorder against a real Redis: what each event adds, once, to which day and language."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.analytics.metrics import Metrics
from bot.analytics.recorder import AnalyticsRecorder
from bot.analytics.report import read_report
from bot.core import keys
from bot.core.conversations import ConversationStore
from bot.core.languages import Language
from bot.core.signals import HandoffReason, HandoffSignal, low_confidence_payload
from handoff.queue import HandoffQueue
from tests import fakes
from tests.fakes import ScriptedRasa
from tests.helpers import free_port
from tests.unit.gateway.test_dialogue import message

MARCH_1 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC).timestamp()
MARCH_2 = datetime(2025, 3, 2, 9, 0, tzinfo=UTC).timestamp()
DAY_1, DAY_2 = date(2025, 3, 1), date(2025, 3, 2)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def recorder(redis_client: Redis, metrics: Metrics) -> AnalyticsRecorder:
    return AnalyticsRecorder(redis_client, metrics)


async def conversation(redis: Redis, name: str, language: Language = "en") -> str:
    await ConversationStore(redis, 3600).create(name, language)
    return name


async def row(redis: Redis, day: date, language: str) -> dict[str, Any]:
    report = await read_report(redis, day, day)
    return next(r for r in report.rows if r["language"] == language)


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


async def test_a_conversation_counts_once_at_its_first_message(
    redis_client: Redis, recorder: AnalyticsRecorder, metrics: Metrics
) -> None:
    await conversation(redis_client, "opened-only")  # a session nobody wrote in is no conversation
    cid = await conversation(redis_client, "c1", "fa")
    for _ in range(3):
        await recorder.customer_message(cid, "fa", now=MARCH_1)
    await recorder.customer_message(cid, "fa", now=MARCH_2)  # the next day it is still the same conversation
    assert (await row(redis_client, DAY_1, "fa"))["conversations"] == 1
    assert (await row(redis_client, DAY_1, "en"))["conversations"] == 0
    assert (await row(redis_client, DAY_2, "fa"))["conversations"] == 0
    assert sample(metrics, "support_conversations_total", language="fa") == 1
    ttl = await redis_client.ttl(keys.analytics_day_key("2025-03-01", "fa"))
    assert keys.ANALYTICS_TTL_S - 60 < ttl <= keys.ANALYTICS_TTL_S


async def test_a_message_in_a_conversation_that_expired_counts_nothing(
    redis_client: Redis, recorder: AnalyticsRecorder
) -> None:
    await recorder.customer_message("gone", "en", now=MARCH_1)
    assert (await row(redis_client, DAY_1, "en"))["conversations"] == 0
    assert await redis_client.exists(keys.conversation_key("gone")) == 0  # no marker left behind without expiry


async def test_assistant_turns_and_the_fallback_rate(
    redis_client: Redis, recorder: AnalyticsRecorder, metrics: Metrics
) -> None:
    for low_confidence in (False, False, True, False):
        await recorder.assistant_turn("hy", low_confidence=low_confidence, now=MARCH_1)
    figures = await row(redis_client, DAY_1, "hy")
    assert (figures["assistant_turns"], figures["low_confidence_turns"], figures["fallback_rate"]) == (4, 1, 0.25)
    assert sample(metrics, "support_low_confidence_turns_total", language="hy") == 1
    assert sample(metrics, "support_assistant_turns_total", language="hy") == 4


async def test_containment_counts_each_conversation_that_went_to_a_person_once(
    redis_client: Redis, recorder: AnalyticsRecorder, metrics: Metrics
) -> None:
    ids = [await conversation(redis_client, f"c{n}") for n in range(4)]
    for cid in ids:
        await recorder.customer_message(cid, "en", now=MARCH_1)
    # One conversation goes to a person twice (handed back between), another once.
    await recorder.handoff(ids[0], HandoffReason.CUSTOMER_REQUEST, "en", now=MARCH_1)
    await recorder.handoff(ids[0], HandoffReason.COMPLAINT, "en", now=MARCH_1)
    await recorder.handoff(ids[1], HandoffReason.LOW_CONFIDENCE, now=MARCH_1)  # language read from the conversation
    figures = await row(redis_client, DAY_1, "en")
    assert figures["conversations"] == 4 and figures["contained"] == 2 and figures["containment_rate"] == 0.5
    assert figures["handoffs"] == 3 and figures["handoff_rate"] == 0.75
    assert figures["handoffs_customer_request"] == 1 and figures["handoffs_complaint"] == 1
    assert figures["handoffs_low_confidence"] == 1 and figures["handoffs_assistant_unavailable"] == 0
    assert sample(metrics, "support_handoffs_total", language="en", reason="complaint") == 1


async def test_a_handoff_is_counted_on_its_day_and_against_the_day_the_conversation_started(
    redis_client: Redis, recorder: AnalyticsRecorder
) -> None:
    cid = await conversation(redis_client, "late", "ms")
    await recorder.customer_message(cid, "ms", now=MARCH_1)
    await recorder.handoff(cid, HandoffReason.CUSTOMER_REQUEST, "ms", now=MARCH_2)
    first, second = await row(redis_client, DAY_1, "ms"), await row(redis_client, DAY_2, "ms")
    assert (first["conversations"], first["contained"], first["handoffs"]) == (1, 0, 0)
    assert (second["conversations"], second["handoffs"], second["handoff_rate"]) == (0, 1, None)


async def test_the_button_before_any_message_starts_the_conversation(
    redis_client: Redis, recorder: AnalyticsRecorder
) -> None:
    cid = await conversation(redis_client, "button", "fa")
    await recorder.handoff(cid, HandoffReason.CUSTOMER_REQUEST, now=MARCH_1)
    await recorder.customer_message(cid, "fa", now=MARCH_1)  # written while waiting: not a second conversation
    figures = await row(redis_client, DAY_1, "fa")
    assert (figures["conversations"], figures["contained"], figures["containment_rate"]) == (1, 0, 0.0)


async def test_waiting_time_from_queued_to_claimed_counts_once_per_time_in_line(
    redis_client: Redis, recorder: AnalyticsRecorder, metrics: Metrics
) -> None:
    cid = await conversation(redis_client, "waits")
    queue = HandoffQueue(redis_client)
    key = keys.conversation_key(cid)
    await queue.enqueue(cid, HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST), now=MARCH_1)
    assert await queue.claim(cid, "anna", 3) == "claimed"
    await redis_client.hset(key, "assigned_at", MARCH_1 + 90)  # what the claim script wrote, made exact
    await recorder.claimed(cid)
    # Anna vanishes: back to the front of the line, same queued_at; Bob's claim is no new wait.
    assert await queue.requeue_front(cid, "anna")
    assert await queue.claim(cid, "bob", 3) == "claimed"
    await redis_client.hset(key, "assigned_at", MARCH_1 + 400)
    await recorder.claimed(cid)
    # Handed back, then in line again later: a new wait.
    await queue.release(cid, "bob", resolved=False)
    await queue.enqueue(cid, HandoffSignal.for_reason(HandoffReason.COMPLAINT), now=MARCH_1 + 1000)
    assert await queue.claim(cid, "bob", 3) == "claimed"
    await redis_client.hset(key, "assigned_at", MARCH_1 + 1030)
    await recorder.claimed(cid)
    figures = await row(redis_client, DAY_1, "en")
    assert (figures["waits"], figures["mean_wait_s"]) == (2, 60.0)
    assert sample(metrics, "support_waiting_seconds_count", language="en") == 2
    assert sample(metrics, "support_waiting_seconds_sum", language="en") == 120.0


async def test_first_response_is_the_first_agent_reply_of_each_claim(
    redis_client: Redis, recorder: AnalyticsRecorder, metrics: Metrics
) -> None:
    cid = await conversation(redis_client, "replies", "hy")
    key = keys.conversation_key(cid)
    await redis_client.hset(key, mapping={"state": "assigned", "queued_at": MARCH_1, "assigned_at": MARCH_1 + 10})
    await recorder.claimed(cid)
    await recorder.agent_replied(cid, now=MARCH_1 + 40)
    await recorder.agent_replied(cid, now=MARCH_1 + 50)  # not a first response
    await redis_client.hset(key, mapping={"queued_at": MARCH_1 + 100, "assigned_at": MARCH_1 + 200})
    await recorder.claimed(cid)  # a new episode
    await recorder.agent_replied(cid, now=MARCH_1 + 210)
    await redis_client.hset(key, "state", "bot")
    await recorder.agent_replied(cid, now=MARCH_1 + 300)  # not with a person: nothing
    figures = await row(redis_client, DAY_1, "hy")
    assert (figures["first_responses"], figures["mean_first_response_s"]) == (2, 20.0)
    assert sample(metrics, "support_first_response_seconds_bucket", language="hy", le="10.0") == 1


async def test_handling_time_resolutions_and_handbacks(
    redis_client: Redis, recorder: AnalyticsRecorder, metrics: Metrics
) -> None:
    cid = await conversation(redis_client, "handled", "ms")
    episode = {"assigned_at": MARCH_1, "ended_at": MARCH_1 + 300}
    await recorder.released(cid, episode, resolved=True)
    await recorder.released(cid, {"assigned_at": MARCH_1, "ended_at": MARCH_1 + 100}, resolved=False)
    figures = await row(redis_client, DAY_1, "ms")
    assert (figures["resolutions"], figures["handbacks"]) == (1, 1)
    assert (figures["handled"], figures["mean_handling_s"]) == (2, 200.0)
    assert sample(metrics, "support_resolutions_total", language="ms") == 1
    assert sample(metrics, "support_handling_seconds_count", language="ms") == 2


async def test_ratings_mean_and_count_per_score(
    redis_client: Redis, recorder: AnalyticsRecorder, metrics: Metrics
) -> None:
    cid = await conversation(redis_client, "rated", "en")
    for score in (4, 2, 4, 5):
        await recorder.rated(cid, score, now=MARCH_1)
    await recorder.rated(cid, 9, now=MARCH_1)  # not a score
    figures = await row(redis_client, DAY_1, "en")
    assert (figures["ratings"], figures["mean_rating"]) == (4, 3.75)
    assert [figures[f"ratings_{n}"] for n in range(1, 6)] == [0, 1, 0, 2, 1]
    assert sample(metrics, "support_ratings_total", language="en", score="4") == 2


async def totals(redis: Redis, language: str) -> dict[str, Any]:
    """Yesterday and today together, so a test running over midnight (UTC) still adds up."""
    today = datetime.now(UTC).date()
    report = await read_report(redis, today - timedelta(days=1), today)
    return next(r for r in report.totals if r["language"] == language)


async def test_the_dialogue_records_turns_and_each_handoff_once(
    redis_client: Redis, recorder: AnalyticsRecorder
) -> None:
    unsure = ScriptedRasa([{"text": "Sorry, could you rephrase?"}, {"custom": low_confidence_payload([])}])
    dialogue = fakes.dialogue(redis_client, unsure, analytics=recorder)
    cid = (await dialogue.open_session(None, "ms")).conversation_id
    await dialogue.handle_customer_message(cid, message("zzqx", "ms"))
    signal = HandoffSignal.for_reason(HandoffReason.COMPLAINT)
    dialogue.rasa = ScriptedRasa([{"text": "Maaf"}, {"custom": signal.to_payload()}])
    await dialogue.handle_customer_message(cid, message("teruk sangat, saya nak komplen", "ms"))
    await dialogue.handle_customer_message(cid, message("helo?", "ms"))  # waits for a person: no turn
    down = fakes.dialogue(redis_client, ScriptedRasa(fail=True), analytics=recorder)
    other = (await down.open_session(None, "ms")).conversation_id
    await down.handle_customer_message(other, message("di mana bungkusan saya", "ms"))
    await down.handle_customer_message(other, message("helo?", "ms"))  # already in line: no second handoff
    figures = await totals(redis_client, "ms")
    assert (figures["conversations"], figures["contained"]) == (2, 0)
    assert (figures["assistant_turns"], figures["low_confidence_turns"]) == (2, 1)
    assert (figures["handoffs"], figures["handoffs_complaint"], figures["handoffs_assistant_unavailable"]) == (2, 1, 1)


async def test_a_redis_failure_is_logged_and_never_raised(caplog: pytest.LogCaptureFixture) -> None:
    dead = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    metrics = Metrics()
    recorder = AnalyticsRecorder(dead, metrics)
    with caplog.at_level(logging.WARNING, logger="bot.analytics.recorder"):
        await recorder.customer_message("c", "en")
        await recorder.assistant_turn("en", low_confidence=True)
        await recorder.handoff("c", HandoffReason.COMPLAINT, "en")
        await recorder.claimed("c")
        await recorder.agent_replied("c")
        await recorder.released("c", {"assigned_at": 1.0, "ended_at": 2.0}, resolved=True)
        await recorder.rated("c", 5)
    await dead.aclose()
    assert len([r for r in caplog.records if "analytics not recorded" in r.getMessage()]) == 7
    assert sample(metrics, "support_conversations_total", language="en") == 0
