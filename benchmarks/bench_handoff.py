"""From "I want to talk to a person" to the conversation on a connected agent's screen.

Issue 12's goal: p99 under 250 ms at 100 concurrent conversations.

Starts a stack of its own (like the tests) with one agent console connected.
Each round, ``--customers`` new customers connect, then ask for a person, all
at once (``--concurrency`` at a time when given: a slot takes the next customer
once its conversation is on the agent's screen). Each is timed from the emit of
the message to the agent console's first ``queue`` update that lists the
conversation, and, to show where the time goes, to the customer's
``message_ack`` (stored), to the assistant's reply (``bot_uttered``) and to
their ``handoff_status`` ``queued``. The path includes a Rasa turn: the model
has to recognise the request (``request_human``), and the gateway sends Rasa a
few turns at a time (``RASA_TURNS_IN_FLIGHT`` per worker). Between rounds the
agent claims and resolves every conversation, so each round starts with an
empty queue.

Lifted for the benchmark: the per-address limits (every simulated customer is
127.0.0.1) and the console request limit (AGENT_EVENTS_PER_MINUTE: the agent
clears the queue between rounds).

One JSON line per round (p50/p95/p99/max of each step, errors, the reason the
queue gave, the queue updates and customers' status updates the round caused,
the gateway's CPU seconds), then the steps over all rounds. Absolute times on a
shared machine are noise.

    .venv/bin/python -m benchmarks.bench_handoff [--customers 100] [--rounds 3] [--concurrency N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import socketio

from benchmarks.bench_relay import percentiles, stack_cpu
from benchmarks.common import LIFTED, bench_settings
from bot.core.agent_protocol import AgentRole
from bot.core.redis_connection import connect as connect_redis
from bot.staff.accounts import AgentDirectory
from bot.supervisor.stack import Stack
from tests.helpers import AgentClient, CustomerClient

GOAL_P99_MS = 250.0
ASK_FOR_PERSON = "I want to talk to a person"
AGENT_PASSWORD = "bench handoff password"
WAIT_S = 60.0
#: The steps timed from the emit, in the order they usually come.
STEPS = ("stored_ack", "assistant_reply", "customer_queued", "agent_queue")
CLEARING_AT_ONCE = 10


class TimedCustomer(CustomerClient):
    """A widget that notes when each step of its handoff first arrived."""

    def __init__(self, url: str, http: aiohttp.ClientSession) -> None:
        self.arrived: dict[str, float] = {}
        self.statuses = 0
        super().__init__(url, http_session=http)

    def _recorder(self, name: str) -> Callable[[Any], Awaitable[None]]:
        record = super()._recorder(name)
        step = {"message_ack": "stored_ack", "bot_uttered": "assistant_reply"}.get(name)

        async def timed(data: Any = None) -> None:
            now = time.perf_counter()
            if step is not None:
                self.arrived.setdefault(step, now)
            if name == "handoff_status":
                self.statuses += 1
                if isinstance(data, dict) and data.get("state") == "queued":
                    self.arrived.setdefault("customer_queued", now)
            await record(data)

        return timed


class TimedAgent(AgentClient):
    """A console that notes when each conversation first appeared in its queue."""

    def __init__(self, url: str) -> None:
        self.listed: dict[str, float] = {}
        self.reasons: dict[str, str] = {}
        self.listing: dict[str, asyncio.Event] = {}
        self.updates = 0
        self.waiting_now = 0
        super().__init__(url)

    def _recorder(self, name: str) -> Callable[[Any], Awaitable[None]]:
        record = super()._recorder(name)
        if name != "queue":
            return record

        async def on_queue(data: Any = None) -> None:
            now = time.perf_counter()
            self.updates += 1
            waiting = data.get("waiting", []) if isinstance(data, dict) else []
            self.waiting_now = len(waiting)
            for item in waiting:
                conversation_id = item["conversation_id"]
                if conversation_id not in self.listed:
                    self.listed[conversation_id] = now
                    self.reasons[conversation_id] = item.get("reason", "")
                    self.listing.setdefault(conversation_id, asyncio.Event()).set()

        return on_queue

    async def wait_listed(self, conversation_id: str) -> None:
        await asyncio.wait_for(self.listing.setdefault(conversation_id, asyncio.Event()).wait(), WAIT_S)


async def ask(customer: TimedCustomer, agent: TimedAgent, errors: Counter[str]) -> float:
    """The customer asks for a person; returns when they asked, once the agent lists the conversation."""
    asked = time.perf_counter()
    try:
        await customer.send(ASK_FOR_PERSON)
        await agent.wait_listed(customer.conversation_id)
    except (TimeoutError, socketio.exceptions.SocketIOError) as error:
        errors[f"not_listed:{type(error).__name__}"] += 1
    return asked


async def clear_queue(agent: TimedAgent, conversation_ids: list[str], errors: Counter[str]) -> None:
    """The agent claims and resolves every conversation of the round (the queue is empty again)."""
    slots = asyncio.Semaphore(CLEARING_AT_ONCE)

    async def take(conversation_id: str) -> None:
        async with slots:
            for event in ("claim", "resolve"):
                answer = await agent.call(event, {"conversation_id": conversation_id})
                if not answer.get("ok"):
                    errors[f"clearing_{event}:{answer.get('error')}"] += 1
                    return

    await asyncio.gather(*(take(conversation_id) for conversation_id in conversation_ids))


async def one_round(
    url: str, http: aiohttp.ClientSession, agent: TimedAgent, customers_n: int, concurrency: int
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """One round of new customers; the times of each step, and what else the round showed."""
    customers = [TimedCustomer(url, http) for _ in range(customers_n)]
    await asyncio.gather(*(customer.connect() for customer in customers))
    errors: Counter[str] = Counter()
    updates_before = agent.updates
    slots = asyncio.Semaphore(concurrency)

    async def in_turn(customer: TimedCustomer) -> float:
        async with slots:
            return await ask(customer, agent, errors)

    started = time.perf_counter()
    asked = await asyncio.gather(*(in_turn(customer) for customer in customers))
    wall_s = time.perf_counter() - started
    await asyncio.sleep(0.5)  # the last status updates
    steps: dict[str, list[float]] = {step: [] for step in STEPS}
    for customer, at in zip(customers, asked, strict=True):
        arrived = customer.arrived | (
            {"agent_queue": agent.listed[customer.conversation_id]} if customer.conversation_id in agent.listed else {}
        )
        for step in STEPS:
            if step in arrived:
                steps[step].append(arrived[step] - at)
            else:
                errors[f"missing:{step}"] += 1
    reasons = Counter(agent.reasons.get(customer.conversation_id, "none") for customer in customers)
    others = {
        "wall_s": round(wall_s, 2),
        "errors": dict(errors),
        "queue_reasons": dict(reasons),
        "agent_queue_updates": agent.updates - updates_before,
        "customer_status_updates": sum(customer.statuses for customer in customers),
    }
    clearing: Counter[str] = Counter()
    await clear_queue(agent, [customer.conversation_id for customer in customers], clearing)
    await asyncio.gather(*(customer.close() for customer in customers), return_exceptions=True)
    others["clearing_errors"] = dict(clearing)
    return steps, others


async def sign_in(stack: Stack, url: str, capacity: int) -> TimedAgent:
    redis = connect_redis(stack.settings.redis_url)
    try:
        await AgentDirectory(redis).add("handoff-agent", AGENT_PASSWORD, AgentRole.AGENT, "Anna", capacity=capacity)
    finally:
        await redis.aclose()
    agent = TimedAgent(url)
    await agent.login("handoff-agent", AGENT_PASSWORD)
    await agent.connect()
    return agent


async def run(customers_n: int, rounds: int, concurrency: int) -> None:
    totals: dict[str, list[float]] = {step: [] for step in STEPS}
    total_errors: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        settings = bench_settings(var_dir, agent_events_per_minute=LIFTED)
        stack = Stack(settings, log_dir=var_dir / "logs")
        await stack.start()
        url = f"http://127.0.0.1:{settings.gateway_port}"
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                agent = await sign_in(stack, url, capacity=customers_n)
                await one_round(url, http, agent, 2, 2)  # warm up: the model's first turns, connection pools
                for index in range(rounds):
                    await asyncio.sleep(1.0)
                    before = stack_cpu(stack)
                    steps, others = await one_round(url, http, agent, customers_n, concurrency)
                    after = stack_cpu(stack)
                    line: dict[str, Any] = {"round": index + 1, "customers": customers_n, "concurrency": concurrency}
                    line["ms"] = {step: percentiles(times) for step, times in steps.items()}
                    line |= others
                    line["cpu_s"] = {name: round(after[name] - before.get(name, 0.0), 1) for name in after}
                    line["rasa_workers"] = settings.rasa_worker_count
                    print(json.dumps(line), flush=True)
                    for step, times in steps.items():
                        totals[step] += times
                    total_errors.update(others["errors"])
                await agent.close()
        finally:
            await stack.stop()
    print_summary(totals, total_errors, customers_n, rounds, concurrency)


def print_summary(
    totals: dict[str, list[float]], errors: Counter[str], customers_n: int, rounds: int, concurrency: int
) -> None:
    print(f"\n{rounds} round(s) of {customers_n} customers asking for a person, {concurrency} at a time")
    print("| from the emit to | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    for step, times in totals.items():
        figures = percentiles(times)
        print(f"| {step} | {figures['p50']} | {figures['p95']} | {figures['p99']} | {figures['max']} |")
    p99 = percentiles(totals["agent_queue"])["p99"]
    verdict = "met" if p99 < GOAL_P99_MS and not errors else "not met"
    print(
        f"goal: agent_queue p99 < {GOAL_P99_MS:g} ms at 100 concurrent conversations: {verdict}; errors {dict(errors)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=0, help="customers asking at a time (0: all at once)")
    args = parser.parse_args()
    asyncio.run(run(args.customers, args.rounds, args.concurrency or args.customers))


if __name__ == "__main__":
    main()
