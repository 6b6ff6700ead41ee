import asyncio

import pytest
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.staff import login_guard
from bot.staff.accounts import AgentDirectory, LoginBusy, LoginRefused, TooManyLoginFailures, UnknownAccount
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


async def test_repeated_failures_lock_the_account_from_that_address_only(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    await agents.add("anna", "correct horse", AgentRole.AGENT)
    await agents.add("ben", "battery staple", AgentRole.AGENT)
    for _ in range(login_guard.MAX_PER_ACCOUNT_AND_ADDRESS):
        with pytest.raises(LoginRefused):
            await agents.login("anna", "wrong", "10.0.0.1")
    with pytest.raises(TooManyLoginFailures):
        await agents.login("anna", "correct horse", "10.0.0.1")
    await agents.login("anna", "correct horse", "10.0.0.2")  # anna elsewhere: not locked out
    await agents.login("ben", "battery staple", "10.0.0.1")  # a colleague behind the same address: not locked out


async def test_a_guesser_is_stopped_per_address_and_an_account_is_guarded_from_everywhere(
    redis_client: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(login_guard, "MAX_PER_ADDRESS", 5)
    monkeypatch.setattr(login_guard, "MAX_PER_ACCOUNT", 8)
    agents = AgentDirectory(redis_client)
    await agents.add("anna", "correct horse", AgentRole.AGENT)
    for number in range(5):
        with pytest.raises(LoginRefused):
            await agents.login(f"user{number}", "guess", "10.6.6.6")
    with pytest.raises(TooManyLoginFailures):
        await agents.login("anna", "correct horse", "10.6.6.6")
    for number in range(8):
        with pytest.raises(LoginRefused):
            await agents.login("anna", "guess", f"10.7.0.{number}")
    with pytest.raises(TooManyLoginFailures):
        await agents.login("anna", "correct horse", "10.8.0.1")


async def test_parallel_guesses_cannot_slip_past_the_limit(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    await agents.add("anna", "correct horse", AgentRole.AGENT)
    results = await asyncio.gather(
        *(agents.login("anna", "wrong", "10.0.0.1") for _ in range(40)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, LoginRefused)]
    assert len(refused) == login_guard.MAX_PER_ACCOUNT_AND_ADDRESS, "each of the rest was refused before any hash"
    assert all(isinstance(r, TooManyLoginFailures | LoginBusy) for r in results if r not in refused)


async def test_a_success_takes_its_attempt_back(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    await agents.add("anna", "correct horse", AgentRole.AGENT)
    for _ in range(login_guard.MAX_PER_ACCOUNT_AND_ADDRESS * 2):
        await agents.login("anna", "correct horse", "10.0.0.1")


async def test_bad_accounts_are_refused(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    with pytest.raises(ValueError, match="password"):
        await agents.add("anna", "short", AgentRole.AGENT)
    with pytest.raises(ValueError, match="username"):
        await agents.add("<script>", "long enough", AgentRole.AGENT)


async def test_a_new_password_disabling_or_removing_ends_every_session(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    await agents.add("anna", "correct horse", AgentRole.AGENT)
    laptop, _ = await agents.login("anna", "correct horse", "10.0.0.1")
    phone, _ = await agents.login("anna", "correct horse", "10.0.0.2")
    await agents.set_password("anna", "battery staple")
    assert await agents.agent_for_token(laptop) is None and await agents.agent_for_token(phone) is None
    with pytest.raises(LoginRefused):
        await agents.login("anna", "correct horse", "10.0.0.1")
    token, _ = await agents.login("anna", "battery staple", "10.0.0.1")
    await agents.set_disabled("anna", True)
    assert await agents.agent_for_token(token) is None
    with pytest.raises(LoginRefused):
        await agents.login("anna", "battery staple", "10.0.0.1")
    await agents.set_disabled("anna", False)
    token, _ = await agents.login("anna", "battery staple", "10.0.0.1")
    await agents.remove("anna")
    assert await agents.agent_for_token(token) is None and await agents.get("anna") is None
    with pytest.raises(UnknownAccount):
        await agents.set_password("anna", "whatever long")


async def test_logout_ends_one_session_only(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    await agents.add("anna", "correct horse", AgentRole.AGENT)
    laptop, _ = await agents.login("anna", "correct horse", "10.0.0.1")
    phone, _ = await agents.login("anna", "correct horse", "10.0.0.2")
    await agents.logout(laptop)
    assert await agents.agent_for_token(laptop) is None and await agents.agent_for_token(phone) is not None
    assert await agents.revoke_tokens("anna") == 1


async def test_the_staff_pages_language_is_kept_on_the_account(redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    await agents.add("lena", "a long test password", AgentRole.AGENT)
    assert (await agents.get("lena")).language is None  # type: ignore[union-attr]
    await agents.set_language("lena", "hy")
    _, agent = await agents.login("lena", "a long test password", "127.0.0.1")
    assert (agent.language, agent.to_public()["language"]) == ("hy", "hy")
    with pytest.raises(UnknownAccount):
        await agents.set_language("nobody", "fa")
