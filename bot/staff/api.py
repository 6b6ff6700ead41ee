"""Sign-in for every staff page: ``/api/agent/login``, ``logout`` and ``me``, and the pages' language.

The console, the trainer page and the dashboard all sign in here and send the
token as ``Authorization: Bearer``; the agent socket takes the same token.
``PUT /api/agent/language`` keeps the language the agent chose for the staff
pages on the account, so it follows them to another device.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from aiohttp import web

from bot.core.addresses import Network, client_address
from bot.core.languages import LANGUAGES, Language
from bot.core.rate_limit import RateLimiter
from bot.staff.accounts import AgentDirectory, LoginBusy, LoginRefused, TooManyLoginFailures, UnknownAccount
from bot.staff.login_guard import WINDOW_S
from bot.staff.web import bearer_token, json_error, staff_member

__all__ = ["register_sign_in_routes"]

MAX_CREDENTIAL_CHARS: Final = 200
#: Sign-ins handled at once by one gateway; beyond, answered 503 at once, so a
#: burst of logins cannot take the Redis connections customers need.
MAX_LOGINS_IN_FLIGHT: Final = 32
BUSY: Final = {"error": "too many sign-ins at once; try again in a moment"}
#: Language changes an account may make a minute (a person picks one now and then).
LANGUAGE_CHANGES_PER_MINUTE: Final = 20
LANGUAGE_CODES: Final = ", ".join(LANGUAGES)


def _chosen_language(body: object) -> Language:
    """The registered language code in ``{"language": code}``; a 400 with the codes otherwise."""
    code = body.get("language") if isinstance(body, dict) else None
    for language in LANGUAGES:
        if code == language:
            return language
    if isinstance(code, str):
        shown = code if len(code) <= 20 else f"{code[:20]}…"
        raise json_error(web.HTTPBadRequest, f"unknown language {shown!r}; one of {LANGUAGE_CODES}")
    raise json_error(web.HTTPBadRequest, f"send JSON {{language}}, one of {LANGUAGE_CODES}")


def register_sign_in_routes(
    app: web.Application, get_agents: Callable[[], AgentDirectory], trusted_proxies: Sequence[Network] = ()
) -> None:
    """``POST /api/agent/login``, ``POST /api/agent/logout``, ``GET /api/agent/me``, ``PUT /api/agent/language``."""

    in_flight = 0

    async def login(request: web.Request) -> web.Response:
        nonlocal in_flight
        if in_flight >= MAX_LOGINS_IN_FLIGHT:
            return web.json_response(BUSY, status=503, headers={"Retry-After": "5"})
        in_flight += 1
        try:
            return await _login(request)
        finally:
            in_flight -= 1

    async def _login(request: web.Request) -> web.Response:
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
        address = client_address(request.remote, request.headers.get("X-Forwarded-For"), trusted_proxies)
        try:
            token, agent = await get_agents().login(username.strip().lower(), password, address)
        except TooManyLoginFailures:
            minutes = WINDOW_S // 60
            body = {"error": f"too many failed logins; try again in {minutes} minutes"}
            return web.json_response(body, status=429, headers={"Retry-After": str(WINDOW_S)})
        except LoginBusy:
            return web.json_response(BUSY, status=503, headers={"Retry-After": "5"})
        except LoginRefused:
            return web.json_response({"error": "wrong username or password"}, status=401)
        return web.json_response({"token": token, "agent": agent.to_public()})

    async def logout(request: web.Request) -> web.Response:
        await staff_member(get_agents(), request)
        token = bearer_token(request)
        if token:
            await get_agents().logout(token)
        return web.Response(status=204)

    async def me(request: web.Request) -> web.Response:
        return web.json_response({"agent": (await staff_member(get_agents(), request)).to_public()})

    async def language(request: web.Request) -> web.Response:
        agents = get_agents()
        agent = await staff_member(agents, request)
        limiter = RateLimiter(agents.redis, "staff_language", LANGUAGE_CHANGES_PER_MINUTE, 60)
        if not await limiter.allow(agent.username):
            raise json_error(web.HTTPTooManyRequests, "too many language changes; try again in a minute")
        try:
            body = await request.json()
        except ValueError:
            body = None
        chosen = _chosen_language(body)
        try:
            await agents.set_language(agent.username, chosen)
        except UnknownAccount:  # removed since the token was checked
            raise json_error(web.HTTPUnauthorized, "unauthorized") from None
        return web.json_response({"agent": {**agent.to_public(), "language": chosen}})

    app.router.add_post("/api/agent/login", login)
    app.router.add_post("/api/agent/logout", logout)
    app.router.add_get("/api/agent/me", me)
    app.router.add_put("/api/agent/language", language)
