"""The console's REST edge: offline tickets, the roster and customer data controls (supervisors), the console's files.

Sign-in (``/api/agent/login``) is the staff pages' shared one, :mod:`bot.staff.api`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from bot.core.agent_protocol import AgentErrorCode, AgentRequestError, AgentRole
from bot.core.logs import log_fields
from bot.core.paths import PROJECT_ROOT
from bot.core.rate_limit import RateLimiter
from bot.staff.accounts import AgentDirectory
from bot.staff.web import add_staff_page, json_error, staff_member
from handoff.attachments import AttachmentKind, AttachmentRefused, Attachments, thumbnail_type
from handoff.desk import AgentDesk
from handoff.privacy import CustomerRecords, Subject, SubjectRefused

__all__ = [
    "CONSOLE_DIR",
    "Upload",
    "UploadRefused",
    "read_upload",
    "register_attachment_routes",
    "register_console_routes",
    "register_customer_data_routes",
]

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


# --- attachments ------------------------------------------------------------------

#: What stops a browser from running a served attachment: no scripts, no plugins, a sandbox.
ATTACHMENT_CSP: Final = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
MAX_FORM_FIELD_CHARS: Final = 300
READ_CHUNK_BYTES: Final = 64 * 1024


class UploadRefused(Exception):
    """A multipart upload we cannot read: ``code`` and the HTTP status it is answered with."""

    def __init__(self, code: str, status: int) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Upload:
    fields: dict[str, str]
    filename: str
    data: bytes


async def read_upload(request: web.Request, max_bytes: int) -> Upload:
    """A ``multipart/form-data`` body with short text fields and one ``file``, read in chunks and never more
    than ``max_bytes`` of it (:class:`UploadRefused` ``too_large``, 413), whatever the request claims."""
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError):
        raise UploadRefused("malformed", 400) from None
    fields: dict[str, str] = {}
    filename, data = "", b""
    found = False
    while True:
        try:
            part = await reader.next()
        except (AssertionError, ValueError):
            raise UploadRefused("malformed", 400) from None
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            raise UploadRefused("malformed", 400)
        if part.name == "file" and not found:
            found = True
            filename = part.filename or ""
            chunks, size = [], 0
            while chunk := await part.read_chunk(READ_CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRefused("too_large", 413)
                chunks.append(chunk)
            data = b"".join(chunks)
        elif part.name:
            value = await part.read(decode=True)
            if len(value) > MAX_FORM_FIELD_CHARS:
                raise UploadRefused("malformed", 400)
            fields[part.name] = value.decode("utf-8", errors="replace")
    if not found:
        raise UploadRefused("malformed", 400)
    return Upload(fields, filename, data)


def register_attachment_routes(
    app: web.Application,
    get_agents: Callable[[], AgentDirectory],
    get_desk: Callable[[], AgentDesk],
    get_attachments: Callable[[], Attachments],
    per_minute: int,
) -> None:
    """``GET /attachments/<id>`` (the signed URL a conversation's people have) and ``POST /api/agent/attachments``."""

    async def serve(request: web.Request) -> web.Response:
        query = request.query
        thumb = query.get("thumb") == "1"
        attachment_id, conversation_id = request.match_info["id"], query.get("c", "")
        opened = await get_attachments().open(attachment_id, conversation_id, query.get("s", ""), thumb=thumb)
        if opened is None:
            raise web.HTTPNotFound()
        attachment, data = opened
        disposition = "inline" if attachment.kind is AttachmentKind.IMAGE else "attachment"
        headers = {
            "Content-Type": thumbnail_type(data) if thumb else attachment.mime,
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(attachment.name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": ATTACHMENT_CSP,
            "Cross-Origin-Resource-Policy": "cross-origin",  # the widget shows it on the shop's own pages
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "private, max-age=86400",
        }
        return web.Response(body=data, headers=headers)

    async def agent_upload(request: web.Request) -> web.Response:
        agents = get_agents()
        agent = await staff_member(agents, request, {AgentRole.AGENT, AgentRole.SUPERVISOR})
        if not await RateLimiter(agents.redis, "agent_attachments", per_minute, 60).allow(agent.username):
            raise json_error(web.HTTPTooManyRequests, "rate_limited")
        try:
            upload = await read_upload(request, get_attachments().max_bytes)
            conversation_id = upload.fields.get("conversation_id", "")
            if not conversation_id:
                raise UploadRefused("malformed", 400)
            entry = await get_desk().send_attachment(agent, conversation_id, upload.filename, upload.data)
        except UploadRefused as refused:
            return web.json_response({"error": refused.code}, status=refused.status)
        except AttachmentRefused as refused:
            return web.json_response({"error": refused.reason.value}, status=UPLOAD_STATUS[refused.reason.value])
        except AgentRequestError as error:
            return web.json_response(error.to_ack(), status=AGENT_ERROR_STATUS.get(error.code, 400))
        return web.json_response({"entry": entry}, status=201)

    app.router.add_get("/attachments/{id}", serve)
    app.router.add_post("/api/agent/attachments", agent_upload)


#: HTTP statuses of refusals, by code.
UPLOAD_STATUS: Final = {"malformed": 400, "too_large": 413, "type_not_allowed": 415}
AGENT_ERROR_STATUS: Final = {
    AgentErrorCode.NOT_FOUND: 404,
    AgentErrorCode.NOT_YOURS: 403,
    AgentErrorCode.NOT_ASSIGNED: 409,
    AgentErrorCode.UNAVAILABLE: 503,
}
