"""The customer's attachment upload: ``POST /api/attachments`` from the widget, on the shop's pages.

A ``multipart/form-data`` body (a simple cross-origin request: no preflight)
with the widget's signed ``session_id`` and one ``file``. The session is the
credential, as on the socket; the file goes to the person who has, or will
have, the conversation (:meth:`handoff.service.HandoffService.customer_attachment`).
Answers ``201 {entry}`` or ``{error}``: ``malformed`` 400, ``unknown_session``
403, ``not_with_a_person`` 409, ``too_large`` 413, ``type_not_allowed`` 415,
``rate_limited`` 429, ``service_unavailable`` 503. Counted per session and per
address; readable by the origins in ``ALLOWED_ORIGINS``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiohttp import web
from redis.exceptions import RedisError

from bot.core.addresses import Network, client_address
from bot.core.logs import log_fields
from bot.core.rate_limit import RateLimiter
from bot.gateway.sessions import conversation_id_of, is_signed_session_id
from handoff.attachments import AttachmentRefused
from handoff.console_api import UPLOAD_STATUS, UploadRefused, read_upload
from handoff.service import HandoffService, NotWithAPerson

__all__ = ["UploadServices", "register_upload_route"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadServices:
    handoff: HandoffService
    #: Attachments per session, and per address over all its sessions.
    per_session: RateLimiter
    per_address: RateLimiter
    session_secret: str
    max_bytes: int


def register_upload_route(
    app: web.Application,
    services: Callable[[], UploadServices],
    origins: list[str] | str,
    trusted_proxies: Sequence[Network] = (),
) -> None:
    def answer(request: web.Request, body: dict[str, object], status: int) -> web.Response:
        response = web.json_response(body, status=status)
        origin = request.headers.get("Origin", "")
        if origins == "*":
            response.headers["Access-Control-Allow-Origin"] = "*"
        elif origin in origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response

    async def upload(request: web.Request) -> web.Response:
        s = services()
        address = client_address(request.remote, request.headers.get("X-Forwarded-For"), trusted_proxies)
        try:
            if not await s.per_address.allow(address):
                return answer(request, {"error": "rate_limited"}, 429)
            form = await read_upload(request, s.max_bytes)
            session_id = form.fields.get("session_id", "")
            if not is_signed_session_id(s.session_secret, session_id):
                return answer(request, {"error": "unknown_session"}, 403)
            conversation_id = conversation_id_of(session_id)
            if not await s.per_session.allow(conversation_id):
                return answer(request, {"error": "rate_limited"}, 429)
            entry = await s.handoff.customer_attachment(conversation_id, form.filename, form.data)
        except UploadRefused as refused:
            return answer(request, {"error": refused.code}, refused.status)
        except AttachmentRefused as refused:
            log.info("attachment refused", extra=log_fields(reason=refused.reason.value))
            return answer(request, {"error": refused.reason.value}, UPLOAD_STATUS[refused.reason.value])
        except NotWithAPerson:
            return answer(request, {"error": "not_with_a_person"}, 409)
        except (RedisError, OSError) as error:
            log.error("attachment not stored: %s", error)
            return answer(request, {"error": "service_unavailable"}, 503)
        return answer(request, {"entry": entry.to_public()}, 201)

    app.router.add_post("/api/attachments", upload)
