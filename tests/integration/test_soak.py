"""A soak: minutes of steady chat with reconnects and handoffs, abuse running beside it.

Afterwards nothing is lost or repeated (tests/ledger.py), and what the gateway
holds returns to where it was: its memory, its open connections, and Redis keys
(abandoned sessions expire; every transient key has an expiry).

``SOAK_SECONDS`` sets the length (default 120).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
import socketio
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.staff.accounts import AgentDirectory
from bot.supervisor.stack import Stack
from tests.conftest import AGENT_PASSWORD
from tests.helpers import AgentClient, GatewayProcess, RedisServer
from tests.ledger import ResendingCustomer, check, summary, transcript

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "120"))
CUSTOMERS = 10
NEW_SESSION_TTL_S = 15
QUESTIONS = [
    "how can I track my parcel",
    "what payment methods do you accept",
    "Ինչպե՞ս վերադարձնել ապրանքը",
    "چه روش‌های پرداختی دارید؟",
    "bila barang saya sampai?",
    "thanks",
]
#: Keys that live as long as the deployment (accounts, the queue, the inbox, analytics), not per client.
LASTING = (
    *("agent:", "agents", "agent-tokens:", "agent-presence:"),  # per account
    *("handoff:queue", "handoff:recent-waits", "handoff:offline-tickets", "nlu-inbox:items", "nlu-inbox:order"),
    *("analytics:", "trainer:job"),  # bounded lists, or one per day
)
pytestmark = [pytest.mark.soak, pytest.mark.timeout(SOAK_SECONDS + 180)]


@pytest.fixture
def soak_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def soak_gateway(stack: Stack, soak_redis: RedisServer) -> AsyncIterator[GatewayProcess]:
    redis = Redis.from_url(soak_redis.url)
    await AgentDirectory(redis).add("soak.agent", AGENT_PASSWORD, AgentRole.AGENT, "Sam")
    await redis.aclose()
    gateway = GatewayProcess.beside(
        stack.settings, soak_redis.url, NEW_SESSION_TTL_S=str(NEW_SESSION_TTL_S), AGENT_GRACE_S="2"
    )
    gateway.start()
    yield gateway
    gateway.stop()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def client_connections(pid: int, port: int) -> int:
    """Established TCP connections of process ``pid`` to its own ``port``: customers' and consoles' sockets
    (not its pools of connections to Redis and Rasa, which are kept for reuse and bounded by settings)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(FileNotFoundError):
            link = os.readlink(fd)
            if link.startswith("socket:["):
                inodes.add(link[len("socket:[") : -1])
    count = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
            if inode in inodes and local_port == port and state == "01":  # ESTABLISHED
                count += 1
    return count


async def census(redis: Redis) -> tuple[Counter[str], list[str]]:
    """Keys by kind (the part after ``support:``), and keys that never expire and are not lasting ones."""
    kinds: Counter[str] = Counter()
    unbounded = []
    async for raw in redis.scan_iter(match=f"{keys.PREFIX}:*", count=1000):
        key = raw.decode()
        name = key.removeprefix(f"{keys.PREFIX}:")
        kinds[name.split(":")[0]] += 1
        if not name.startswith(LASTING) and await redis.ttl(key) == -1:
            unbounded.append(key)
    return kinds, unbounded


async def customer_loop(customer: ResendingCustomer, until: float, wants_person: bool) -> None:
    await customer.connect()
    sent = 0
    while time.monotonic() < until:
        sent += 1
        text = "I want to talk to a person" if wants_person and sent == 3 else random.choice(QUESTIONS)
        await customer.deliver(text)
        if sent % 5 == 0:  # a reload, or a phone leaving the wifi
            await customer.sio.disconnect()  # type: ignore[union-attr]
            customer.reconnects += 1
            await customer.connect()
        await asyncio.sleep(random.uniform(0.8, 2.0))


async def agent_loop(agent: AgentClient, until: float) -> int:
    """Claim whatever waits, answer it, resolve it; how many chats."""
    handled = 0
    while time.monotonic() < until:
        answer = await agent.call("claim", {})
        if not answer.get("ok"):
            await asyncio.sleep(0.5)
            continue
        conversation_id = answer["conversation"]["conversation_id"]
        assert (await agent.call("reply", {"conversation_id": conversation_id, "text": "Sam here: on it"}))["ok"]
        await asyncio.sleep(2.0)
        assert (await agent.call("resolve", {"conversation_id": conversation_id}))["ok"]
        handled += 1
    return handled


async def abuse(url: str, until: float) -> Counter[str]:
    """Beside the customers: abandoned sessions, oversized and malformed messages, wrong logins, churn."""
    seen: Counter[str] = Counter()
    client = socketio.AsyncClient(reconnection=False)
    client.on("error_message", lambda data: seen.update([f"error:{data.get('code')}"]))
    client.on("session_confirm", lambda _: seen.update(["abandoned session"]))
    await client.connect(url, transports=["websocket"])
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < until:
            await client.emit("session_request", {})
            await client.emit("user_uttered", {"message": "x" * 2_001})  # over MAX_MESSAGE_CHARS
            await client.emit("user_uttered", b"\xff\xfe")
            login = {"username": "soak.agent", "password": "not the password"}
            async with http.post(f"{url}/api/agent/login", json=login) as response:
                seen[f"login:{response.status}"] += 1
            churn = socketio.AsyncClient(reconnection=False)
            await churn.connect(url, transports=["websocket"])
            await churn.disconnect()
            seen["churned connection"] += 1
            await asyncio.sleep(0.3)
    await client.disconnect()
    return seen


async def test_a_soak_with_reconnects_handoffs_and_abuse_leaves_nothing_behind(
    soak_gateway: GatewayProcess, soak_redis: RedisServer
) -> None:
    assert soak_gateway.process is not None
    pid, url = soak_gateway.process.pid, soak_gateway.url
    redis = Redis.from_url(soak_redis.url)
    port = int(url.rsplit(":", 1)[1])
    assert client_connections(pid, port) == 0
    baseline_kinds, _ = await census(redis)

    # A first round warms up the gateway's caches and pools; its memory after is the baseline.
    warm = [ResendingCustomer(url, f"warm{index}") for index in range(CUSTOMERS)]
    await asyncio.gather(*(customer_loop(customer, time.monotonic() + 10, False) for customer in warm))
    await asyncio.sleep(2)
    reports = []
    for customer in warm:
        await customer.catch_up()
        reports.append(check(customer, await transcript(redis, customer.conversation_id)))
        await customer.close()
    await asyncio.sleep(2)
    baseline_rss = rss_kib(pid)

    agent = AgentClient(url)
    await agent.login("soak.agent", AGENT_PASSWORD)
    await agent.connect()
    until = time.monotonic() + SOAK_SECONDS
    customers = [ResendingCustomer(url, f"soak{index}") for index in range(CUSTOMERS)]
    handled, abused, _ = await asyncio.gather(
        agent_loop(agent, until + 5),
        abuse(url, until),
        asyncio.gather(
            *(customer_loop(customer, until, wants_person=index % 4 == 0) for index, customer in enumerate(customers))
        ),
    )
    await asyncio.sleep(3)  # the last replies
    for customer in customers:
        await customer.catch_up()
        reports.append(check(customer, await transcript(redis, customer.conversation_id)))
    for customer in customers:
        await customer.close()
    await agent.close()
    print(f"soak {SOAK_SECONDS:.0f} s:", summary([*warm, *customers], reports), f"handoffs handled: {handled}")
    print("abuse:", dict(abused))

    # Nothing lost, nothing twice.
    assert all(report.clean for report in reports), [r for r in reports if not r.clean]
    assert handled >= 1, "handoffs ran"
    assert abused["error:message_too_long"] > 0 and abused["error:malformed"] > 0 and abused["login:429"] > 0

    # What the gateway holds returns: connections at once, memory within a bound.
    await asyncio.sleep(NEW_SESSION_TTL_S + 2)  # abandoned sessions expire
    sockets, rss = client_connections(pid, port), rss_kib(pid)
    kinds, unbounded = await census(redis)
    print(f"client connections left: {sockets}; RSS {baseline_rss} KiB -> {rss} KiB")
    print(f"keys {dict(baseline_kinds)} -> {dict(kinds)}")
    assert sockets == 0, "every customer's and console's connection was closed"
    assert rss - baseline_rss < 30 * 1024, "the gateway's memory grows with load, not with time"
    assert unbounded == [], "every key kept per client expires"
    chats = len(warm) + len(customers)
    assert kinds["conversation"] == chats, "abandoned sessions expired; chats with messages stay"
    assert kinds["transcript"] == chats and kinds["client-ids"] == chats
    await redis.aclose()
