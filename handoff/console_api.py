"""The console's REST edge: login, logout, who am I, and the console's files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bot.core.agent_protocol import AgentRole
from bot.staff.accounts import Agent, AgentDirectory, LoginRefused, TooManyLoginFailures
from bot.staff.web import add_staff_page, bearer_token, staff_member
from handoff.service import HandoffService

CONSOLE_DIR = Path(__file__).parent / "console"
MAX_CREDENTIAL_CHARS = 200


def register_console_routes(
    app: web.Application,
    get_agents: Callable[[], AgentDirectory],
    get_service: Callable[[], HandoffService],
    socketio_client_js: Path,
) -> None:
    """``/api/agent/*`` and ``/console/``."""

    async def login(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "send JSON {username, password}"}, status=400)
        username = body.get("username") if isinstance(body, dict) else None
        password = body.get("password") if isinstance(body, dict) else None
        if (
            not (isinstance(username, str) and isinstance(password, str))
            or max(len(username), len(password)) > MAX_CREDENTIAL_CHARS
        ):
            return web.json_response({"error": "send JSON {username, password}"}, status=400)
        try:
            token, agent = await get_agents().login(username.strip().lower(), password, request.remote or "?")
        except TooManyLoginFailures:
            return web.json_response({"error": "too many failed logins; try again in 15 minutes"}, status=429)
        except LoginRefused:
            return web.json_response({"error": "wrong username or password"}, status=401)
        return web.json_response({"token": token, "agent": agent.to_public()})

    async def authenticated(request: web.Request) -> Agent:
        return await staff_member(get_agents(), request)

    async def logout(request: web.Request) -> web.Response:
        await authenticated(request)
        token = bearer_token(request)
        if token:
            await get_agents().logout(token)
        return web.Response(status=204)

    async def me(request: web.Request) -> web.Response:
        return web.json_response({"agent": (await authenticated(request)).to_public()})

    async def tickets(request: web.Request) -> web.Response:
        await authenticated(request)
        return web.json_response({"tickets": await get_service().offline_tickets()})

    async def roster(request: web.Request) -> web.Response:
        await staff_member(get_agents(), request, {AgentRole.SUPERVISOR})
        return web.json_response({"agents": await get_agents().roster()})

    app.router.add_post("/api/agent/login", login)
    app.router.add_post("/api/agent/logout", logout)
    app.router.add_get("/api/agent/me", me)
    app.router.add_get("/api/agent/tickets", tickets)
    app.router.add_get("/api/agent/agents", roster)
    add_staff_page(app, "console", CONSOLE_DIR, {"socket.io.esm.min.js": socketio_client_js})
