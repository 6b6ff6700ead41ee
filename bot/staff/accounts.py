"""Agent accounts, console session tokens and presence, in Redis.

Passwords are hashed with argon2 (argon2-cffi), off the event loop, and
guessing is limited by :mod:`bot.staff.login_guard`. A login gives a random
token; only its SHA-256 is stored, with an expiry. Changing a password,
disabling or removing an account revokes every token of it; open console
sockets re-check theirs (``handoff.agent_socket``). Manage accounts with::

    .venv/bin/python -m bot.staff passwd anna
    .venv/bin/python -m bot.staff disable anna
    .venv/bin/python -m bot.staff enable anna
    .venv/bin/python -m bot.staff remove anna

Create them with::

    .venv/bin/python -m bot.staff add anna --role agent --display-name "Anna"
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Final

from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.core.languages import Language, parse_language_tag
from bot.core.redis_values import as_text
from bot.staff.login_guard import LoginBusy, LoginGuard, TooManyLoginFailures, hash_password
from bot.staff.presence import DEFAULT_PRESENCE_TTL_S, AgentPresence

__all__ = ["Agent", "AgentDirectory", "LoginBusy", "LoginRefused", "TooManyLoginFailures", "UnknownAccount"]

TOKEN_TTL_S: Final = 12 * 3600
DEFAULT_CAPACITY: Final = 3
USERNAME_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")


DISABLED_FIELD: Final = "disabled"
#: The language the agent chose for the staff pages; absent until they choose one.
LANGUAGE_FIELD: Final = "language"
FIELDS_FOR_LOGIN: Final = ("password_hash", DISABLED_FIELD)
MIN_PASSWORD_CHARS: Final = 8


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"password: at least {MIN_PASSWORD_CHARS} characters")


class UnknownAccount(ValueError):
    """No account has that username."""


class LoginRefused(Exception):
    """Wrong username or password (deliberately not saying which)."""


@dataclass(frozen=True)
class Agent:
    username: str
    display_name: str
    role: AgentRole
    capacity: int
    #: The staff pages' language the agent chose (None: not chosen yet; the browser's is used).
    language: Language | None = None

    def to_public(self) -> dict[str, object]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role.value,
            "language": self.language,
        }


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AgentDirectory:
    """Accounts, logins and presence."""

    def __init__(self, redis: Redis, presence_ttl_s: float = DEFAULT_PRESENCE_TTL_S) -> None:
        self.redis = redis
        self.guard = LoginGuard(redis)
        #: Who is here: console sockets and their heartbeats.
        self.presence = AgentPresence(redis, presence_ttl_s)

    async def add(
        self, username: str, password: str, role: AgentRole, display_name: str = "", capacity: int = DEFAULT_CAPACITY
    ) -> Agent:
        if not USERNAME_PATTERN.match(username):
            raise ValueError("username: 2-32 of a-z 0-9 _ . - starting with a letter or digit")
        _check_password(password)
        agent = Agent(username, display_name or username.capitalize(), role, capacity)
        password_hash = await hash_password(password)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                keys.agent_key(username),
                mapping={
                    "display_name": agent.display_name,
                    "role": role.value,
                    "capacity": capacity,
                    "password_hash": password_hash,
                },
            )
            pipe.sadd(keys.agents_key(), username)
            await pipe.execute()
        return agent

    async def get(self, username: str) -> Agent | None:
        data = {as_text(k): as_text(v) for k, v in (await self.redis.hgetall(keys.agent_key(username))).items()}
        if not data:
            return None
        return Agent(
            username,
            data["display_name"],
            AgentRole(data["role"]),
            int(data.get("capacity") or DEFAULT_CAPACITY),
            parse_language_tag(data.get(LANGUAGE_FIELD) or None),
        )

    async def login(self, username: str, password: str, address: str) -> tuple[str, Agent]:
        """A new session token for valid credentials."""
        stored, disabled = (as_text(v) for v in await self.redis.hmget(keys.agent_key(username), FIELDS_FOR_LOGIN))
        if not await self.guard.check(username, address, stored, password) or disabled:
            raise LoginRefused()
        agent = await self.get(username)
        if agent is None:
            raise LoginRefused()
        token = secrets.token_urlsafe(32)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.agent_token_key(_token_hash(token)), username, ex=TOKEN_TTL_S)
            pipe.sadd(keys.agent_tokens_key(username), _token_hash(token))
            pipe.expire(keys.agent_tokens_key(username), TOKEN_TTL_S)
            await pipe.execute()
        return token, agent

    async def agent_for_token(self, token: object) -> Agent | None:
        """The agent a console token belongs to, or None for a missing, forged or expired one."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        username = as_text(await self.redis.get(keys.agent_token_key(_token_hash(token))))
        if not username or as_text(await self.redis.hget(keys.agent_key(username), DISABLED_FIELD)):
            return None
        return await self.get(username)

    async def logout(self, token: str) -> None:
        token_hash = _token_hash(token)
        username = as_text(await self.redis.getdel(keys.agent_token_key(token_hash)))
        if username:
            await self.redis.srem(keys.agent_tokens_key(username), token_hash)

    async def revoke_tokens(self, username: str) -> int:
        """End every session of the account; how many there were."""
        hashes = [as_text(h) for h in await self.redis.smembers(keys.agent_tokens_key(username))]
        async with self.redis.pipeline(transaction=True) as pipe:
            for token_hash in hashes:
                pipe.delete(keys.agent_token_key(token_hash))
            pipe.delete(keys.agent_tokens_key(username))
            await pipe.execute()
        return len(hashes)

    async def set_password(self, username: str, password: str) -> None:
        """A new password; every session of the account ends."""
        _check_password(password)
        if not await self.redis.exists(keys.agent_key(username)):
            raise UnknownAccount(username)
        await self.redis.hset(keys.agent_key(username), "password_hash", await hash_password(password))
        await self.revoke_tokens(username)

    async def set_disabled(self, username: str, disabled: bool) -> None:
        """A disabled account cannot sign in, and its sessions end."""
        if not await self.redis.exists(keys.agent_key(username)):
            raise UnknownAccount(username)
        await self.redis.hset(keys.agent_key(username), DISABLED_FIELD, "1" if disabled else "")
        if disabled:
            await self.revoke_tokens(username)

    async def set_language(self, username: str, language: Language) -> None:
        """The staff pages' language of the account, kept so it follows the agent to any device."""
        if not await self.redis.exists(keys.agent_key(username)):
            raise UnknownAccount(username)
        await self.redis.hset(keys.agent_key(username), LANGUAGE_FIELD, language)

    async def remove(self, username: str) -> None:
        """Delete the account and end its sessions (its transcripts and analytics stay)."""
        await self.revoke_tokens(username)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.agent_key(username))
            pipe.srem(keys.agents_key(), username)
            pipe.srem(keys.online_agents_key(), username)
            await pipe.execute()

    async def roster(self) -> list[dict[str, object]]:
        """Every agent with their status, for supervisors."""
        result: list[dict[str, object]] = []
        for username in await self.usernames():
            agent = await self.get(username)
            if agent is None:
                continue
            status = await self.presence.status(username)
            result.append({**agent.to_public(), "status": status.value})
        return result

    async def usernames(self) -> list[str]:
        return sorted(as_text(u) for u in await self.redis.smembers(keys.agents_key()))
