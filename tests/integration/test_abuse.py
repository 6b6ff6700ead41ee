"""Abuse is refused with a clear answer, and costs the other customers nothing.

Each test runs a gateway of its own on a Redis of its own, with small limits:
rate counters are per address, and every test client is 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import socketio
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.gateway.sessions import conversation_id_of
from bot.staff import login_guard
from bot.staff.accounts import AgentDirectory
from bot.supervisor.stack import Stack
from tests.helpers import CustomerClient, GatewayProcess, RedisServer


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def own_redis_client(own_redis: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(own_redis.url)
    yield client
    await client.aclose()


def gateway(stack: Stack, redis: RedisServer, **limits: str) -> GatewayProcess:
    process = GatewayProcess.beside(stack.settings, redis.url, **limits)
    process.start()
    return process


async def test_one_socket_asking_for_many_sessions_is_refused_and_they_expire_soon(
    stack: Stack, own_redis: RedisServer, own_redis_client: Redis
) -> None:
    limited = gateway(stack, own_redis, SESSIONS_PER_MINUTE="5", NEW_SESSION_TTL_S="120")
    client = CustomerClient(limited.url)
    try:
        await client.sio.connect(limited.url, transports=["websocket"])
        for _ in range(30):
            await client.sio.emit("session_request", {"language": "hy"})
        issued = [await client.next("session_confirm") for _ in range(5)]
        error = await client.next("error_message")
        assert error["code"] == "rate_limited" and error["message"]
        await asyncio.sleep(0.5)
        assert client.queues["session_confirm"].empty(), "no sixth session"
        conversations = [key async for key in own_redis_client.scan_iter(match=keys.conversation_key("*"))]
        assert len(conversations) == 5
        for session_id in issued:
            assert 0 < await own_redis_client.ttl(keys.conversation_key(conversation_id_of(session_id))) <= 120
    finally:
        await client.close()
        limited.stop()


async def test_too_many_connections_from_one_address_are_refused(stack: Stack, own_redis: RedisServer) -> None:
    limited = gateway(stack, own_redis, CONNECTIONS_PER_MINUTE="3")
    clients = [socketio.AsyncClient(reconnection=False) for _ in range(4)]
    try:
        for client in clients[:3]:
            await client.connect(limited.url, transports=["websocket"])
        with pytest.raises(socketio.exceptions.ConnectionError):
            await clients[3].connect(limited.url, transports=["websocket"])
    finally:
        for client in clients:
            await client.disconnect()
        limited.stop()


async def test_every_other_event_shares_one_budget_per_address(stack: Stack, own_redis: RedisServer) -> None:
    limited = gateway(stack, own_redis, ADDRESS_EVENTS_PER_MINUTE="5")
    client = CustomerClient(limited.url)
    try:
        await client.connect()
        answers = [await client.sio.call("rating", {"score": 9}, timeout=10) for _ in range(7)]
        assert answers[:5] == [{"ok": False}] * 5, "within the budget: checked and refused as a bad rating"
        assert answers[5:] == [{"ok": False, "error": "rate_limited"}] * 2
        for _ in range(50):
            await client.sio.emit("typing", {"on": True})
        await client.send("hello")  # messages have their own budget
        assert (await client.next("message_ack"))["seq"] == 1
    finally:
        await client.close()
        limited.stop()


async def test_a_burst_of_wrong_logins_hashes_only_what_the_limits_allow(
    stack: Stack, own_redis: RedisServer, own_redis_client: Redis
) -> None:
    await AgentDirectory(own_redis_client).add("anna", "correct horse", AgentRole.AGENT)
    server = gateway(stack, own_redis)
    login = f"{server.url}/api/agent/login"
    try:
        async with aiohttp.ClientSession() as http:

            async def attempt(username: str, password: str) -> int:
                async with http.post(login, json={"username": username, "password": password}) as response:
                    return response.status

            customer = CustomerClient(server.url)
            try:
                await customer.connect()
                burst = asyncio.gather(*(attempt("mallory", f"guess-{n}") for n in range(300)))
                await customer.send("thank you")  # while the burst is on
                assert (await customer.replies_until_quiet())[0]["text"], "the customer is answered"
                statuses = Counter(await burst)
            finally:
                await customer.close()
            assert statuses[401] <= login_guard.MAX_PER_ACCOUNT_AND_ADDRESS, statuses
            assert statuses[401] + statuses[429] + statuses[503] == 300, "refused, never failed"
            assert await attempt("anna", "correct horse") == 200, "a colleague at the same address still signs in"
    finally:
        server.stop()


async def test_near_redis_maxmemory_new_sessions_are_refused_and_running_ones_go_on(
    stack: Stack, own_redis: RedisServer, own_redis_client: Redis
) -> None:
    # New sessions stop at half of maxmemory here, so the running conversation has plenty of room left.
    server = gateway(stack, own_redis, NEW_SESSION_MEMORY_SHARE="0.5")
    running, newcomer = CustomerClient(server.url), CustomerClient(server.url)
    try:
        session_id = await running.connect()
        used = int((await own_redis_client.info("memory"))["used_memory"])
        await own_redis_client.config_set("maxmemory-policy", "noeviction")
        await own_redis_client.config_set("maxmemory", int(used * 1.5))
        await asyncio.sleep(1.2)  # the gateway's reading is cached for a second
        await newcomer.sio.connect(server.url, transports=["websocket"])
        await newcomer.sio.emit("session_request", {"language": "ms"})
        error = await newcomer.next("error_message")
        assert error["code"] == "service_busy" and "sibuk" in error["message"]
        await newcomer.sio.emit("user_uttered", {"message": "helo", "metadata": {"language": "ms"}})
        assert (await newcomer.next("error_message"))["code"] == "service_busy", "no session through the back door"
        assert newcomer.queues["session_confirm"].empty()
        await running.send("thank you")
        assert (await running.next("message_ack"))["seq"] == 1, "the conversation in progress goes on"
        again = CustomerClient(server.url)
        try:
            assert await again.connect(session_id) == session_id, "and can be resumed"
        finally:
            await again.close()
    finally:
        await own_redis_client.config_set("maxmemory", 0)
        await running.close()
        await newcomer.close()
        server.stop()
