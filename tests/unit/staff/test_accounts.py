import pytest
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.staff.accounts import AgentDirectory, LoginRefused, TooManyLoginFailures
from tests.helpers import as_text


async def test_password_is_hashed_and_login_gives_a_token(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    await agents.add("anna", "correct horse", AgentRole.AGENT, "Anna")
    stored = as_text(await redis_client.hget(keys.agent_key("anna"), "password_hash"))
    assert stored.startswith("$argon2") and "correct horse" not in stored
    token, agent = await agents.login("anna", "correct horse", "127.0.0.1")
    assert agent.display_name == "Anna"
    assert (await agents.agent_for_token(token)) == agent
    await agents.logout(token)
    assert await agents.agent_for_token(token) is None


async def test_wrong_password_unknown_user_and_forged_tokens_are_refused(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    await agents.add("anna", "correct horse", AgentRole.AGENT)
    with pytest.raises(LoginRefused):
        await agents.login("anna", "wrong", "127.0.0.1")
    with pytest.raises(LoginRefused):
        await agents.login("nobody", "whatever", "127.0.0.1")
    for forged in (None, "", "x" * 43, 12345, "a" * 500):
        assert await agents.agent_for_token(forged) is None


async def test_repeated_failures_lock_the_login(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    await agents.add("anna", "correct horse", AgentRole.AGENT)
    for _ in range(10):
        with pytest.raises(LoginRefused):
            await agents.login("anna", "wrong", "10.0.0.1")
    with pytest.raises(TooManyLoginFailures):
        await agents.login("anna", "correct horse", "10.0.0.2")


async def test_bad_accounts_are_refused(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    with pytest.raises(ValueError, match="password"):
        await agents.add("anna", "short", AgentRole.AGENT)
    with pytest.raises(ValueError, match="username"):
        await agents.add("<script>", "long enough", AgentRole.AGENT)


async def test_presence_counts_sockets(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    await agents.socket_connected("anna")
    await agents.socket_connected("anna")
    assert await agents.online_count() == 1
    assert await agents.socket_disconnected("anna") == 1
    assert await agents.socket_disconnected("anna") == 0
    assert await agents.online_count() == 0
