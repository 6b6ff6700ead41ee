"""The analytics edge: ``/api/analytics`` (JSON), ``/api/analytics.csv`` and the ``/dashboard/`` page.

Both endpoints want an agent token (``Authorization: Bearer``, from
``POST /api/agent/login``) of a supervisor or a trainer: 401 without a valid
one, 403 for a plain agent. The figures are in :mod:`bot.analytics.report`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

from aiohttp import web

from bot.analytics.recorder import AnalyticsRecorder
from bot.analytics.report import BadDateRange, Report, parse_date_range, read_report, report_csv
from bot.core.agent_protocol import AgentRole
from bot.staff.accounts import Agent, AgentDirectory
from bot.staff.web import add_staff_page, json_error, staff_member

__all__ = ["ANALYTICS_ROLES", "DASHBOARD_DIR", "register_analytics_routes"]

DASHBOARD_DIR: Final = Path(__file__).parent / "dashboard"
ANALYTICS_ROLES: Final = frozenset({AgentRole.SUPERVISOR, AgentRole.TRAINER})
#: The page loads the charting library under this name; it is served from web_widget/node_modules.
CHART_JS_NAME: Final = "chart.umd.js"


def register_analytics_routes(
    app: web.Application,
    get_agents: Callable[[], AgentDirectory],
    get_recorder: Callable[[], AnalyticsRecorder],
    chart_js: Path,
) -> None:
    """The two analytics endpoints and the dashboard's files (``chart_js``: Chart.js's UMD build)."""

    async def allowed(request: web.Request) -> Agent:
        return await staff_member(get_agents(), request, ANALYTICS_ROLES)

    async def report(request: web.Request) -> Report:
        await allowed(request)
        try:
            start, end = parse_date_range(request.query.get("from"), request.query.get("to"))
        except BadDateRange as error:
            raise json_error(web.HTTPBadRequest, str(error)) from error
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

    app.router.add_get("/api/analytics", analytics_json)
    app.router.add_get("/api/analytics.csv", analytics_csv)
    add_staff_page(app, "dashboard", DASHBOARD_DIR, {CHART_JS_NAME: chart_js})
