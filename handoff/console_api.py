"""The console's REST edge: offline tickets, the supervisors' roster, and the console's files.

Sign-in (``/api/agent/login``) is the staff pages' shared one, :mod:`bot.staff.api`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

from aiohttp import web

from bot.core.agent_protocol import AgentRole
from bot.core.paths import PROJECT_ROOT
from bot.staff.accounts import AgentDirectory
from bot.staff.web import add_staff_page, staff_member
from handoff.desk import AgentDesk

__all__ = ["CONSOLE_DIR", "register_console_routes"]

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
