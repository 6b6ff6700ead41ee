"""The staff sign-in API's language: kept on the account, validated, signed-in only, rate-limited."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from bot.core.agent_protocol import AgentRole
from bot.staff.accounts import AgentDirectory
from bot.staff.api import LANGUAGE_CHANGES_PER_MINUTE, register_sign_in_routes

PASSWORD = "a long test password"
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(redis_client: Redis) -> AsyncIterator[Client]:
    agents = AgentDirectory(redis_client)
    await agents.add("anna", PASSWORD, AgentRole.AGENT, "Anna")
    app = web.Application()
    register_sign_in_routes(app, lambda: agents)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def sign_in(client: Client) -> dict[str, str]:
    response = await client.post("/api/agent/login", json={"username": "anna", "password": PASSWORD})
    body = await response.json()
    return {"Authorization": f"Bearer {body['token']}"}


async def test_the_chosen_language_is_kept_on_the_account_and_given_at_every_sign_in(client: Client) -> None:
    first = await client.post("/api/agent/login", json={"username": "anna", "password": PASSWORD})
    assert (await first.json())["agent"]["language"] is None, "nothing chosen yet: the page uses the browser's"
    headers = await sign_in(client)
    chosen = await client.put("/api/agent/language", json={"language": "fa"}, headers=headers)
    assert chosen.status == 200
    assert (await chosen.json())["agent"] == {
        "username": "anna",
        "display_name": "Anna",
        "role": "agent",
        "language": "fa",
    }
    me = await client.get("/api/agent/me", headers=headers)
    assert (await me.json())["agent"]["language"] == "fa"
    # Another device signs in: the language follows the agent.
    again = await client.post("/api/agent/login", json={"username": "anna", "password": PASSWORD})
    assert (await again.json())["agent"]["language"] == "fa"


@pytest.mark.parametrize("body", [{"language": "xx"}, {"language": "fa-IR"}, {"language": 3}, {}, [], "fa"])
async def test_a_language_outside_the_registry_is_refused_with_the_codes(client: Client, body: object) -> None:
    headers = await sign_in(client)
    refused = await client.put("/api/agent/language", json=body, headers=headers)
    assert refused.status == 400
    error = (await refused.json())["error"]
    assert "one of en, hy, fa, ms" in error
    me = await client.get("/api/agent/me", headers=headers)
    assert (await me.json())["agent"]["language"] is None


async def test_a_body_that_is_not_json_is_refused(client: Client) -> None:
    headers = await sign_in(client)
    refused = await client.put("/api/agent/language", data=b"fa", headers=headers)
    assert refused.status == 400


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer forged-token-forged-token-forged"}])
async def test_without_a_valid_session_nothing_changes(client: Client, headers: dict[str, str]) -> None:
    refused = await client.put("/api/agent/language", json={"language": "hy"}, headers=headers)
    assert (refused.status, await refused.json()) == (401, {"error": "unauthorized"})


async def test_language_changes_are_rate_limited_per_account(client: Client) -> None:
    headers = await sign_in(client)
    for _ in range(LANGUAGE_CHANGES_PER_MINUTE):
        assert (await client.put("/api/agent/language", json={"language": "ms"}, headers=headers)).status == 200
    limited = await client.put("/api/agent/language", json={"language": "hy"}, headers=headers)
    assert limited.status == 429
    me = await client.get("/api/agent/me", headers=headers)
    assert (await me.json())["agent"]["language"] == "ms"
