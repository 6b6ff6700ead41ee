"""The agent socket's dispatch: requests need a signed-in agent, unknown events are refused.

Signed-in requests are tested end to end with real sockets in tests/integration/test_handoff.py.
"""

from __future__ import annotations

import socketio
from redis.asyncio import Redis

from bot.core.agent_protocol import AgentEvent, AgentRole
from bot.core.rate_limit import RateLimiter
from handoff.agent_socket import AgentNamespace, AgentServices
from handoff.desk import AgentDesk
from handoff.service import HandoffService
from tests.fakes import handoff_parts


def namespace() -> AgentNamespace:
    def no_services() -> AgentServices:
        raise AssertionError("a refused request must not reach the services")

    agents = AgentNamespace(no_services, grace_s=0)
    socketio.AsyncServer(async_mode="aiohttp").register_namespace(agents)
    return agents


async def test_a_request_from_a_socket_without_an_agent_is_unauthorized() -> None:
    ack = await namespace().trigger_event(AgentEvent.CLAIM, "no-such-sid", {})
    assert ack == {"ok": False, "error": "unauthorized", "message": "unauthorized"}


async def test_an_event_the_console_does_not_send_is_refused() -> None:
    agents = namespace()
    for event in ("queue", "drop_tables", "trigger_event"):
        ack = await agents.trigger_event(event, "no-such-sid", {})
        assert ack["ok"] is False and ack["error"] == "bad_request", event


def test_every_request_event_has_its_handler() -> None:
    server_to_client = {
        AgentEvent.QUEUE,
        AgentEvent.MY_CONVERSATIONS,
        AgentEvent.MESSAGE,
        AgentEvent.CUSTOMER_TYPING,
        AgentEvent.CONVERSATION_UPDATE,
        AgentEvent.OFFLINE_TICKET,
        AgentEvent.TICKET_UPDATED,
        AgentEvent.SUGGESTIONS,
    }
    for event in set(AgentEvent) - server_to_client:
        assert callable(getattr(AgentNamespace, f"on_{event}", None)), event


async def test_an_agent_over_the_request_limit_is_refused_until_the_window_passes(redis_client: Redis) -> None:
    parts = handoff_parts(redis_client)
    await parts.agents.add("anna", "pw-anna-123", AgentRole.AGENT, "Anna")
    token, _ = await parts.agents.login("anna", "pw-anna-123", "127.0.0.1")
    services = AgentServices(
        AgentDesk(parts), HandoffService(parts), parts.agents, RateLimiter(redis_client, "agent", 3, 60)
    )
    agents = AgentNamespace(lambda: services, grace_s=0)
    socketio.AsyncServer(async_mode="aiohttp").register_namespace(agents)
    agents.sockets["sid-1"] = ("anna", token)
    acks = [await agents.trigger_event(AgentEvent.CANNED, "sid-1", {"language": "ms"}) for _ in range(4)]
    assert [ack["ok"] for ack in acks] == [True, True, True, False]
    assert acks[-1]["error"] == "rate_limited"
    # Every console of the agent counts together.
    agents.sockets["sid-2"] = ("anna", token)
    assert (await agents.trigger_event(AgentEvent.CANNED, "sid-2", {"language": "ms"}))["error"] == "rate_limited"
