"""Past one machine, on real engines: nginx (TLS, /support/) in front of two gateways, Redis under Sentinel.

The deployment (tests/deployment.py) runs the repository's own docs/deploy/nginx.conf.
Customers come from different loopback addresses (127.0.0.x), as different
customers would, so that nginx's sticky hash spreads them over both gateways.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.core.agent_protocol import AgentRole
from bot.core.conversations import ConversationStore, Sender
from bot.core.redis_connection import connect as connect_redis
from bot.gateway.sessions import conversation_id_of
from bot.staff.accounts import AgentDirectory
from tests.conftest import AGENT_PASSWORD
from tests.deployment import Deployment
from tests.helpers import AgentClient, CustomerClient

# The first test waits for the deployment to start (Redis, Sentinel, Rasa, two gateways, nginx).
pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(400)]

QUESTION = "how long does delivery take?"


@contextlib.asynccontextmanager
async def customer_via_nginx(
    deployment: Deployment, address: str, transports: tuple[str, ...] = ("polling", "websocket")
) -> AsyncIterator[CustomerClient]:
    """A customer at ``address`` (127.0.0.x) reaching the product at https://…/support/, as the widget does."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0), ssl=False)
    async with aiohttp.ClientSession(connector=connector) as http:
        customer = CustomerClient(
            f"https://127.0.0.1:{deployment.nginx.https_port}",
            socketio_path="support/socket.io",
            transports=transports,
            http_session=http,
        )
        await customer.connect(language="en")
        try:
            yield customer
        finally:
            await customer.close()


async def agent_on(deployment: Deployment, gateway_port: int, username: str) -> AgentClient:
    store = connect_redis(deployment.settings.redis_url)
    try:
        await AgentDirectory(store).add(username, AGENT_PASSWORD, AgentRole.AGENT, username.capitalize())
    finally:
        await store.aclose()
    agent = AgentClient(f"http://127.0.0.1:{gateway_port}")
    await agent.login(username, AGENT_PASSWORD)
    await agent.connect()
    return agent


async def test_the_widget_and_its_socket_are_served_under_the_sub_path_over_tls(deployment: Deployment) -> None:
    base = deployment.nginx.base_url
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False)) as http:
        async with http.get(f"{base}widget.js") as response:
            assert response.status == 200 and "javascript" in response.headers["Content-Type"]
        async with http.get(f"{base}readyz") as response:
            assert response.status == 200
        async with http.get(f"{base}console/") as response:
            assert response.status == 200 and "text/html" in response.headers["Content-Type"]
        plain = f"http://127.0.0.1:{deployment.nginx.http_port}/support/"
        async with http.get(plain, allow_redirects=False) as response:
            assert response.status == 301 and response.headers["Location"].startswith("https://")


async def test_long_polling_stays_on_one_gateway_and_customers_spread_over_both(deployment: Deployment) -> None:
    """Polling only (websockets blocked): every request of a session must reach the gateway that opened it."""

    async def one_customer(index: int) -> dict[str, Any]:
        async with customer_via_nginx(deployment, f"127.0.0.{10 + index}", transports=("polling",)) as customer:
            await customer.send(QUESTION, client_message_id=f"poll-{index}")
            ack = await customer.next("message_ack")
            reply: dict[str, Any] = await customer.next("bot_uttered")
            assert ack["client_message_id"] == f"poll-{index}"
            return reply

    replies = await asyncio.gather(*(one_customer(index) for index in range(12)))
    assert all(reply.get("text") for reply in replies)
    # Twelve addresses all hashed to one gateway would happen once in 2,048 runs.
    used = deployment.nginx.upstreams_used()
    assert used == {f"127.0.0.1:{port}" for port in deployment.gateway_ports}, used


async def test_an_agent_on_one_gateway_talks_with_a_customer_on_the_other(deployment: Deployment) -> None:
    """socket.io's Redis manager carries the events between the gateways (over the Sentinel's primary)."""
    agent = await agent_on(deployment, deployment.second_gateway_port, "relay-agent")
    customer = CustomerClient(f"http://127.0.0.1:{deployment.settings.gateway_port}")
    try:
        await customer.connect(language="en")
        await customer.send("I want to talk to a person")
        await customer.replies_until_quiet()
        conversation_id = customer.conversation_id
        await agent.wait_for_queue_with(conversation_id)
        assert (await agent.call("claim", {"conversation_id": conversation_id}))["ok"]
        assert (await agent.call("reply", {"conversation_id": conversation_id, "text": "Hello from gateway 2"}))["ok"]
        while (message := await customer.next("bot_uttered"))["text"] != "Hello from gateway 2":
            pass
        assert message["metadata"]["sender"] == "agent"
        await customer.send("and hello from gateway 1")
        assert (await agent.next_message(conversation_id, "customer"))["text"] == "and hello from gateway 1"
        assert (await agent.call("resolve", {"conversation_id": conversation_id}))["ok"]
    finally:
        await customer.close()
        await agent.close()


class SteadyWriter:
    """One customer writing steadily, resending what was not acknowledged (as the widget's outbox does)."""

    def __init__(self, customer: CustomerClient, name: str) -> None:
        self.customer = customer
        self.name = name
        self.acknowledged: list[str] = []
        self.refusals = 0

    async def send_until_acknowledged(self, client_message_id: str, text: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            await self.customer.send(text, client_message_id=client_message_id)
            ack = await self._ack_or_error(client_message_id)
            if ack:
                self.acknowledged.append(client_message_id)
                return
            self.refusals += 1
            await asyncio.sleep(0.3)
        raise AssertionError(f"{self.name}: {client_message_id} never acknowledged")

    async def _ack_or_error(self, client_message_id: str) -> bool:
        ack_task = asyncio.create_task(self.customer.next("message_ack", wait_s=10))
        error_task = asyncio.create_task(self.customer.next("error_message", wait_s=10))
        done, pending = await asyncio.wait({ack_task, error_task}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            with contextlib.suppress(Exception):
                result = task.result()
                if task is ack_task and result["client_message_id"] == client_message_id:
                    return True
                if task is ack_task:  # an older message's ack, which came late: not this one
                    return await self._ack_or_error(client_message_id)
        return False


@pytest.mark.outage
async def test_the_redis_primary_fails_over_mid_conversation_and_no_acknowledged_message_is_lost(
    deployment: Deployment,
) -> None:
    """SIGKILL the primary while customers on both gateways write; the sentinels promote the replica.

    Every message a customer had acknowledged is in its transcript on the new primary, once; the
    assistant answers again (Rasa's tracker and lock stores followed); an agent on one gateway and a
    customer on the other talk again (socket.io's Redis manager followed).
    """
    agent = await agent_on(deployment, deployment.second_gateway_port, "failover-agent")
    human = CustomerClient(f"http://127.0.0.1:{deployment.settings.gateway_port}")
    await human.connect(language="en")
    await human.send("I want to talk to a person")
    await human.replies_until_quiet()
    await agent.wait_for_queue_with(human.conversation_id)
    assert (await agent.call("claim", {"conversation_id": human.conversation_id}))["ok"]

    async with contextlib.AsyncExitStack() as stack:
        customers = [
            await stack.enter_async_context(customer_via_nginx(deployment, f"127.0.0.{40 + index}"))
            for index in range(6)
        ]
        for customer in customers:  # each has had a real answer from the assistant before the failover
            await customer.send(QUESTION)
            await customer.next("message_ack")
            await customer.replies_until_quiet(quiet_s=0.5)
        senders = [SteadyWriter(customer, f"customer-{index}") for index, customer in enumerate(customers)]
        senders.append(SteadyWriter(human, "with-agent"))
        failed_over = asyncio.Event()

        async def write(sender: SteadyWriter) -> None:
            """Until five messages were acknowledged after the failover, one every half second."""
            deadline = time.monotonic() + 120
            number = after = 0
            while after < 5:
                await sender.send_until_acknowledged(f"{sender.name}-{number}", f"message {number}", deadline)
                number += 1
                after += failed_over.is_set()
                await asyncio.sleep(0.5)

        writers = [asyncio.create_task(write(sender)) for sender in senders]
        await asyncio.sleep(1.5)
        old_port = await asyncio.to_thread(deployment.redis.kill_primary)
        killed_at = time.monotonic()
        new_port = await asyncio.to_thread(deployment.redis.wait_for_failover, old_port)
        promoted_in_s = time.monotonic() - killed_at
        failed_over.set()
        await asyncio.gather(*writers)
        assert new_port != old_port
        acknowledged = sum(len(sender.acknowledged) for sender in senders)
        refused = sum(sender.refusals for sender in senders)
        print(
            f"failover: primary {old_port} killed, {new_port} promoted in {promoted_in_s:.1f} s; "
            f"{acknowledged} messages acknowledged by {len(senders)} customers, {refused} refusals resent"
        )

        store_client = connect_redis(deployment.settings.redis_url)
        try:
            store = ConversationStore(store_client, 3600)
            for sender in senders:
                transcript = await store.transcript(conversation_id_of(str(sender.customer.session_id)))
                stored = [entry.client_message_id for entry in transcript if entry.sender == Sender.CUSTOMER]
                missing = [cid for cid in sender.acknowledged if cid not in stored]
                assert not missing, f"{sender.name}: acknowledged, then lost: {missing}"
                twice = [cid for cid in sender.acknowledged if stored.count(cid) > 1]
                assert not twice, f"{sender.name}: stored twice: {twice}"
        finally:
            await store_client.aclose()

    # The assistant answers a new customer: Rasa's tracker and lock stores use the new primary.
    async with customer_via_nginx(deployment, "127.0.0.60") as newcomer:
        await newcomer.send(QUESTION)
        replies = await newcomer.replies_until_quiet(wait_s=30)
        assert replies[0].get("text") and replies[0]["metadata"]["sender"] == "bot", replies
        status = [] if newcomer.queues["handoff_status"].empty() else [await newcomer.next("handoff_status")]
        assert not status, f"handed off instead of answered: {status}"

    # An agent on gateway 2 and a customer on gateway 1 talk again (their events cross on the new primary).
    deadline = time.monotonic() + 45
    delivered = False
    attempt = 0
    while time.monotonic() < deadline and not delivered:
        attempt += 1
        text = f"still here ({attempt})"
        with contextlib.suppress(AssertionError, TimeoutError):
            assert (await agent.call("reply", {"conversation_id": human.conversation_id, "text": text}))["ok"]
            while (await human.next("bot_uttered", wait_s=3))["text"] != text:
                pass
            delivered = True
    await human.close()
    await agent.close()
    assert delivered, "the agent's messages no longer reach the customer on the other gateway"
    print(f"relay across gateways again after {attempt} attempt(s)")
