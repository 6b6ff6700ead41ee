"""The console's REST edge: offline tickets, the roster and customer data controls (supervisors), the console's files.

Sign-in (``/api/agent/login``) is the staff pages' shared one, :mod:`bot.staff.api`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Final

from aiohttp import web

from bot.core.agent_protocol import AgentRole
from bot.core.logs import log_fields
from bot.core.paths import PROJECT_ROOT
from bot.core.rate_limit import RateLimiter
from bot.staff.accounts import AgentDirectory
from bot.staff.web import add_staff_page, json_error, staff_member
from handoff.desk import AgentDesk
from handoff.privacy import CustomerRecords, Subject, SubjectRefused

__all__ = ["CONSOLE_DIR", "register_console_routes", "register_customer_data_routes"]

log = logging.getLogger(__name__)

#: Exports and deletions one supervisor may ask for a minute.
DATA_REQUESTS_PER_MINUTE: Final = 20

CONSOLE_DIR: Final = Path(__file__).parent / "console"
#: The widget's safe Markdown renderer (and the link finder it uses): the console shows answers as the widget does.
_WIDGET_VIEW: Final = PROJECT_ROOT / "web_widget" / "src" / "view"
WIDGET_MARKDOWN: Final = {name: _WIDGET_VIEW / name for name in ("markdown.js", "links.js")}


def register_console_routes(
    app: web.Application,
    get_agents: Callable[[], AgentDirectory],
    get_desk: Callable[[], AgentDesk],
    socketio_client_js: Path,
) -> None:
    """``/api/agent/tickets``, ``/api/agent/agents`` and ``/console/``."""

    async def tickets(request: web.Request) -> web.Response:
        await staff_member(get_agents(), request)
        desk = get_desk()
        # email: whether agents can answer tickets from the console (else a mailto: link).
        return web.json_response({"tickets": await desk.offline_tickets(), "email": desk.mailer.configured})

    async def roster(request: web.Request) -> web.Response:
        await staff_member(get_agents(), request, {AgentRole.SUPERVISOR})
        return web.json_response({"agents": await get_agents().roster()})

    app.router.add_get("/api/agent/tickets", tickets)
    app.router.add_get("/api/agent/agents", roster)
    add_staff_page(app, "console", CONSOLE_DIR, {"socket.io.esm.min.js": socketio_client_js, **WIDGET_MARKDOWN})


def register_customer_data_routes(
    app: web.Application, get_agents: Callable[[], AgentDirectory], get_records: Callable[[], CustomerRecords]
) -> None:
    """``/api/agent/customer-data``: a supervisor exports (GET, a JSON file) or deletes (DELETE) what is kept
    about one customer, named by ``conversation_id``, ``customer_id`` (the shop's) or ``email``."""

    async def subject_of(request: web.Request) -> tuple[str, Subject]:
        agents = get_agents()
        supervisor = await staff_member(agents, request, {AgentRole.SUPERVISOR})
        limiter = RateLimiter(agents.redis, "customer_data", DATA_REQUESTS_PER_MINUTE, 60)
        if not await limiter.allow(supervisor.username):
            raise json_error(web.HTTPTooManyRequests, "too many requests; wait a moment")
        query = request.query
        try:
            subject = Subject.parse(
                query.get("conversation_id", ""), query.get("customer_id", ""), query.get("email", "")
            )
        except SubjectRefused as error:
            raise json_error(web.HTTPBadRequest, str(error)) from None
        return supervisor.username, subject

    async def export(request: web.Request) -> web.Response:
        supervisor, subject = await subject_of(request)
        data = await get_records().export(subject)
        log.info("customer data exported", extra=log_fields(agent=supervisor, conversations=len(data["conversations"])))
        response = web.json_response(data, dumps=lambda value: json.dumps(value, ensure_ascii=False, indent=2))
        response.headers["Content-Disposition"] = 'attachment; filename="customer-data.json"'
        response.headers["Cache-Control"] = "no-store"
        return response

    async def delete(request: web.Request) -> web.Response:
        supervisor, subject = await subject_of(request)
        deleted = await get_records().delete(subject)
        log.warning("customer data deleted on request", extra=log_fields(agent=supervisor, **deleted))
        return web.json_response({"deleted": deleted})

    app.router.add_get("/api/agent/customer-data", export)
    app.router.add_delete("/api/agent/customer-data", delete)
