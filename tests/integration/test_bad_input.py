"""Bad input gets a clear answer and loses nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest
import socketio
from redis.asyncio import Redis

from bot.core import keys
from bot.gateway.sessions import issue_session_id
from bot.supervisor.stack import Stack
from tests.helpers import CustomerClient, GatewayProcess, RedisServer


async def transcript_length(redis: Redis, session_id: str | None) -> int:
    return int(await redis.llen(keys.transcript_key(str(session_id))))


async def test_oversized_message_is_refused_in_language_and_not_stored(
    customer: CustomerClient, stack_redis: Redis
) -> None:
    await customer.send("ا" * 2001, customData={"language": "fa"})
    error = await customer.next("error_message")
    assert error["code"] == "message_too_long"
    assert "2000" in error["message"] and "پیام" in error["message"]
    assert await transcript_length(stack_redis, customer.conversation_id) == 0


async def test_malformed_and_empty_messages_get_an_error(customer: CustomerClient) -> None:
    await customer.sio.emit("user_uttered", "not an object")
    assert (await customer.next("error_message"))["code"] == "malformed"
    await customer.sio.emit("user_uttered", {"message": ["a", "list"]})
    assert (await customer.next("error_message"))["code"] == "malformed"
    await customer.send("   ")
    assert (await customer.next("error_message"))["code"] == "message_empty"


async def test_forged_session_id_gets_a_new_session_never_another_customers(
    gateway_url: str, customer: CustomerClient
) -> None:
    await customer.send("my secret order 999")
    await customer.replies_until_quiet()
    token, _, signature = customer.conversation_id.partition(".")
    attempts = ["made-up", token, f"{token}.AAAA{signature[4:]}", issue_session_id("not-our-secret")]
    for forged in attempts:
        intruder = CustomerClient(gateway_url)
        try:
            issued = await intruder.connect(forged)
            assert issued not in (forged, customer.session_id)
            assert intruder.queues["history"].empty()
        finally:
            await intruder.close()


async def test_resumed_session_replays_its_history(gateway_url: str, customer: CustomerClient) -> None:
    await customer.send("hello")
    await customer.replies_until_quiet()
    again = CustomerClient(gateway_url)
    try:
        assert await again.connect(customer.session_id) == customer.session_id
        history = await again.next("history")
        assert [m["sender"] for m in history["messages"]] == ["customer", "bot"]
        assert history["messages"][0]["text"] == "hello"
    finally:
        await again.close()


async def test_resent_message_is_stored_and_answered_once(customer: CustomerClient, stack_redis: Redis) -> None:
    for _ in range(3):
        await customer.send("thank you", client_message_id="msg-1")
    acks = [await customer.next("message_ack") for _ in range(3)]
    assert [a["duplicate"] for a in acks] == [False, True, True]
    replies = await customer.replies_until_quiet()
    assert len(replies) == 1
    assert await transcript_length(stack_redis, customer.conversation_id) == 2


async def test_old_widget_without_session_request_still_gets_a_session(gateway_url: str) -> None:
    client = CustomerClient(gateway_url)
    await client.sio.connect(gateway_url, transports=["websocket"])
    try:
        await client.sio.emit("user_uttered", {"message": "hi", "session_id": "whatever"})
        issued = await client.next("session_confirm")
        assert issued != "whatever"
        assert (await client.replies_until_quiet())[0]["text"]
    finally:
        await client.close()


async def test_health_and_readiness(gateway_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{gateway_url}/healthz") as response:
            assert response.status == 200
        async with http.get(f"{gateway_url}/readyz") as response:
            assert response.status == 200
            assert (await response.json())["checks"] == {"redis": True, "rasa": True, "actions": True}


async def test_quick_messages_keep_their_order(customer: CustomerClient, stack_redis: Redis) -> None:
    texts = ["hello", "where is my parcel", "thanks", "bye"]
    for text in texts:
        await customer.send(text)
    for _ in texts:
        await customer.next("message_ack")
    raw = await stack_redis.lrange(keys.transcript_key(customer.conversation_id), 0, -1)
    import json

    customer_texts = [json.loads(item)["text"] for item in raw if json.loads(item)["sender"] == "customer"]
    assert customer_texts == texts


async def test_floods_are_refused_per_session_and_per_address(stack: Stack, tmp_path: Path) -> None:
    # A Redis of its own: the counters of 127.0.0.1 are shared by every gateway on one Redis.
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    gateway = GatewayProcess.beside(
        stack.settings, redis_server.url, SESSION_MESSAGES_PER_MINUTE="3", ADDRESS_MESSAGES_PER_MINUTE="5"
    )
    gateway.start()
    first, second = CustomerClient(gateway.url), CustomerClient(gateway.url)
    try:
        await first.connect()
        for i in range(4):
            await first.send(f"thanks {i}", customData={"language": "fa"})
        error = await first.next("error_message")
        assert error["code"] == "rate_limited" and "لطفاً" in error["message"]
        assert [(await first.next("message_ack"))["seq"] for _ in range(3)] == [1, 3, 5]
        await second.connect()
        for i in range(3):
            await second.send(f"hello {i}")
        # The address allows 5 in the minute: first used 4, so second gets one in.
        assert (await second.next("message_ack"))["seq"] == 1
        assert (await second.next("error_message"))["code"] == "rate_limited"
    finally:
        await first.close()
        await second.close()
        gateway.stop()
        redis_server.stop()


async def test_only_allowed_origins_may_embed_the_widget(stack: Stack) -> None:
    gateway = GatewayProcess.beside(stack.settings, ALLOWED_ORIGINS="https://shop.example, https://www.shop.example")
    gateway.start()
    try:
        allowed = socketio.AsyncClient(reconnection=False)
        await allowed.connect(gateway.url, transports=["websocket"], headers={"Origin": "https://www.shop.example"})
        await allowed.disconnect()
        refused = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await refused.connect(gateway.url, transports=["websocket"], headers={"Origin": "https://evil.example"})
        await refused.disconnect()
        async with aiohttp.ClientSession() as http:
            polling = f"{gateway.url}/socket.io/?EIO=4&transport=polling"
            async with http.get(polling, headers={"Origin": "https://evil.example"}) as response:
                assert response.status == 400
    finally:
        gateway.stop()


async def test_text_that_cannot_be_stored_as_is_is_cleaned_stored_and_answered(
    customer: CustomerClient, stack_redis: Redis
) -> None:
    await customer.send("\ud800 سلام \u202eabc\x00", client_message_id="surrogate-1")
    ack = await customer.next("message_ack")
    assert ack["duplicate"] is False and ack["seq"] == 1
    assert (await customer.replies_until_quiet())[0]["text"]
    await customer.send("\ud800 سلام \u202eabc\x00", client_message_id="surrogate-1")
    assert (await customer.next("message_ack"))["duplicate"] is True, "the resend is recognised"
    raw = await stack_redis.lindex(keys.transcript_key(customer.conversation_id), 0)
    assert raw is not None and json.loads(raw)["text"] == "\ufffd سلام abc"


async def test_binary_deep_and_unknown_payloads_get_an_answer_and_break_nothing(
    customer: CustomerClient, stack_redis: Redis
) -> None:
    await customer.sio.emit("user_uttered", b"\x00\xff\xfe binary")
    assert (await customer.next("error_message"))["code"] == "malformed"
    await customer.sio.emit("user_uttered", {"message": b"\xff\xfe"})
    assert (await customer.next("error_message"))["code"] == "malformed"
    deep: object = "end"
    for _ in range(200):  # as deep as python-socketio's own client will encode
        deep = [deep]
    await customer.sio.emit("user_uttered", {"message": "hello", "customData": {"language": "en", "x": deep}})
    assert (await customer.next("message_ack"))["seq"] == 1, "unused metadata, however deep, does not matter"
    await customer.replies_until_quiet()
    await customer.sio.emit("no_such_event", {"a": 1})
    first_session = customer.session_id
    await customer.sio.emit("session_request", ["not", "an", "object"])
    issued = await customer.next("session_confirm")
    assert issued != first_session, "anything but {session_id} asks for a new session"
    await customer.send("still here?")
    assert (await customer.next("message_ack"))["seq"] >= 1, "the socket still works"


class RawSocket:
    """Engine.io and socket.io frames written by hand, as an attacker would, over a websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, http: aiohttp.ClientSession, gateway_url: str) -> RawSocket:
        url = gateway_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        raw = cls(await http.ws_connect(url, max_msg_size=0))
        assert (await raw.frame()).startswith("0{"), "engine.io open"
        await raw.ws.send_str("40")
        assert (await raw.frame()).startswith("40{"), "socket.io connect"
        await raw.ws.send_str('42["session_request",{}]')
        assert (await raw.frame()).startswith('42["session_confirm"')
        return raw

    async def frame(self, timeout_s: float = 10.0) -> str:
        """The next text frame that is not an engine.io ping (answered) or the greeting
        every new session gets (``welcome``); "" when the socket closed."""
        while True:
            message = await self.ws.receive(timeout=timeout_s)
            if message.type is not aiohttp.WSMsgType.TEXT:
                return ""
            if message.data == "2":
                await self.ws.send_str("3")
                continue
            if str(message.data).startswith('42["welcome"'):
                continue
            return str(message.data)


async def test_pathological_raw_frames_on_both_transports_end_that_socket_and_nothing_else(
    gateway_url: str, stack: Stack, stack_redis: Redis
) -> None:
    limit = stack.settings.max_message_chars * 4 + 16 * 1024
    huge = '42["user_uttered",{"message":"' + "x" * (limit + 1) + '"}]'
    async with aiohttp.ClientSession() as http:
        # Websocket: a frame over the limit closes that socket.
        raw = await RawSocket.open(http, gateway_url)
        await raw.ws.send_str(huge)
        assert await raw.frame() == "", "the oversized frame ended the socket"

        # Frames that are not socket.io, or JSON nested past any parser's depth: no crash, no answer stored.
        for bad in ("42[", "4x{}", '42["user_uttered",' + "[" * 20_000 + "]" * 20_000 + "]", "9"):
            raw = await RawSocket.open(http, gateway_url)
            await raw.ws.send_str(bad)
            await raw.ws.send_str('42["user_uttered",{"message":"hello","client_message_id":"after-bad"}]')
            answer = await raw.frame()
            assert answer == "" or answer.startswith(('42["message_ack"', '42["error_message"')), answer
            await raw.ws.close()

        # Long-polling: a body over the limit is refused at once, before python-engineio
        # (which would hold the request open until the session timed out).
        base = f"{gateway_url}/socket.io/?EIO=4&transport=polling"
        async with http.get(base) as response:
            sid = json.loads((await response.text())[1:])["sid"]
        async with http.post(f"{base}&sid={sid}", data="40") as response:
            assert response.status == 200
        async with http.get(f"{base}&sid={sid}") as response:
            assert (await response.text()).startswith("40{")
        async with asyncio.timeout(5), http.post(f"{base}&sid={sid}", data=huge) as response:
            assert response.status == 413
            assert (await response.json())["error"] == "too_large"
        async with http.post(f"{base}&sid={sid}", data='42["session_request",{}]') as response:
            assert response.status == 200, "the polling session goes on"
        async with http.get(f"{base}&sid={sid}") as response:
            assert '42["session_confirm"' in await response.text()

        # Everyone else carries on.
        async with http.get(f"{gateway_url}/healthz") as response:
            assert response.status == 200
    customer = CustomerClient(gateway_url)
    try:
        await customer.connect()
        await customer.send("hello again")
        assert (await customer.next("message_ack"))["seq"] == 1
        stored = [
            json.loads(item)["text"]
            for item in await stack_redis.lrange(keys.transcript_key(customer.conversation_id), 0, -1)
        ]
        assert "x" * 100 not in "".join(stored)
    finally:
        await customer.close()
