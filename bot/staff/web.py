"""What the staff pages share: the sign-in token check by role, and serving a page's files.

The console (agents), the trainer page and the analytics dashboard all sign in
with ``POST /api/agent/login`` and send the token as ``Authorization: Bearer``;
their files are served with a Content-Security-Policy that allows no inline
script or style, so customer text can never run as code there.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Final

from aiohttp import web

from bot.core.agent_protocol import AgentRole
from bot.core.languages import LANGUAGES
from bot.staff.accounts import Agent, AgentDirectory

__all__ = ["LOCALE_FILES", "STAFF_CSP", "STAFF_SCRIPTS", "add_staff_page", "bearer_token", "json_error", "staff_member"]

STAFF_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
STATIC_TYPES: Final = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json"}
#: What a page's own directory may serve (catalogs come from LOCALE_FILES only).
PAGE_TYPES: Final = (".html", ".js", ".css")
PAGES_DIR: Final = Path(__file__).parent / "pages"
#: The staff pages' strings, one catalog a language (``<code>.json``), read by ``pages/i18n.js``;
#: served under every staff page's path as ``locales/<code>.json``.
LOCALES_DIR: Final = PAGES_DIR / "locales"
LOCALE_FILES: Final[dict[str, Path]] = {code: LOCALES_DIR / f"{code}.json" for code in LANGUAGES}
#: What the staff pages share (sign-in.js, shell.js, dom.js, languages.js, staff.css and the
#: generated constants.js), served under every staff page's path.
STAFF_SCRIPTS: Final = {path.name: path for path in sorted(PAGES_DIR.iterdir()) if path.suffix in (".js", ".css")}


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def json_error(status: type[web.HTTPError], message: str) -> web.HTTPError:
    """An HTTP error whose body is ``{"error": message}``, to raise from a handler."""
    return status(text=json.dumps({"error": message}), content_type="application/json")


async def staff_member(
    agents: AgentDirectory, request: web.Request, roles: Collection[AgentRole] | None = None
) -> Agent:
    """The signed-in account; 401 without a valid token, 403 when its role is not one of ``roles``."""
    agent = await agents.agent_for_token(bearer_token(request))
    if agent is None:
        raise json_error(web.HTTPUnauthorized, "unauthorized")
    if roles is not None and agent.role not in roles:
        allowed = " and ".join(sorted(f"{role.value}s" for role in roles))
        raise json_error(web.HTTPForbidden, f"{allowed} only")
    return agent


def add_staff_page(app: web.Application, prefix: str, directory: Path, extra: Mapping[str, Path] = {}) -> None:
    """Serve ``directory``'s html, js and css under ``/prefix/`` (``index.html`` at the root).

    The shared staff files (:data:`STAFF_SCRIPTS`) and ``extra`` (a library from
    ``node_modules``) are served under ``/prefix/<name>`` too, and the
    registered languages' catalogs under ``/prefix/locales/<code>.json``;
    nothing else outside ``directory`` is reachable. ``/prefix`` redirects to
    ``prefix/`` (relative), so a page is always read from its folder: its html
    names its files relatively, and its scripts reach the gateway through
    ``pages/gateway.js``, never from the root, so the pages also work where a
    proxy serves the gateway under a path (``/support/console/``).
    """
    extra = {**STAFF_SCRIPTS, **extra}

    async def page_file(request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name") or "index.html"
        path = extra.get(name) or directory / name
        if path.suffix not in PAGE_TYPES or (name not in extra and path.parent != directory):
            raise web.HTTPNotFound()
        return _serve(path)

    async def locale_file(request: web.Request) -> web.StreamResponse:
        path = LOCALE_FILES.get(request.match_info["code"])
        if path is None:
            raise web.HTTPNotFound()
        return _serve(path)

    def _serve(path: Path) -> web.StreamResponse:
        if not path.is_file():
            raise web.HTTPNotFound()
        headers = {
            "Content-Type": f"{STATIC_TYPES[path.suffix]}; charset=utf-8",
            "Content-Security-Policy": STAFF_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
            "Referrer-Policy": "same-origin",
        }
        return web.FileResponse(path, headers=headers)

    async def page_root(request: web.Request) -> web.StreamResponse:
        # Relative, so it holds behind a proxy that serves the gateway under a path:
        # from /support/console it leads to /support/console/.
        raise web.HTTPFound(f"{prefix}/")

    app.router.add_get(f"/{prefix}", page_root)
    app.router.add_get(f"/{prefix}/", page_file)
    app.router.add_get(f"/{prefix}/{{name:[A-Za-z0-9_.-]+}}", page_file)
    app.router.add_get(f"/{prefix}/locales/{{code:[a-z]{{2,3}}}}.json", locale_file)
