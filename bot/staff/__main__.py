"""Manage staff accounts: ``python -m bot.staff {add,passwd,disable,enable,remove} USERNAME``.

Reads ``REDIS_URL`` (or the private Redis of ``make run``) from the settings.
Passwords are asked for on the terminal, or read from standard input with
``--password-stdin``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from bot.core.agent_protocol import AgentRole
from bot.core.redis_connection import connect as connect_redis
from bot.core.settings import get_settings
from bot.staff.accounts import DEFAULT_CAPACITY, AgentDirectory


def _password(args: argparse.Namespace) -> str:
    return sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")


async def _run(args: argparse.Namespace) -> str:
    redis = connect_redis(get_settings().effective_redis_url)
    agents = AgentDirectory(redis)
    try:
        if args.command == "add":
            role, capacity = AgentRole(args.role), args.capacity
            agent = await agents.add(args.username, _password(args), role, args.display_name, capacity)
            return f"added {agent.role.value} {agent.username} ({agent.display_name})"
        if args.command == "passwd":
            await agents.set_password(args.username, _password(args))
            return f"new password for {args.username}; their sessions ended"
        if args.command in ("disable", "enable"):
            await agents.set_disabled(args.username, args.command == "disable")
            return f"{args.command}d {args.username}" + ("; their sessions ended" if args.command == "disable" else "")
        await agents.remove(args.username)
        return f"removed {args.username}; their sessions ended"
    finally:
        await redis.aclose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.staff", description="Manage staff accounts.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create or update an account")
    add.add_argument("--role", choices=[r.value for r in AgentRole], default=AgentRole.AGENT.value)
    add.add_argument("--display-name", default="", help="name customers see (default: the username)")
    add.add_argument("--capacity", type=int, default=DEFAULT_CAPACITY, help="concurrent conversations")
    passwd = commands.add_parser("passwd", help="set a new password (ends every session of the account)")
    for command in (add, passwd):
        command.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    commands.add_parser("disable", help="refuse sign-in and end every session of the account")
    commands.add_parser("enable", help="allow sign-in again")
    commands.add_parser("remove", help="delete the account and end its sessions")
    for command in commands.choices.values():
        command.add_argument("username")
    args = parser.parse_args(argv)
    try:
        print(asyncio.run(_run(args)))
    except ValueError as error:
        parser.error(str(error))


if __name__ == "__main__":
    main()
