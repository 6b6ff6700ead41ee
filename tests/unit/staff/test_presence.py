"""Presence: sockets kept alive by heartbeats; a dead gateway's sockets run out."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from bot.core.agent_protocol import AgentStatus
from bot.staff.presence import AgentPresence


async def test_sockets_are_counted_until_they_close(redis_client: Redis) -> None:
    presence = AgentPresence(redis_client)
    await presence.socket_connected("anna", "sid-1")
    await presence.socket_connected("anna", "sid-2")
    assert await presence.online_count() == 1
    assert await presence.socket_disconnected("anna", "sid-1") == 1
    assert await presence.status("anna") is AgentStatus.ONLINE
    assert await presence.socket_disconnected("anna", "sid-2") == 0
    assert await presence.online_count() == 0 and await presence.status("anna") is AgentStatus.OFFLINE
    assert await presence.last_seen("anna") is not None


async def test_a_socket_without_heartbeats_runs_out_and_its_agent_goes_offline(redis_client: Redis) -> None:
    presence = AgentPresence(redis_client, ttl_s=0.5)
    await presence.socket_connected("anna", "on-a-dead-gateway")
    await presence.socket_connected("ben", "on-a-live-gateway")
    for _ in range(3):
        await asyncio.sleep(0.3)
        await presence.heartbeat([("ben", "on-a-live-gateway")])
    assert await presence.open_sockets("anna") == 0 and await presence.open_sockets("ben") == 1
    assert await presence.online_count() == 1, "anna dropped from the online set"
    assert await presence.status("anna") is AgentStatus.OFFLINE


async def test_away_is_not_online_but_keeps_its_socket(redis_client: Redis) -> None:
    presence = AgentPresence(redis_client)
    await presence.socket_connected("anna", "sid-1")
    await presence.set_status("anna", AgentStatus.AWAY)
    assert await presence.online_count() == 0 and await presence.status("anna") is AgentStatus.AWAY
    await presence.heartbeat([("anna", "closed-already")])
    assert await presence.open_sockets("anna") == 1, "a heartbeat never brings back a closed socket"
