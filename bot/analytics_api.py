"""The analytics edge: ``/api/analytics`` (JSON), ``/api/analytics.csv`` and the ``/dashboard/`` page.

Both endpoints want an agent token (``Authorization: Bearer``, from
``POST /api/agent/login``) of a supervisor or a trainer: 401 without a valid
one, 403 for a plain agent. The figures are in :mod:`bot.analytics_report`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Final

from aiohttp import web

from bot.analytics import AnalyticsRecorder
from bot.analytics_report import BadDateRange, Report, parse_date_range, read_report, report_csv
from handoff.agents import Agent, AgentDirectory, AgentRole
from handoff.console_api import CONSOLE_CSP, STATIC_TYPES, bearer_token

__all__ = ["ANALYTICS_ROLES", "DASHBOARD_DIR", "register_analytics_routes"]

DASHBOARD_DIR: Final = Path(__file__).parent / "dashboard"
ANALYTICS_ROLES: Final = frozenset({AgentRole.SUPERVISOR, AgentRole.TRAINER})
#: The page loads the charting library under this name; it is served from web_widget/node_modules.
CHART_JS_NAME: Final = "chart.umd.js"


def _json_error(status: type[web.HTTPError], message: str) -> web.HTTPError:
    return status(text=json.dumps({"error": message}), content_type="application/json")


def register_analytics_routes(
    app: web.Application,
    get_agents: Callable[[], AgentDirectory],
    get_recorder: Callable[[], AnalyticsRecorder],
    chart_js: Path,
) -> None:
    """The two analytics endpoints and the dashboard's files (``chart_js``: Chart.js's UMD build)."""

    async def allowed(request: web.Request) -> Agent:
        agent = await get_agents().agent_for_token(bearer_token(request))
        if agent is None:
            raise _json_error(web.HTTPUnauthorized, "unauthorized")
        if agent.role not in ANALYTICS_ROLES:
            raise _json_error(web.HTTPForbidden, "supervisors and trainers only")
        return agent

    async def report(request: web.Request) -> Report:
        await allowed(request)
        try:
            start, end = parse_date_range(request.query.get("from"), request.query.get("to"))
        except BadDateRange as error:
            raise _json_error(web.HTTPBadRequest, str(error)) from error
        return await read_report(get_recorder().redis, start, end)

    async def analytics_json(request: web.Request) -> web.Response:
        return web.json_response((await report(request)).to_public(), headers={"Cache-Control": "no-store"})

    async def analytics_csv(request: web.Request) -> web.Response:
        figures = await report(request)
        filename = f"support-analytics-{figures.start.isoformat()}-{figures.end.isoformat()}.csv"
        return web.Response(
            text=report_csv(figures),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )

    async def dashboard_file(request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name") or "index.html"
        path = chart_js if name == CHART_JS_NAME else DASHBOARD_DIR / name
        if path.suffix not in STATIC_TYPES or path.parent not in (DASHBOARD_DIR, chart_js.parent):
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

    async def dashboard_root(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/dashboard/")

    app.router.add_get("/api/analytics", analytics_json)
    app.router.add_get("/api/analytics.csv", analytics_csv)
    app.router.add_get("/dashboard", dashboard_root)
    app.router.add_get("/dashboard/", dashboard_file)
    app.router.add_get(r"/dashboard/{name:[A-Za-z0-9_.-]+}", dashboard_file)
