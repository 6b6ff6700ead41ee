"""Human handoff end to end over real sockets: customer, queue in Redis, agent console."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
import socketio
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.staff.accounts import AgentDirectory
from bot.supervisor.stack import Stack
from tests.helpers import AgentClient, CustomerClient, GatewayProcess

MakeAgent = Callable[..., Awaitable[AgentClient]]


async def ask_for_person(customer: CustomerClient) -> str:
    await customer.send("I want to talk to a person")
    await customer.replies_until_quiet()
    return customer.conversation_id


async def test_full_handoff_conversation(customer: CustomerClient, make_agent: MakeAgent, stack_redis: Redis) -> None:
    anna = await make_agent("anna", display_name="Anna")
    started = time.monotonic()
    conversation_id = await ask_for_person(customer)
    queue = await anna.wait_for_queue_with(conversation_id)
    assert time.monotonic() - started < 5
    item = next(i for i in queue["waiting"] if i["conversation_id"] == conversation_id)
    assert item["reason"] == "customer_request" and item["language"] == "en"
    status = await customer.next("handoff_status")
    # Usually first; a chat of an earlier test's agent may come back to the front late on a busy machine.
    assert status["state"] == "queued" and 1 <= status["position"] <= len(queue["waiting"])
    assert status["estimated_wait_s"] > 0

    await customer.send("my order is 4711, it never came")
    while (await customer.next("message_ack"))["seq"] != 3:  # stored before the agent opens the conversation
        pass
    opened = await anna.call("open", {"conversation_id": conversation_id})
    senders = [e["sender"] for e in opened["transcript"]]
    assert senders == ["customer", "bot", "customer"]  # the assistant's turn and what was written while waiting
    assert opened["context"]["intents"][0]["name"] == "request_human"

    claimed = await anna.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"] and claimed["conversation"]["agent"] == "anna"
    assigned = await customer.next("handoff_status")
    while assigned["state"] != "assigned":
        assigned = await customer.next("handoff_status")
    assert assigned["agent"] == "Anna"

    reply = await anna.call("reply", {"conversation_id": conversation_id, "text": "Hi, I'm looking at order 4711 now"})
    assert reply["ok"]
    message = await customer.next("bot_uttered")
    assert message["text"] == "Hi, I'm looking at order 4711 now"
    assert message["metadata"]["sender"] == "agent" and message["metadata"]["agent_name"] == "Anna"

    await customer.sio.emit("typing", {"on": True})
    assert (await anna.next("customer_typing")) == {"conversation_id": conversation_id, "on": True}
    await customer.send("thank you!")
    assert (await anna.next_message(conversation_id, "customer"))["text"] == "thank you!"

    note = await anna.call("note", {"conversation_id": conversation_id, "text": "courier lost it; refund issued"})
    assert note["ok"]
    canned = await anna.call("canned", {"language": "fa"})
    assert canned["ok"] and "Anna" in canned["answers"][0]["text"]

    assert (await anna.call("resolve", {"conversation_id": conversation_id}))["ok"]
    resolved = await customer.next("handoff_status")
    while resolved["state"] != "resolved":
        resolved = await customer.next("handoff_status")
    ack = await customer.sio.call("rating", {"score": 5, "comment": "very quick"}, timeout=10)
    assert ack == {"ok": True}
    assert await customer.sio.call("rating", {"score": 1}, timeout=10) == {"ok": False}  # only once

    episodes = [json.loads(e) for e in await stack_redis.lrange(keys.episodes_key(conversation_id), 0, -1)]
    assert episodes[-1]["rating"]["score"] == 5 and episodes[-1]["agent"] == "anna"
    # The note never reached the customer, live or in a replay.
    assert all("refund issued" not in (m.get("text") or "") for m in _drain(customer.queues["bot_uttered"]))
    again = CustomerClient(customer.url)
    await again.connect(customer.session_id)
    history = await again.next("history")
    await again.close()
    assert [m["sender"] for m in history["messages"]].count("agent") == 1
    assert all(m["sender"] in ("customer", "bot", "agent") for m in history["messages"])
    # Back with the assistant.
    await customer.send("where is my parcel")
    assert (await customer.replies_until_quiet())[0]["metadata"]["sender"] == "bot"


def _drain(queue: asyncio.Queue[dict[str, str]]) -> list[dict[str, str]]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def test_two_agents_claiming_at_once(customer: CustomerClient, make_agent: MakeAgent) -> None:
    anna, bob = await make_agent("anna2"), await make_agent("bob2")
    conversation_id = await ask_for_person(customer)
    await anna.wait_for_queue_with(conversation_id)
    results = await asyncio.gather(
        anna.call("claim", {"conversation_id": conversation_id}),
        bob.call("claim", {"conversation_id": conversation_id}),
    )
    assert sorted(r["ok"] for r in results) == [False, True]
    loser = next(r for r in results if not r["ok"])
    assert loser["error"] == "already_claimed"


async def test_agent_disconnecting_requeues_at_the_front_and_loses_nothing(
    gateway_url: str, customer: CustomerClient, make_agent: MakeAgent
) -> None:
    carol = await make_agent("carol")
    conversation_id = await ask_for_person(customer)
    await carol.wait_for_queue_with(conversation_id)
    assert (await carol.call("claim", {}))["ok"]
    await carol.close()
    await customer.send("hello? are you still there?")
    dave = await make_agent("dave")
    update = await dave.wait_for_queue_with(conversation_id, wait_s=10)
    assert update["waiting"][0]["conversation_id"] == conversation_id
    opened = await dave.call("open", {"conversation_id": conversation_id})
    texts = [e["text"] for e in opened["transcript"]]
    assert "hello? are you still there?" in texts
    assert any("carol disconnected" in t for t in texts)
    assert (await dave.call("claim", {"conversation_id": conversation_id}))["ok"]


async def test_agent_cannot_touch_someone_elses_conversation(customer: CustomerClient, make_agent: MakeAgent) -> None:
    erin, frank = await make_agent("erin"), await make_agent("frank")
    conversation_id = await ask_for_person(customer)
    await erin.wait_for_queue_with(conversation_id)
    await erin.call("claim", {"conversation_id": conversation_id})
    refused = await frank.call("reply", {"conversation_id": conversation_id, "text": "hi"})
    assert refused == {"ok": False, "error": "not_yours", "message": "this conversation is not assigned to you"}
    assert (await frank.call("open", {"conversation_id": conversation_id}))["error"] == "not_yours"
    boss = await make_agent("grace", role=AgentRole.SUPERVISOR)
    assert (await boss.call("open", {"conversation_id": conversation_id}))["ok"]


async def test_unauthenticated_or_forged_agent_sockets_are_refused(gateway_url: str, make_agent: MakeAgent) -> None:
    for auth in ({}, {"token": "forged-token-forged-token-forged"}, {"token": 5}):
        client = socketio.AsyncClient(reconnection=False)
        reasons: list[object] = []

        async def record(data: object, reasons: list[object] = reasons) -> None:
            reasons.append(data)

        client.on("connect_error", record, namespace="/agent")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(gateway_url, namespaces=["/agent"], transports=["websocket"], auth=auth)
        assert reasons == [{"message": "unauthorized"}]
        await client.disconnect()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{gateway_url}/api/agent/me") as response:
            assert response.status == 401
        async with http.get(f"{gateway_url}/api/agent/me", headers={"Authorization": "Bearer forged"}) as response:
            assert response.status == 401
        async with http.post(
            f"{gateway_url}/api/agent/login", json={"username": "anna", "password": "nope"}
        ) as response:
            assert response.status == 401
        async with http.post(f"{gateway_url}/api/agent/login", data="not json") as response:
            assert response.status == 400


async def test_customer_and_agent_on_different_gateway_processes(stack: Stack, make_agent: MakeAgent) -> None:
    second = GatewayProcess.beside(stack.settings)
    second.start()
    customer = CustomerClient(second.url)
    try:
        agent = await make_agent("heidi", display_name="Heidi")  # on the first gateway
        await customer.connect()
        conversation_id = await ask_for_person(customer)
        await agent.wait_for_queue_with(conversation_id)
        assert (await agent.call("claim", {"conversation_id": conversation_id}))["ok"]
        await agent.call("reply", {"conversation_id": conversation_id, "text": "Hello from gateway one"})
        message = await customer.next("bot_uttered")
        assert message["text"] == "Hello from gateway one"
        await customer.send("hello from gateway two")
        assert (await agent.next_message(conversation_id, "customer"))["text"] == "hello from gateway two"
    finally:
        await customer.close()
        second.stop()


async def test_nobody_online_lets_the_customer_leave_a_message(
    customer: CustomerClient, make_agent: MakeAgent, gateway_url: str
) -> None:
    await ask_for_person(customer)
    status = await customer.next("handoff_status")
    assert status["state"] == "queued" and status["team_available"] is False and status["agents_online"] == 0
    refused = await customer.sio.call("offline_ticket", {"email": "not-an-email", "message": "hi"}, timeout=10)
    assert refused == {"ok": False}
    left = await customer.sio.call(
        "offline_ticket", {"email": "sara@example.com", "message": "پیامم را بعداً جواب دهید"}, timeout=10
    )
    assert left == {"ok": True}
    agent = await make_agent("ivan")
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{gateway_url}/api/agent/tickets", headers={"Authorization": f"Bearer {agent.token}"}) as response,
    ):
        tickets = (await response.json())["tickets"]
    assert tickets[0]["email"] == "sara@example.com"
    assert tickets[0]["conversation_id"] == customer.conversation_id
    async with aiohttp.ClientSession() as http, http.get(f"{gateway_url}/api/agent/tickets") as response:
        assert response.status == 401


async def test_supervisor_reassigns_and_agents_cannot(customer: CustomerClient, make_agent: MakeAgent) -> None:
    judy, ken = await make_agent("judy"), await make_agent("ken", display_name="Ken")
    boss = await make_agent("lena", role=AgentRole.SUPERVISOR)
    conversation_id = await ask_for_person(customer)
    await judy.wait_for_queue_with(conversation_id)
    await judy.call("claim", {"conversation_id": conversation_id})
    refused = await judy.call("reassign", {"conversation_id": conversation_id, "to": "ken"})
    assert refused["error"] == "forbidden"
    moved = await boss.call("reassign", {"conversation_id": conversation_id, "to": "ken"})
    assert moved["ok"] and moved["conversation"]["agent"] == "ken"
    status = await customer.next("handoff_status")
    while status.get("agent") != "Ken":
        status = await customer.next("handoff_status")
    assert (await ken.call("reply", {"conversation_id": conversation_id, "text": "Ken here"}))["ok"]
    assert (await judy.call("reply", {"conversation_id": conversation_id, "text": "me?"}))["error"] == "not_yours"
    async with aiohttp.ClientSession() as http:
        roster_url = f"{customer.url}/api/agent/agents"
        async with http.get(roster_url, headers={"Authorization": f"Bearer {boss.token}"}) as response:
            roster = {a["username"]: a for a in (await response.json())["agents"]}
        assert roster["ken"]["status"] == "online" and roster["ken"]["display_name"] == "Ken"
        async with http.get(roster_url, headers={"Authorization": f"Bearer {judy.token}"}) as response:
            assert response.status == 403


async def test_a_revoked_account_loses_its_open_consoles(
    make_agent: Callable[..., Awaitable[AgentClient]], stack_redis: Redis
) -> None:
    busy = await make_agent("revoked_busy")
    idle = await make_agent("revoked_idle")
    ended = {"busy": asyncio.Event(), "idle": asyncio.Event()}
    for name, client in (("busy", busy), ("idle", idle)):
        client.sio.on("disconnect", lambda *_, name=name: ended[name].set(), namespace="/agent")
    assert (await busy.call("set_status", {"status": "online"}))["ok"]
    agents = AgentDirectory(stack_redis)
    await agents.set_disabled("revoked_busy", True)
    refused = await busy.call("set_status", {"status": "online"})
    assert refused["ok"] is False and refused["error"] == "unauthorized"
    await agents.set_password("revoked_idle", "a brand new password")
    # Neither console sends anything now: the gateway's re-check (every AGENT_HEARTBEAT_S) ends both.
    await asyncio.wait_for(asyncio.gather(ended["busy"].wait(), ended["idle"].wait()), 15)
    with pytest.raises(PermissionError):
        await AgentClient(busy.url).login("revoked_busy", "a long test password")


async def test_an_agents_chats_are_requeued_when_their_gateway_is_killed(
    stack: Stack, customer: CustomerClient, agent_account: Callable[..., Awaitable[str]], stack_redis: Redis
) -> None:
    await agent_account("kira", "Kira")
    second = GatewayProcess.beside(stack.settings)
    second.start()
    kira = AgentClient(second.url)
    try:
        await kira.login("kira", "a long test password")
        await kira.connect()
        conversation_id = await ask_for_person(customer)
        await kira.wait_for_queue_with(conversation_id)
        assert (await kira.call("claim", {"conversation_id": conversation_id}))["ok"]
        assert (await customer.next("handoff_status"))["state"] == "queued"
        while (await customer.next("handoff_status"))["state"] != "assigned":
            pass
        assert second.process is not None
        second.process.kill()  # SIGKILL: no disconnect is ever seen
        second.process.wait(10)
        # The first gateway's heartbeat finds kira's socket run out (3 heartbeats), then the grace period.
        status = await customer.next("handoff_status", wait_s=30)
        assert status["state"] == "queued" and status["position"] == 1
        transcript = [json.loads(raw) for raw in await stack_redis.lrange(keys.transcript_key(conversation_id), 0, -1)]
        assert "kira disconnected" in transcript[-1]["text"]
        assert not await stack_redis.sismember(keys.online_agents_key(), "kira")
    finally:
        await kira.sio.disconnect()
        second.stop()
        await stack_redis.delete(keys.handoff_queue_key())
