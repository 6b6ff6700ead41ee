"""Customer <-> agent relay on one gateway process: 500 human conversations, open loop.

Issue 12's goal: 500 concurrent human conversations, p99 under 50 ms, at least
1,500 relayed messages a second per gateway process.

Starts a stack of its own (like the tests; one gateway process). Set-up, not
measured: ``--agents`` consoles sign in (accounts made with a capacity of their
share of the conversations), ``--conversations`` customers each say "I want to
talk to a person" (the assistant recognises it and the handoff service queues
them, the product's own path), a few at a time, and the agents claim them.
Measured, for ``--duration-s``: ``--rate`` relayed messages a second in all,
spread evenly in time and over the conversations, alternately a customer's
message to their agent and an agent's reply, sent on schedule whether or not
earlier ones arrived (open loop). Each message is timed from the sender's emit
to the other side's receipt: the agent console's ``message`` event, or the
customer's ``bot_uttered`` with ``metadata.sender == "agent"``. Agent assist
stays on, as in the product: it reads customers' messages with the model in
the background, so Rasa takes CPU too, and beyond its backlog it skips some
(counted from the gateway's log).

Lifted for the benchmark, else they would be what is measured: the per-session
and per-address message limits (SESSION_MESSAGES_PER_MINUTE, ...) and the
console request limit (AGENT_EVENTS_PER_MINUTE).

The gateway handles one socket's events one at a time, in order (a customer's
messages never overtake each other), an agent console's requests too: with few
agents, each console's reply rate is bounded by one request's round trip.
``--agents`` spreads the conversations over more consoles.

One JSON line for the set-up, one per rate (``--rates 500,1000,1500,2000``
sweeps, to find where p99 crosses 50 ms), then a table. Besides the latencies:
the gateway's CPU milliseconds and Redis commands per relayed message, figures
that depend little on what else the machine runs. The load generator shares the
machine: its own CPU seconds and how late it sent are reported, so a run
limited by the generator shows as such. Absolute times on a shared machine are
noise.

    .venv/bin/python -m benchmarks.bench_relay [--conversations 500] [--agents 10] [--rate 1500] [--duration-s 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio
from redis.asyncio import Redis

from benchmarks.bench_channels import rss_mb
from benchmarks.common import LIFTED, bench_settings
from bot.core.agent_protocol import AgentRole
from bot.core.redis_connection import connect as connect_redis
from bot.staff.accounts import AgentDirectory
from bot.supervisor.stack import Stack
from tests.helpers import AgentClient, CustomerClient

GOAL_P99_MS = 50.0
GOAL_PER_S = 1500.0
ASK_FOR_PERSON = "I want to talk to a person"
#: Customers asking for a person at once during the set-up (the assistant answers a few turns at a time).
SETUP_BATCH = 25
SETUP_WAIT_S = 90.0
AGENT_PASSWORD = "bench relay password"
CALL_TIMEOUT_S = 10.0
C2A, A2C = "customer_to_agent", "agent_to_customer"
CUSTOMER_TEXTS = [
    ("en", "my parcel still has not arrived, can you check?"),
    ("hy", "Իմ պատվերը դեռ չի հասել"),
    ("fa", "سفارشم هنوز نرسیده است"),
    ("ms", "bungkusan saya belum sampai lagi"),
]
REPLY_REF = re.compile(r"\(ref (\d+)\)$")
#: Message numbers, unique over every phase of a run.
NUMBERS = itertools.count(1)


def percentiles(values_s: list[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds (nearest rank)."""
    ordered = sorted(values_s)
    if not ordered:
        return {"p50": math.nan, "p95": math.nan, "p99": math.nan, "max": math.nan}

    def rank(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)] * 1000, 1)

    return {"p50": rank(0.5), "p95": rank(0.95), "p99": rank(0.99), "max": round(ordered[-1] * 1000, 1)}


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds a process has used (``/proc/<pid>/stat``; psutil is not in the app's lock)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def stack_cpu(stack: Stack) -> dict[str, float]:
    """CPU seconds of every process of the stack (Rasa workers together), and of this load generator."""
    used: dict[str, float] = {}
    for name, child in stack.children.items():
        group = "rasa" if name.startswith("rasa") else name
        used[group] = used.get(group, 0.0) + cpu_seconds(child.process.pid if child.process else None)
    used["load_generator"] = time.process_time()
    return used


def log_count(path: Path, text: str) -> int:
    try:
        return path.read_text(errors="replace").count(text)
    except OSError:
        return 0


@dataclass
class Phase:
    """One measured phase: what was sent when, and what arrived."""

    rate: float
    duration_s: float
    started: float = 0.0
    #: When the drain after the phase ended: the CPU figures cover started..finished.
    finished: float = 0.0
    #: Message number -> (direction, emitted at), until it arrives.
    pending: dict[int, tuple[str, float]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {C2A: [], A2C: []})
    acks: dict[str, list[float]] = field(default_factory=lambda: {"customer_stored": [], "agent_reply": []})
    lags: list[float] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)
    in_window: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    suggestions: int = 0
    #: Set once every message was sent and none is on its way any more.
    all_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    done_sending: bool = False

    @property
    def ends(self) -> float:
        return self.started + self.duration_s

    def emitted(self, number: int, direction: str, scheduled: float) -> float:
        now = time.perf_counter()
        self.pending[number] = (direction, now)
        self.sent[direction] += 1
        self.lags.append(now - scheduled)
        return now

    def arrived(self, number: int) -> None:
        now = time.perf_counter()
        sent = self.forget(number)
        if sent is None:
            return  # a late one of an earlier phase, or refused already
        direction, emitted = sent
        self.latencies[direction].append(now - emitted)
        if now <= self.ends:
            self.in_window += 1

    def forget(self, number: int) -> tuple[str, float] | None:
        """No longer on its way: arrived, or refused."""
        sent = self.pending.pop(number, None)
        if self.done_sending and not self.pending:
            self.all_arrived.set()
        return sent

    def line(self) -> dict[str, Any]:
        relayed = self.latencies[C2A] + self.latencies[A2C]
        return {
            "rate_target": self.rate,
            "duration_s": self.duration_s,
            "sent": dict(self.sent),
            "sent_per_s": round(sum(self.sent.values()) / self.duration_s, 1),
            "relayed_per_s": round(self.in_window / self.duration_s, 1),
            "relayed": len(relayed),
            "errors": dict(self.errors),
            "latency_ms": {"all": percentiles(relayed), C2A: percentiles(self.latencies[C2A]),
                           A2C: percentiles(self.latencies[A2C])},
            "ack_ms": {name: percentiles(times) for name, times in self.acks.items()},
            "send_lag_ms": {key: percentiles(self.lags)[key] for key in ("p99", "max")},
            "suggestions_received": self.suggestions,
        }  # fmt: skip


class RelayCustomer(CustomerClient):
    """A widget: its agents' replies and its acknowledgements are timed; other events as in the tests."""

    def __init__(self, url: str, http: aiohttp.ClientSession) -> None:
        self.phase: Phase | None = None
        self.asked: dict[int, float] = {}
        super().__init__(url, http_session=http)

    def _recorder(self, name: str) -> Callable[[Any], Awaitable[None]]:
        record = super()._recorder(name)

        async def timed(data: Any = None) -> None:
            phase = self.phase
            if phase is None:
                await record(data)
            elif name == "bot_uttered" and isinstance(data, dict) and data.get("metadata", {}).get("sender") == "agent":
                if ref := REPLY_REF.search(str(data.get("text", ""))):
                    phase.arrived(int(ref.group(1)))
            elif name == "message_ack" and isinstance(data, dict):
                number = int(str(data.get("client_message_id") or "r0")[1:])
                if (asked := self.asked.pop(number, None)) is not None:
                    phase.acks["customer_stored"].append(time.perf_counter() - asked)
            elif name == "error_message" and isinstance(data, dict):
                phase.errors[f"customer_refused:{data.get('code')}"] += 1

        return timed

    async def say(self, phase: Phase, number: int, scheduled: float) -> None:
        language, text = CUSTOMER_TEXTS[number % len(CUSTOMER_TEXTS)]
        self.asked[number] = phase.emitted(number, C2A, scheduled)
        try:
            await self.send(text, client_message_id=f"r{number}", customData={"language": language})
        except socketio.exceptions.SocketIOError as error:
            phase.errors[f"customer_send_failed:{type(error).__name__}"] += 1
            phase.forget(number)


class RelayAgent(AgentClient):
    """A console: customers' messages are timed as they arrive; suggestions counted."""

    def __init__(self, url: str) -> None:
        self.phase: Phase | None = None
        super().__init__(url)

    def _recorder(self, name: str) -> Callable[[Any], Awaitable[None]]:
        record = super()._recorder(name)

        async def timed(data: Any = None) -> None:
            phase = self.phase
            if phase is None:
                await record(data)
            elif name == "message" and isinstance(data, dict) and data["entry"]["sender"] == "customer":
                phase.arrived(int(str(data["entry"].get("client_message_id") or "r0")[1:]))
            elif name == "suggestions":
                phase.suggestions += 1

        return timed

    async def reply(self, phase: Phase, conversation_id: str, number: int, scheduled: float) -> None:
        text = f"Thanks, I am checking that now (ref {number})"
        emitted = phase.emitted(number, A2C, scheduled)
        try:
            ack = await self.sio.call(
                "reply", {"conversation_id": conversation_id, "text": text}, namespace="/agent", timeout=CALL_TIMEOUT_S
            )
        except socketio.exceptions.SocketIOError as error:  # TimeoutError among them
            phase.errors[f"agent_reply_failed:{type(error).__name__}"] += 1
            phase.forget(number)
            return
        if not (isinstance(ack, dict) and ack.get("ok")):
            phase.errors[f"agent_refused:{ack.get('error') if isinstance(ack, dict) else ack}"] += 1
            phase.forget(number)
            return
        phase.acks["agent_reply"].append(time.perf_counter() - emitted)


@dataclass
class Pair:
    customer: RelayCustomer
    agent: RelayAgent
    conversation_id: str


async def sign_in_agents(stack: Stack, url: str, count: int, conversations: int) -> list[RelayAgent]:
    """``count`` agent accounts sharing ``conversations`` (their capacity), each with a console connected."""
    redis = connect_redis(stack.settings.redis_url)
    directory = AgentDirectory(redis)
    capacity = math.ceil(conversations / count)
    agents = []
    try:
        for index in range(count):
            username = f"relay-agent-{index}"
            await directory.add(username, AGENT_PASSWORD, AgentRole.AGENT, f"Agent {index}", capacity=capacity)
            agent = RelayAgent(url)
            await agent.login(username, AGENT_PASSWORD)
            await agent.connect()
            agents.append(agent)
    finally:
        await redis.aclose()
    return agents


async def hand_off(url: str, http: aiohttp.ClientSession, agent: RelayAgent, errors: Counter[str]) -> Pair | None:
    """One customer asks for a person and ``agent`` claims the conversation; None if that failed."""
    customer = RelayCustomer(url, http)
    try:
        await customer.connect()
        await customer.send(ASK_FOR_PERSON)
        async with asyncio.timeout(SETUP_WAIT_S):
            while (await customer.next("handoff_status", SETUP_WAIT_S)).get("state") != "queued":
                pass
        claimed = await agent.call("claim", {"conversation_id": customer.conversation_id})
    except (TimeoutError, socketio.exceptions.SocketIOError) as error:
        errors[f"setup:{type(error).__name__}"] += 1
        await customer.close()
        return None
    if not claimed.get("ok"):
        errors[f"setup_claim:{claimed.get('error')}"] += 1
        await customer.close()
        return None
    return Pair(customer, agent, customer.conversation_id)


async def measure(pairs: list[Pair], phase: Phase, drain_s: float) -> None:
    """Send on schedule for the phase's duration, then wait up to ``drain_s`` for what is still on its way."""
    for pair in pairs:
        pair.customer.phase = pair.agent.phase = phase
    sending: set[asyncio.Task[None]] = set()
    phase.started = time.perf_counter()
    sent = 0
    while (now := time.perf_counter()) < phase.ends:
        due = int((now - phase.started) * phase.rate)
        for k in range(sent, due):
            pair = pairs[(k // 2) % len(pairs)]
            scheduled, number = phase.started + k / phase.rate, next(NUMBERS)
            if k % 2 == 0:
                task = asyncio.create_task(pair.customer.say(phase, number, scheduled))
            else:
                task = asyncio.create_task(pair.agent.reply(phase, pair.conversation_id, number, scheduled))
            sending.add(task)
            task.add_done_callback(sending.discard)
        sent = max(sent, due)
        await asyncio.sleep(min(0.002, max(0.0, phase.started + (sent + 1) / phase.rate - time.perf_counter())))
    deadline = time.perf_counter() + drain_s
    if sending:
        await asyncio.wait(set(sending), timeout=drain_s)
    phase.done_sending = True
    if phase.pending:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(phase.all_arrived.wait(), max(0.0, deadline - time.perf_counter()))
    await asyncio.gather(*sending)  # each counts its own failure; an agent's call ends within CALL_TIMEOUT_S
    phase.finished = time.perf_counter()
    # Never arrived (a customer's refused message too: its error_message does not say which it was).
    phase.errors["missing"] += len(phase.pending)
    phase.pending.clear()
    phase.errors = +phase.errors  # drop zero counts
    for pair in pairs:
        pair.customer.phase = pair.agent.phase = None


async def redis_calls(redis: Redis) -> Counter[str]:
    """Commands Redis has run so far, by name (from every client: the gateway, Rasa's stores, this benchmark)."""
    stats = await redis.info("commandstats")
    return Counter({name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()})


async def measure_rate(stack: Stack, redis: Redis, pairs: list[Pair], phase: Phase, drain_s: float) -> Phase:
    """One measured phase, and its JSON line with what it cost the stack."""
    gateway_log = stack.settings.var_dir / "logs" / "gateway.log"
    before, skipped, calls = stack_cpu(stack), log_count(gateway_log, "suggestions skipped"), await redis_calls(redis)
    await measure(pairs, phase, drain_s)
    after = stack_cpu(stack)  # after the drain: the CPU the phase's messages cost
    calls = await redis_calls(redis) - calls
    line = phase.line()
    relayed = max(1, line["relayed"])
    line["cpu_s"] = {name: round(after[name] - before.get(name, 0.0), 1) for name in after}
    # 1.0: one core busy all the time, from the first send to the end of the drain.
    line["gateway_cpu_share"] = round(line["cpu_s"]["gateway"] / (phase.finished - phase.started), 2)
    line["gateway_cpu_ms_per_relayed"] = round((after["gateway"] - before["gateway"]) * 1000 / relayed, 2)
    line["redis_commands_per_relayed"] = round(calls.total() / relayed, 1)
    line["redis_top_commands_per_relayed"] = {name: round(n / relayed, 2) for name, n in calls.most_common(10)}
    gateway = stack.children["gateway"].process
    line["gateway_rss_mb"] = rss_mb(gateway.pid if gateway else None)
    line["suggestions_skipped"] = log_count(gateway_log, "suggestions skipped") - skipped
    line["conversations"] = len(pairs)
    print(json.dumps(line), flush=True)
    return phase


async def set_up(stack: Stack, http: aiohttp.ClientSession, args: argparse.Namespace) -> list[Pair]:
    """Agents signed in, and every conversation handed off to one of them; prints the set-up's line."""
    url = f"http://127.0.0.1:{stack.settings.gateway_port}"
    started = time.perf_counter()
    agents = await sign_in_agents(stack, url, args.agents, args.conversations)
    errors: Counter[str] = Counter()
    pairs: list[Pair] = []
    for first in range(0, args.conversations, SETUP_BATCH):
        batch = range(first, min(first + SETUP_BATCH, args.conversations))
        made = await asyncio.gather(*(hand_off(url, http, agents[i % len(agents)], errors) for i in batch))
        pairs += [pair for pair in made if pair is not None]
    await asyncio.sleep(2.0)  # the claims' suggestions and summaries settle
    print(json.dumps({"setup": {
        "conversations": args.conversations, "claimed": len(pairs), "agents": len(agents),
        "capacity_each": math.ceil(args.conversations / args.agents), "errors": dict(errors),
        "setup_s": round(time.perf_counter() - started, 1), "gateway_processes": 1,
        "rasa_workers": stack.settings.rasa_worker_count,
        "lifted_for_the_benchmark": ["SESSION_MESSAGES_PER_MINUTE", "AGENT_EVENTS_PER_MINUTE",
                                     "ADDRESS_MESSAGES_PER_MINUTE", "ADDRESS_EVENTS_PER_MINUTE",
                                     "CONNECTIONS_PER_MINUTE", "SESSIONS_PER_MINUTE"],
    }}), flush=True)  # fmt: skip
    if not pairs:
        raise RuntimeError("no conversation reached an agent; see the gateway's and Rasa's logs")
    return pairs


async def run(args: argparse.Namespace) -> None:
    rates = [float(rate) for rate in args.rates.split(",")] if args.rates else [args.rate]
    phases: list[Phase] = []
    pairs: list[Pair] = []
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        settings = bench_settings(var_dir, agent_events_per_minute=LIFTED, rasa_workers=args.rasa_workers)
        stack = Stack(settings, log_dir=var_dir / "logs")
        await stack.start()
        redis = connect_redis(settings.redis_url)
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                pairs = await set_up(stack, http, args)
                if args.warmup_s > 0:
                    await measure(pairs, Phase(min(rates), args.warmup_s), args.drain_s)
                for rate in rates:
                    await asyncio.sleep(1.0)
                    phases.append(await measure_rate(stack, redis, pairs, Phase(rate, args.duration_s), args.drain_s))
                agents = {id(pair.agent): pair.agent for pair in pairs}.values()
                await asyncio.gather(*(pair.customer.close() for pair in pairs), return_exceptions=True)
                await asyncio.gather(*(agent.close() for agent in agents), return_exceptions=True)
        finally:
            await redis.aclose()
            await stack.stop()
    print_table(phases, len(pairs))


def print_table(phases: list[Phase], conversations: int) -> None:
    print(f"\n{conversations} human conversations on one gateway process, open loop")
    print("| target msg/s | sent/s | relayed/s | errors | p50 ms | p95 ms | p99 ms | c->a p99 | a->c p99 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for phase in phases:
        line = phase.line()
        latency, errors = line["latency_ms"], sum(line["errors"].values())
        print(
            f"| {phase.rate:g} | {line['sent_per_s']} | {line['relayed_per_s']} | {errors} | {latency['all']['p50']} | "
            f"{latency['all']['p95']} | {latency['all']['p99']} | {latency[C2A]['p99']} | {latency[A2C]['p99']} |"
        )
    met = [p.rate for p in phases if p.line()["latency_ms"]["all"]["p99"] < GOAL_P99_MS and not p.line()["errors"]]
    print(f"goal: p99 < {GOAL_P99_MS:g} ms at >= {GOAL_PER_S:g} relayed msg/s per gateway process; "
          f"target rates that kept p99 under it without errors: {met or 'none'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--rate", type=float, default=GOAL_PER_S, help="relayed messages a second, both ways together")
    parser.add_argument("--rates", default="", help="comma-separated rates to run in turn, e.g. 500,1000,1500,2000")
    parser.add_argument("--duration-s", type=float, default=30.0)
    parser.add_argument("--warmup-s", type=float, default=3.0, help="unreported phase at the lowest rate first")
    parser.add_argument(
        "--rasa-workers", type=int, default=0, help="RASA_WORKERS (0: the product's default, one a core)"
    )
    parser.add_argument("--drain-s", type=float, default=5.0, help="wait after a phase for messages on their way")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
