"""The open-loop scenario of bench_channels: conversations that keep their own clock.

Every conversation connects first (``RAMP_BATCH`` at a time, so connection setup is
not what is measured), then sends one message every ``interval`` seconds, the first
at a random offset within the interval (the same offsets for every channel), cycling
through the turns, whether or not the one before was answered: a late reply does
not delay the next message, as it would in a closed loop. Each message is timed from
the moment it was due to its first reply. One not answered within the timeout,
refused (``error_message``), answered with the gateway's apology (the assistant
failed), or lost with its connection is an error, and so is a conversation that
could not connect.

Which message a reply answers:

- our gateway handles one customer's events in the order sent (``async_handlers=False``)
  and acknowledges each message (``message_ack`` with its ``client_message_id``)
  before answering it, so a ``bot_uttered`` answers the message acknowledged last;
- Rasa's socketio channel acknowledges nothing, but answers one sender's messages in
  order (its lock store), one ``bot_uttered`` for each of the turns, so the k-th reply
  of a session answers its k-th message. Replies beyond one per message are counted
  (``extra_replies``): on either channel, a figure above 0 means that broke.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import random
import resource
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

from bot.core.customer_protocol import CustomerEvent
from bot.core.customer_text import customer_text
from bot.core.languages import SUPPORTED_LANGUAGES

__all__ = ["OpenLoopPlan", "OpenLoopResult", "open_loop", "print_open_table"]

#: Conversations connecting at once while ramping up.
RAMP_BATCH = 50
#: Between the last connection and the first message due.
SETTLE_S = 2.0
#: The offsets of the first messages: the same schedule for every channel and every run.
SCHEDULE_SEED = 12
#: The gateway's apology when the assistant failed: a reply, but not an answer.
APOLOGIES = frozenset(customer_text(language, "assistant_unavailable") for language in SUPPORTED_LANGUAGES)
#: Issue 12's goal at 1,000 conversations, one message every 5 s each.
GOAL_P99_MS = 300


class ErrorKind(enum.StrEnum):
    CONNECT_FAILED = "connect_failed"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    DISCONNECTED = "disconnected"
    ASSISTANT_UNAVAILABLE = "assistant_unavailable"


@dataclass
class Message:
    """One message of a conversation: when it was due, and what became of it."""

    client_message_id: str
    due: float
    sent: float | None = None
    acknowledged: bool = False
    replied: float | None = None
    error: str | None = None
    settled: asyncio.Event = field(default_factory=asyncio.Event)

    def answer(self, now: float, timeout_s: float) -> None:
        """Its first reply came at ``now``; past the timeout it is an error all the same."""
        if now - self.due > timeout_s:
            self.fail(ErrorKind.TIMEOUT)
        elif not self.settled.is_set():
            self.replied = now
            self.settled.set()

    def fail(self, kind: str) -> None:
        if not self.settled.is_set():
            self.error = kind
            self.settled.set()


class OpenConversation:
    """One socket.io customer sending on its own schedule; replies matched to messages as the module says."""

    def __init__(
        self, url: str, transports: list[str], rasa_channel: bool, http: aiohttp.ClientSession, timeout_s: float
    ) -> None:
        self.url, self.transports, self.rasa_channel, self.timeout_s = url, transports, rasa_channel, timeout_s
        self.sio = socketio.AsyncClient(reconnection=False, http_session=http, request_timeout=timeout_s)
        self.session_id = uuid.uuid4().hex
        self.confirmed: asyncio.Queue[Any] = asyncio.Queue()
        #: Every message due, in order; ``sent`` only those that left (what Rasa's replies count against).
        self.messages: list[Message] = []
        self.sent: list[Message] = []
        self.by_id: dict[str, Message] = {}
        self.replies = 0
        self.extra_replies = 0
        #: Gateway: the message acknowledged last, until its first reply.
        self.answering: Message | None = None
        self.lost = False
        self.closing = False
        self.sio.on(CustomerEvent.SESSION_CONFIRM, self.confirmed.put)
        self.sio.on(CustomerEvent.BOT_UTTERED, self._on_reply)
        self.sio.on(CustomerEvent.MESSAGE_ACK, self._on_ack)
        self.sio.on(CustomerEvent.ERROR, self._on_error)
        self.sio.on("disconnect", self._on_disconnect)

    async def connect(self) -> None:
        await self.sio.connect(self.url, transports=self.transports, wait_timeout=self.timeout_s)
        request: dict[str, Any] = {"session_id": self.session_id if self.rasa_channel else None}
        await self.sio.emit(CustomerEvent.SESSION_REQUEST, request)
        confirmed = await asyncio.wait_for(self.confirmed.get(), self.timeout_s)
        if not self.rasa_channel:
            self.session_id = confirmed

    async def send_on_schedule(
        self, start: float, offset_s: float, interval_s: float, duration_s: float, turns: Sequence[tuple[str, str]]
    ) -> None:
        """A message every ``interval_s`` from ``start + offset_s`` until ``duration_s``, never waiting for replies."""
        number = 0
        while (at := offset_s + number * interval_s) < duration_s:
            due = start + at
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            language, text = turns[number % len(turns)]
            await self._send(due, language, text)
            number += 1

    async def _send(self, due: float, language: str, text: str) -> None:
        message = Message(uuid.uuid4().hex, due)
        self.messages.append(message)
        self.by_id[message.client_message_id] = message
        if self.lost:
            message.fail(ErrorKind.DISCONNECTED)
            return
        payload = {
            "message": text,
            "session_id": self.session_id,
            "client_message_id": message.client_message_id,
            "customData": {"language": language},
        }
        self.sent.append(message)
        try:
            await self.sio.emit(CustomerEvent.USER_UTTERED, payload)
        except socketio.exceptions.SocketIOError:
            self.sent.remove(message)
            message.fail(ErrorKind.DISCONNECTED)
            return
        message.sent = time.perf_counter()

    async def _on_reply(self, data: Any = None) -> None:
        now = time.perf_counter()
        if self.rasa_channel:
            message = self.sent[self.replies] if self.replies < len(self.sent) else None
        else:
            message, self.answering = self.answering, None
        self.replies += 1
        if message is None:
            self.extra_replies += 1
        elif isinstance(data, dict) and data.get("text") in APOLOGIES:
            message.fail(ErrorKind.ASSISTANT_UNAVAILABLE)
        else:
            message.answer(now, self.timeout_s)

    async def _on_ack(self, data: Any = None) -> None:
        message = self.by_id.get(data.get("client_message_id", "")) if isinstance(data, dict) else None
        if message is not None:
            message.acknowledged = True
        self.answering = message

    async def _on_error(self, data: Any = None) -> None:
        """A refusal answers the oldest message not yet acknowledged, or a failure the one being answered."""
        code = data.get("code") if isinstance(data, dict) else None
        if self.answering is not None:
            message: Message | None = self.answering
            self.answering = None
        else:
            message = next((m for m in self.sent if not m.acknowledged and not m.settled.is_set()), None)
        if message is not None:
            message.fail(f"{ErrorKind.REFUSED}:{code}")

    async def _on_disconnect(self, *reason: Any) -> None:
        if not self.closing:
            self.lost = True
            for message in self.messages:
                message.fail(ErrorKind.DISCONNECTED)

    async def close(self) -> None:
        self.closing = True
        await self.sio.disconnect()


def percentile(values: list[float], share: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else None


def process_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def raise_open_files_limit(needed: int) -> None:
    """This process's soft limit on open files up to the hard one (a socket or two per conversation)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft != resource.RLIM_INFINITY and soft < needed:
        print(f"warning: {soft} open files allowed, about {needed} needed", flush=True)


@dataclass(frozen=True)
class OpenLoopPlan:
    conversations: int
    #: Between two messages of one conversation.
    interval_s: float
    #: How long the conversations send (replies still due are waited for, up to the timeout).
    duration_s: float


@dataclass
class OpenLoopResult:
    channel: str
    conversations: int
    interval_s: float
    duration_s: float
    #: Runs merged into this one (:func:`merge_open`).
    runs: int = 1
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    due: int = 0
    extra_replies: int = 0
    #: From the first message due to the last reply (at least the duration).
    window_s: float = 0.0
    connect_s: float = 0.0
    send_lags_ms: list[float] = field(default_factory=list)
    #: The load generator's own CPU time, and the wall time it was spent in (from the first message due).
    client_cpu_s: float = 0.0
    client_wall_s: float = 0.0
    rss_mb: dict[str, float] = field(default_factory=dict)

    def line(self) -> dict[str, Any]:
        def ms(share: float, values: list[float]) -> int | None:
            value = percentile(values, share)
            return None if value is None else round(value)

        window = self.window_s or float("inf")
        duration = self.duration_s * self.runs or float("inf")
        return {
            "scenario": "open",
            "channel": self.channel,
            "conversations": self.conversations,
            "interval_s": self.interval_s,
            "duration_s": self.duration_s,
            "messages": self.due,
            "replies": len(self.latencies_ms),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors.most_common()),
            "offered_msg_per_s": round(self.due / duration, 1),
            "msg_per_s": round(len(self.latencies_ms) / window, 1),
            "p50_ms": ms(0.5, self.latencies_ms),
            "p95_ms": ms(0.95, self.latencies_ms),
            "p99_ms": ms(0.99, self.latencies_ms),
            "max_ms": ms(1.0, self.latencies_ms),
            "extra_replies": self.extra_replies,
            "connect_s": round(self.connect_s, 1),
            "send_lag_p99_ms": ms(0.99, self.send_lags_ms),
            "load_generator_cpu_pct": round(100 * self.client_cpu_s / (self.client_wall_s or float("inf"))),
            "rss_mb": self.rss_mb,
        }


async def open_loop(
    channel: str,
    url: str,
    transports: list[str],
    rasa_channel: bool,
    plan: OpenLoopPlan,
    turns: Sequence[tuple[str, str]],
    timeout_s: float,
    rss: Callable[[], dict[str, float]],
) -> OpenLoopResult:
    """The scenario against one channel; ``rss`` is read with every conversation still open."""
    conversations, interval_s, duration_s = plan.conversations, plan.interval_s, plan.duration_s
    raise_open_files_limit(3 * conversations + 100)
    result = OpenLoopResult(channel, conversations, interval_s, duration_s)
    offsets = [random.Random(SCHEDULE_SEED + n).uniform(0, interval_s) for n in range(conversations)]
    # One session for every client, no limit on its connections, and no cookies shared
    # between customers. An engineio client closes its session when it is collected:
    # every client stays referenced (``talks``) until the session is closed.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as http:
        talks = [OpenConversation(url, transports, rasa_channel, http, timeout_s) for _ in range(conversations)]
        started = time.perf_counter()
        connected: list[tuple[OpenConversation, float]] = []
        for first in range(0, conversations, RAMP_BATCH):
            batch = talks[first : first + RAMP_BATCH]
            outcomes = await asyncio.gather(*(talk.connect() for talk in batch), return_exceptions=True)
            for n, (talk, outcome) in enumerate(zip(batch, outcomes, strict=True), start=first):
                if isinstance(outcome, BaseException):
                    result.errors[ErrorKind.CONNECT_FAILED] += 1
                else:
                    connected.append((talk, offsets[n]))
        result.connect_s = time.perf_counter() - started
        start = time.perf_counter() + SETTLE_S
        await asyncio.sleep(SETTLE_S)
        cpu_before = process_cpu_s()
        await asyncio.gather(
            *(talk.send_on_schedule(start, offset, interval_s, duration_s, turns) for talk, offset in connected)
        )
        messages = [message for talk, _ in connected for message in talk.messages]
        deadline = max((message.due for message in messages), default=start) + timeout_s
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, deadline - time.perf_counter())):
                await asyncio.gather(*(message.settled.wait() for message in messages))
        for message in messages:
            message.fail(ErrorKind.TIMEOUT)
        last_reply = max((m.replied for m in messages if m.replied is not None), default=start)
        result.window_s = max(duration_s, last_reply - start)
        result.client_cpu_s = process_cpu_s() - cpu_before
        result.client_wall_s = time.perf_counter() - start
        result.rss_mb = rss()
        await asyncio.gather(*(talk.close() for talk in talks), return_exceptions=True)
    result.due = len(messages)
    for message in messages:
        if message.replied is not None:
            result.latencies_ms.append((message.replied - message.due) * 1000)
        elif message.error is not None:
            result.errors[message.error] += 1
        if message.sent is not None:
            result.send_lags_ms.append((message.sent - message.due) * 1000)
    result.extra_replies = sum(talk.extra_replies for talk, _ in connected)
    return result


def merge_open(name: str, runs: list[OpenLoopResult]) -> OpenLoopResult:
    """A channel's runs as one: every message's time, every error, the windows added up."""
    first = runs[0]
    merged = OpenLoopResult(name, first.conversations, first.interval_s, first.duration_s, runs=len(runs))
    for result in runs:
        merged.latencies_ms += result.latencies_ms
        merged.errors += result.errors
        merged.due += result.due
        merged.extra_replies += result.extra_replies
        merged.window_s += result.window_s
        merged.connect_s = max(merged.connect_s, result.connect_s)
        merged.send_lags_ms += result.send_lags_ms
        merged.client_cpu_s += result.client_cpu_s
        merged.client_wall_s += result.client_wall_s
    merged.rss_mb = runs[-1].rss_mb
    return merged


def print_open_table(results: dict[str, list[OpenLoopResult]]) -> None:
    merged = {name: merge_open(name, runs) for name, runs in results.items() if runs}
    if not merged:
        return
    some = next(iter(merged.values()))
    print(
        f"\n{some.conversations} conversations, open loop, one message every {some.interval_s:g} s each "
        f"for {some.duration_s:g} s (the first at a random offset), {some.runs} run(s) per channel; "
        "each message timed from when it was due"
    )
    print("| channel | messages | replies | errors | msg/s | p50 ms | p95 ms | p99 ms | max ms | load generator CPU |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    lines = {name: result.line() for name, result in merged.items()}
    for line in lines.values():
        print(
            f"| {line['channel']} | {line['messages']} | {line['replies']} | {line['errors']} | {line['msg_per_s']} | "
            f"{line['p50_ms']} | {line['p95_ms']} | {line['p99_ms']} | {line['max_ms']} | "
            f"{line['load_generator_cpu_pct']}% |"
        )
    for line in lines.values():
        if line["errors"] or line["extra_replies"]:
            print(f"{line['channel']}: errors {line['error_kinds']}, extra replies {line['extra_replies']}")
    ours, theirs = lines.get("gateway"), lines.get("rasa-socketio")
    if ours and theirs and theirs["msg_per_s"] and ours["p50_ms"] is not None and theirs["p99_ms"]:
        print(
            f"gateway / Rasa socketio: throughput {ours['msg_per_s'] / theirs['msg_per_s']:.2f}x, "
            f"p50 {ours['p50_ms'] / max(theirs['p50_ms'], 1):.2f}x, p99 {ours['p99_ms'] / theirs['p99_ms']:.2f}x"
        )
    for line in lines.values():
        met = line["errors"] == 0 and line["p99_ms"] is not None and line["p99_ms"] < GOAL_P99_MS
        print(f"{line['channel']}: no errors and p99 under {GOAL_P99_MS} ms at this load: {'yes' if met else 'no'}")
