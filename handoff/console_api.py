"""The console's REST edge: login, logout, who am I, and the console's files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from handoff.agents import Agent, AgentDirectory, AgentRole, LoginRefused, TooManyLoginFailures
from handoff.service import HandoffService

CONSOLE_DIR = Path(__file__).parent / "console"
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
MAX_CREDENTIAL_CHARS = 200


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


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
        agent = await get_agents().agent_for_token(bearer_token(request))
        if agent is None:
            raise web.HTTPUnauthorized(text='{"error": "unauthorized"}', content_type="application/json")
        return agent

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
        agent = await authenticated(request)
        if agent.role is not AgentRole.SUPERVISOR:
            raise web.HTTPForbidden(text='{"error": "supervisors only"}', content_type="application/json")
        return web.json_response({"agents": await get_agents().roster()})

    async def console_file(request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name") or "index.html"
        path = socketio_client_js if name == "socket.io.esm.min.js" else CONSOLE_DIR / name
        if path.suffix not in STATIC_TYPES or path.parent not in (CONSOLE_DIR, socketio_client_js.parent):
            raise web.HTTPNotFound()
        if not path.is_file():
            raise web.HTTPNotFound()
        headers = {
            "Content-Type": f"{STATIC_TYPES[path.suffix]}; charset=utf-8",
            "Content-Security-Policy": CONSOLE_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
            "Referrer-Policy": "same-origin",
        }
        return web.FileResponse(path, headers=headers)

    async def console_root(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/console/")

    app.router.add_post("/api/agent/login", login)
    app.router.add_post("/api/agent/logout", logout)
    app.router.add_get("/api/agent/me", me)
    app.router.add_get("/api/agent/tickets", tickets)
    app.router.add_get("/api/agent/agents", roster)
    app.router.add_get("/console", console_root)
    app.router.add_get("/console/", console_file)
    app.router.add_get(r"/console/{name:[A-Za-z0-9_.-]+}", console_file)
