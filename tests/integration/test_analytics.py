"""A simulated day through the real gateway, then the figures of /api/analytics, its CSV and /metrics."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.core.languages import SUPPORTED_LANGUAGES
from bot.staff.accounts import AgentDirectory
from bot.supervisor.stack import Stack
from tests.conftest import AGENT_PASSWORD
from tests.helpers import AgentClient, CustomerClient, as_text, domain_responses, low_confidence_texts

MakeAgent = Callable[..., Awaitable[AgentClient]]
RESPONSES = domain_responses()
# Customers the assistant answers alone: (page language, what they write).
ASSISTANT_ONLY = [
    ("en", ["hi", "how can I track my parcel"]),
    ("fa", ["چطور می‌تونم بسته‌ام رو پیگیری کنم؟"]),
    ("hy", ["Ինչպե՞ս հետևել իմ ծանրոցին"]),
    ("ms", ["macam mana nak jejak bungkusan saya"]),
]
COMPLAINT_HY = "Խայտառակություն է, երկու շաբաթ է պատվերս չկա և ոչ ոք չի պատասխանում!!!"


def today() -> date:
    return datetime.now(UTC).date()


async def forget_analytics(redis: Redis) -> None:
    """Earlier tests counted too: start the day from zero."""
    days = [today() + timedelta(days=offset) for offset in (-1, 0, 1)]
    await redis.delete(*[keys.analytics_day_key(d.isoformat(), lang) for d in days for lang in SUPPORTED_LANGUAGES])


async def chat(url: str, language: str, texts: list[str]) -> list[list[dict[str, Any]]]:
    customer = CustomerClient(url)
    await customer.connect()
    turns = []
    try:
        for text in texts:
            await customer.send(text, customData={"language": language})
            turns.append(await customer.replies_until_quiet())
    finally:
        await customer.close()
    return turns


async def login(url: str, username: str) -> str:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/api/agent/login", json={"username": username, "password": AGENT_PASSWORD}) as response,
    ):
        token: str = (await response.json())["token"]
    return token


async def get(url: str, token: str | None = None) -> tuple[int, dict[str, str], str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return response.status, dict(response.headers), await response.text()


async def counters(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by name and labels."""
    status, _, text = await get(f"{url}/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def delta(before: dict[Any, float], after: dict[Any, float], name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


@dataclass(frozen=True)
class SimulatedDay:
    """What :func:`simulate_day` did that the figures depend on."""

    handed_to_anna: str
    episode: dict[str, Any]


async def simulate_day(stack: Stack, url: str, customer: CustomerClient, anna: AgentClient) -> SimulatedDay:
    """Seven customers in four languages through the real gateway.

    Five are answered by the assistant alone (8 assistant turns, one of them not
    understood); one asks for a person, whom ``anna`` claims, answers twice and
    resolves, and who rates 4; one complains in Armenian and waits in line.
    """
    unsure = (await low_confidence_texts(stack, 1))[0]
    answered = await asyncio.gather(
        *(chat(url, language, texts) for language, texts in ASSISTANT_ONLY),
        chat(url, "fa", [unsure]),
    )
    assert answered[0][0][0]["text"] in RESPONSES["utter_greet"]["en"]
    assert answered[1][0][0]["text"] in RESPONSES["utter_faq/order_tracking"]["fa"]
    assert answered[4][0][0]["text"] in RESPONSES["utter_ask_rephrase"]["fa"]

    await customer.send("I want to talk to a person")
    await customer.replies_until_quiet()
    conversation_id = customer.conversation_id
    await anna.wait_for_queue_with(conversation_id)
    assert (await anna.call("claim", {"conversation_id": conversation_id}))["ok"]
    assert (await anna.call("reply", {"conversation_id": conversation_id, "text": "Hello, Anna here"}))["ok"]
    assert (await anna.call("reply", {"conversation_id": conversation_id, "text": "Your parcel left today"}))["ok"]
    assert (await anna.call("resolve", {"conversation_id": conversation_id}))["ok"]
    assert await customer.sio.call("rating", {"score": 4, "comment": "ok"}, timeout=10) == {"ok": True}

    complaint = await chat(url, "hy", [COMPLAINT_HY])
    assert complaint[0][0]["text"] in RESPONSES["utter_complain"]["hy"]
    redis = Redis.from_url(stack.settings.redis_url)
    episode = json.loads(as_text(await redis.lindex(keys.episodes_key(conversation_id), -1)))
    await redis.aclose()
    return SimulatedDay(conversation_id, episode)


async def test_a_simulated_day_in_the_analytics(
    stack: Stack,
    gateway_url: str,
    customer: CustomerClient,
    make_agent: MakeAgent,
    stack_redis: Redis,
) -> None:
    first_day = today()
    await forget_analytics(stack_redis)
    metrics_before = await counters(gateway_url)
    anna = await make_agent("anna.stats", display_name="Anna")
    day = await simulate_day(stack, gateway_url, customer, anna)
    episode = day.episode

    # Who may read the figures.
    supervisor = "sam.stats"
    await AgentDirectory(stack_redis).add(supervisor, AGENT_PASSWORD, AgentRole.SUPERVISOR)
    await AgentDirectory(stack_redis).add("tina.stats", AGENT_PASSWORD, AgentRole.TRAINER)
    token = await login(gateway_url, supervisor)
    url = f"{gateway_url}/api/analytics?from={first_day.isoformat()}&to={today().isoformat()}"
    assert (await get(url))[0] == 401
    assert (await get(url, "forged-token"))[0] == 401
    assert (await get(url, anna.token))[0] == 403
    assert (await get(f"{gateway_url}/api/analytics.csv", anna.token))[0] == 403
    assert (await get(url, await login(gateway_url, "tina.stats")))[0] == 200
    assert (await get(f"{gateway_url}/api/analytics?from=yesterday", token))[0] == 400

    status, _, body = await get(url, token)
    assert status == 200
    report = json.loads(body)
    totals = {row["language"]: row for row in report["totals"]}
    everyone = totals["all"]
    assert everyone["conversations"] == 7
    assert (everyone["contained"], everyone["containment_rate"]) == (5, round(5 / 7, 4))
    assert (everyone["handoffs"], everyone["handoff_rate"]) == (2, round(2 / 7, 4))
    assert (everyone["handoffs_customer_request"], everyone["handoffs_complaint"]) == (1, 1)
    assert (everyone["handoffs_low_confidence"], everyone["handoffs_assistant_unavailable"]) == (0, 0)
    assert (everyone["assistant_turns"], everyone["low_confidence_turns"], everyone["fallback_rate"]) == (8, 1, 0.125)
    assert (everyone["resolutions"], everyone["handbacks"], everyone["ratings"], everyone["mean_rating"]) == (
        1, 0, 1, 4.0,
    )  # fmt: skip
    assert everyone["ratings_4"] == 1 and everyone["waits"] == 1 and everyone["first_responses"] == 1
    assert everyone["mean_wait_s"] == round(episode["assigned_at"] - episode["queued_at"], 1)
    assert everyone["mean_handling_s"] == round(episode["ended_at"] - episode["assigned_at"], 1)
    assert 0 <= everyone["mean_first_response_s"] <= everyone["mean_handling_s"] + 0.1
    assert [totals[lang]["conversations"] for lang in ("en", "hy", "fa", "ms")] == [2, 2, 2, 1]
    assert (totals["en"]["handoffs_customer_request"], totals["hy"]["handoffs_complaint"]) == (1, 1)
    assert (totals["fa"]["fallback_rate"], totals["fa"]["containment_rate"]) == (0.5, 1.0)
    assert totals["en"]["mean_rating"] == 4.0 and totals["hy"]["ratings"] == 0
    day_rows = [row for row in report["rows"] if row["language"] == "all"]
    assert sum(row["conversations"] for row in day_rows) == 7

    status, headers, text = await get(url.replace("/api/analytics?", "/api/analytics.csv?"), token)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(text)))
    total_row = next(r for r in rows if r["day"] == "total" and r["language"] == "all")
    assert (total_row["conversations"], total_row["handoffs"], total_row["mean_rating"]) == ("7", "2", "4.0")
    assert len(rows) == len(report["rows"]) + len(report["totals"])

    after = await counters(gateway_url)
    assert delta(metrics_before, after, "support_conversations_total", language="hy") == 2
    assert delta(metrics_before, after, "support_assistant_turns_total", language="en") == 3
    assert delta(metrics_before, after, "support_low_confidence_turns_total", language="fa") == 1
    assert delta(metrics_before, after, "support_handoffs_total", language="hy", reason="complaint") == 1
    assert delta(metrics_before, after, "support_resolutions_total", language="en") == 1
    assert delta(metrics_before, after, "support_ratings_total", language="en", score="4") == 1
    assert delta(metrics_before, after, "support_waiting_seconds_count", language="en") == 1
    assert delta(metrics_before, after, "support_first_response_seconds_count", language="en") == 1
    assert delta(metrics_before, after, "support_handling_seconds_count", language="en") == 1
    assert after[("support_queue_length", ())] == 1  # the complaint still waits
    assert after[("support_agents_online", ())] >= 1
