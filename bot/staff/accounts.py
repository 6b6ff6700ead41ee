"""Agent accounts, console session tokens and presence, in Redis.

Passwords are hashed with argon2 (argon2-cffi), off the event loop, and
guessing is limited by :mod:`bot.staff.login_guard`. A login gives a random
token; only its SHA-256 is stored, with an expiry. Create accounts with::

    .venv/bin/python -m bot.staff.accounts add anna --role agent --display-name "Anna"
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import hashlib
import re
import secrets
import sys
from dataclasses import dataclass
from typing import Final

from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole, AgentStatus
from bot.staff.login_guard import LoginBusy, LoginGuard, TooManyLoginFailures, hash_password

__all__ = ["Agent", "AgentDirectory", "LoginBusy", "LoginRefused", "TooManyLoginFailures"]

TOKEN_TTL_S: Final = 12 * 3600
DEFAULT_CAPACITY: Final = 3
USERNAME_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")


class LoginRefused(Exception):
    """Wrong username or password (deliberately not saying which)."""


@dataclass(frozen=True)
class Agent:
    username: str
    display_name: str
    role: AgentRole
    capacity: int

    def to_public(self) -> dict[str, object]:
        return {"username": self.username, "display_name": self.display_name, "role": self.role.value}


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AgentDirectory:
    """Accounts, logins and presence."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.guard = LoginGuard(redis)

    async def add(
        self, username: str, password: str, role: AgentRole, display_name: str = "", capacity: int = DEFAULT_CAPACITY
    ) -> Agent:
        if not USERNAME_PATTERN.match(username):
            raise ValueError("username: 2-32 of a-z 0-9 _ . - starting with a letter or digit")
        if len(password) < 8:
            raise ValueError("password: at least 8 characters")
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
        data = {_text(k): _text(v) for k, v in (await self.redis.hgetall(keys.agent_key(username))).items()}
        if not data:
            return None
        return Agent(
            username, data["display_name"], AgentRole(data["role"]), int(data.get("capacity") or DEFAULT_CAPACITY)
        )

    async def login(self, username: str, password: str, address: str) -> tuple[str, Agent]:
        """A new session token for valid credentials."""
        stored = _text(await self.redis.hget(keys.agent_key(username), "password_hash"))
        if not await self.guard.check(username, address, stored, password):
            raise LoginRefused()
        agent = await self.get(username)
        if agent is None:
            raise LoginRefused()
        token = secrets.token_urlsafe(32)
        await self.redis.set(keys.agent_token_key(_token_hash(token)), username, ex=TOKEN_TTL_S)
        return token, agent

    async def agent_for_token(self, token: object) -> Agent | None:
        """The agent a console token belongs to, or None for a missing, forged or expired one."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        username = _text(await self.redis.get(keys.agent_token_key(_token_hash(token))))
        return await self.get(username) if username else None

    async def logout(self, token: str) -> None:
        await self.redis.delete(keys.agent_token_key(_token_hash(token)))

    async def socket_connected(self, username: str, status: AgentStatus = AgentStatus.ONLINE) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(keys.agent_presence_key(username), "sockets", 1)
            pipe.hset(keys.agent_presence_key(username), "status", status.value)
            if status is AgentStatus.ONLINE:
                pipe.sadd(keys.online_agents_key(), username)
            await pipe.execute()

    async def socket_disconnected(self, username: str) -> int:
        """Sockets the agent still has open (0: gone, unless they come back)."""
        remaining = int(await self.redis.hincrby(keys.agent_presence_key(username), "sockets", -1))
        if remaining <= 0:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(
                    keys.agent_presence_key(username), mapping={"sockets": 0, "status": AgentStatus.OFFLINE.value}
                )
                pipe.srem(keys.online_agents_key(), username)
                await pipe.execute()
        return max(0, remaining)

    async def open_sockets(self, username: str) -> int:
        return int(_text(await self.redis.hget(keys.agent_presence_key(username), "sockets")) or 0)

    async def set_status(self, username: str, status: AgentStatus) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.agent_presence_key(username), "status", status.value)
            if status is AgentStatus.ONLINE:
                pipe.sadd(keys.online_agents_key(), username)
            else:
                pipe.srem(keys.online_agents_key(), username)
            await pipe.execute()

    async def roster(self) -> list[dict[str, object]]:
        """Every agent with their status, for supervisors."""
        usernames = sorted(_text(u) for u in await self.redis.smembers(keys.agents_key()))
        result: list[dict[str, object]] = []
        for username in usernames:
            agent = await self.get(username)
            if agent is None:
                continue
            status = _text(await self.redis.hget(keys.agent_presence_key(username), "status")) or AgentStatus.OFFLINE
            result.append({**agent.to_public(), "status": str(status)})
        return result

    async def online_count(self) -> int:
        return int(await self.redis.scard(keys.online_agents_key()))


async def _add_from_cli(args: argparse.Namespace) -> None:
    from bot.core.settings import get_settings

    settings = get_settings()
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    redis = Redis.from_url(settings.effective_redis_url)
    try:
        agent = await AgentDirectory(redis).add(
            args.username, password, AgentRole(args.role), args.display_name, args.capacity
        )
    finally:
        await redis.aclose()
    print(f"added {agent.role.value} {agent.username} ({agent.display_name})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.staff.accounts", description="Manage agent accounts.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create or update an agent account")
    add.add_argument("username")
    add.add_argument("--role", choices=[r.value for r in AgentRole], default=AgentRole.AGENT.value)
    add.add_argument("--display-name", default="", help="name customers see (default: the username)")
    add.add_argument("--capacity", type=int, default=DEFAULT_CAPACITY, help="concurrent conversations")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_add_from_cli(args))
    except ValueError as error:
        parser.error(str(error))


if __name__ == "__main__":
    main()
