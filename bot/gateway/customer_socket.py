"""Socket.io handlers of the customer namespace: thin, they parse and delegate.

The conversation id lives in the socket's server-side session, never taken
from the client after ``session_request``: a client cannot write into a
conversation by naming it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import socketio
from redis.exceptions import RedisError

from bot.core.conversations import ConversationState
from bot.core.customer_protocol import (
    CustomerEvent,
    ProtocolError,
    ProtocolErrorCode,
    UserMessage,
    parse_session_request,
    parse_user_message,
)
from bot.core.customer_text import customer_text
from bot.core.languages import DEFAULT_LANGUAGE, Language, parse_language_tag
from bot.core.logs import log_fields
from bot.core.settings import Settings
from bot.core.signals import HandoffReason, HandoffSignal
from bot.gateway.dialogue import AcceptedMessage, Dialogue, Outcome, UnknownConversation
from bot.gateway.rate_limit import RateLimiter
from handoff.notify import conversation_room
from handoff.service import HandoffService, customer_history

log = logging.getLogger(__name__)

SESSION_FIELD = "session_id"
ADDRESS_FIELD = "address"
MAX_PAGES_KEPT = 10


def register_customer_handlers(
    sio: socketio.AsyncServer,
    get_dialogue: Callable[[], Dialogue],
    get_handoff: Callable[[], HandoffService],
    get_limits: Callable[[], CustomerLimits],
    settings: Settings,
) -> None:
    """Attach the customer protocol to ``sio`` (namespace ``/``)."""

    async def emit_error(sid: str, code: ProtocolErrorCode, language: Language, **params: Any) -> None:
        text = customer_text(language, code.value, **params)
        await sio.emit(CustomerEvent.ERROR, {"code": code.value, "message": text}, to=sid)

    @sio.on("connect")  # type: ignore[untyped-decorator]
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await sio.save_session(sid, {ADDRESS_FIELD: client_address(environ, settings.trust_forwarded_for)})

    async def start_session(sid: str, requested: str | None, language: Language | None) -> str:
        opened = await get_dialogue().open_session(requested, language)
        async with sio.session(sid) as session:
            previous = session.get(SESSION_FIELD)
            session[SESSION_FIELD] = opened.session_id
        if previous and previous != opened.session_id:
            await sio.leave_room(sid, conversation_room(previous))
        await sio.enter_room(sid, conversation_room(opened.session_id))
        await sio.emit(CustomerEvent.SESSION_CONFIRM, opened.session_id, to=sid)
        if opened.resumed:
            entries = await get_dialogue().store.transcript(opened.session_id)
            await sio.emit(CustomerEvent.HISTORY, {"messages": customer_history(entries)}, to=sid)
            await send_handoff_state(sid, opened.session_id)
        return opened.session_id

    async def send_handoff_state(sid: str, conversation_id: str) -> None:
        """After a reload the widget is told again where the customer stands."""
        conversation = await get_dialogue().store.get(conversation_id)
        if conversation is None or conversation.state is ConversationState.BOT:
            return
        if conversation.state is ConversationState.QUEUED:
            await get_handoff().notify.queue_changed()
            return
        agent = await get_handoff().agents.get(conversation.agent or "")
        status = {"state": "assigned", "agent": agent.display_name if agent else ""}
        await sio.emit(CustomerEvent.HANDOFF_STATUS, status, to=sid)

    @sio.on(CustomerEvent.SESSION_REQUEST)  # type: ignore[untyped-decorator]
    async def session_request(sid: str, data: Any = None) -> None:
        request = parse_session_request(data)
        try:
            await start_session(sid, request.session_id, request.language)
        except RedisError as error:
            log.error("session_request failed: redis: %s", error)
            await emit_error(sid, ProtocolErrorCode.SERVICE_UNAVAILABLE, DEFAULT_LANGUAGE)

    @sio.on(CustomerEvent.HISTORY_REQUEST)  # type: ignore[untyped-decorator]
    async def history_request(sid: str, data: Any = None) -> None:
        session = await sio.get_session(sid)
        conversation_id = session.get(SESSION_FIELD)
        if not conversation_id:
            return
        after = data.get("after_seq", 0) if isinstance(data, dict) else 0
        after = after if isinstance(after, int) and after >= 0 else 0
        try:
            entries = await get_dialogue().store.transcript(conversation_id, after)
        except RedisError as error:
            log.error("history_request failed: redis: %s", error, extra=log_fields(conversation=conversation_id))
            await emit_error(sid, ProtocolErrorCode.SERVICE_UNAVAILABLE, DEFAULT_LANGUAGE)
            return
        await sio.emit(CustomerEvent.HISTORY, {"messages": customer_history(entries)}, to=sid)

    @sio.on(CustomerEvent.REQUEST_HANDOFF)  # type: ignore[untyped-decorator]
    async def request_handoff(sid: str, data: Any = None) -> None:
        session = await sio.get_session(sid)
        conversation_id = session.get(SESSION_FIELD)
        if conversation_id and await within_limits(session.get(ADDRESS_FIELD, "?"), conversation_id):
            await get_handoff().request(conversation_id, HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST))

    @sio.on(CustomerEvent.TYPING)  # type: ignore[untyped-decorator]
    async def customer_typing(sid: str, data: Any = None) -> None:
        conversation_id = (await sio.get_session(sid)).get(SESSION_FIELD)
        if conversation_id:
            await get_handoff().customer_typing(conversation_id, bool(isinstance(data, dict) and data.get("on")))

    @sio.on(CustomerEvent.RATING)  # type: ignore[untyped-decorator]
    async def rating(sid: str, data: Any = None) -> dict[str, bool]:
        conversation_id = (await sio.get_session(sid)).get(SESSION_FIELD)
        if not conversation_id or not isinstance(data, dict):
            return {"ok": False}
        return {"ok": await get_handoff().rate(conversation_id, data.get("score"), data.get("comment"))}

    @sio.on(CustomerEvent.OFFLINE_TICKET)  # type: ignore[untyped-decorator]
    async def offline_ticket(sid: str, data: Any = None) -> dict[str, bool]:
        session = await sio.get_session(sid)
        conversation_id = session.get(SESSION_FIELD)
        if not conversation_id or not isinstance(data, dict):
            return {"ok": False}
        if not await within_limits(session.get(ADDRESS_FIELD, "?"), conversation_id):
            return {"ok": False}
        return {"ok": await get_handoff().leave_offline_ticket(conversation_id, data.get("email"), data.get("message"))}

    @sio.on(CustomerEvent.USER_UTTERED)  # type: ignore[untyped-decorator]
    async def user_uttered(sid: str, data: Any = None) -> None:
        session = await sio.get_session(sid)
        conversation_id: str | None = session.get(SESSION_FIELD)
        try:
            message = parse_user_message(data, settings.max_message_chars)
        except ProtocolError as error:
            language = _language_hint(data)
            log.info("customer message refused", extra=log_fields(conversation=conversation_id, code=error.code.value))
            await emit_error(sid, error.code, language, **error.params)
            return
        try:
            if not await within_limits(session.get(ADDRESS_FIELD, "?"), conversation_id):
                log.warning("rate limited", extra=log_fields(conversation=conversation_id))
                await emit_error(sid, ProtocolErrorCode.RATE_LIMITED, message.language or DEFAULT_LANGUAGE)
                return
            accepted = await accept(sid, conversation_id, message)
        except RedisError as error:
            # Nothing was acknowledged: the widget keeps the message and resends it.
            log.error("message not stored: redis: %s", error, extra=log_fields(conversation=conversation_id))
            await emit_error(sid, ProtocolErrorCode.SERVICE_UNAVAILABLE, message.language or DEFAULT_LANGUAGE)
            return
        await sio.emit(
            CustomerEvent.MESSAGE_ACK,
            {"client_message_id": message.client_message_id, "seq": accepted.seq, "duplicate": accepted.duplicate},
            to=sid,
        )
        await remember_page(accepted.conversation_id, message.metadata)
        if not accepted.for_assistant:
            if not accepted.duplicate:
                await get_handoff().customer_entry(accepted.conversation_id, accepted.seq)
            return
        room = conversation_room(accepted.conversation_id)
        await sio.emit(CustomerEvent.TYPING, {"sender": "bot", "on": True}, room=room)
        try:
            outcome = await get_dialogue().ask_assistant(accepted)
        except RedisError as error:
            log.error("reply not stored: redis: %s", error, extra=log_fields(conversation=accepted.conversation_id))
            await emit_error(sid, ProtocolErrorCode.SERVICE_UNAVAILABLE, accepted.language)
            return
        finally:
            await sio.emit(CustomerEvent.TYPING, {"sender": "bot", "on": False}, room=room)
        await send_outcome(accepted.conversation_id, outcome)

    async def within_limits(address: str, conversation_id: str | None) -> bool:
        limits = get_limits()
        if not await limits.per_address.allow(address):
            return False
        return conversation_id is None or await limits.per_session.allow(conversation_id)

    async def accept(sid: str, conversation_id: str | None, message: UserMessage) -> AcceptedMessage:
        if conversation_id is None:
            # Old widgets may skip session_request; give them a session first.
            conversation_id = await start_session(sid, message.session_id, message.language)
        try:
            return await get_dialogue().accept_customer_message(conversation_id, message)
        except UnknownConversation:
            # The conversation expired while the socket stayed open.
            conversation_id = await start_session(sid, None, message.language)
            return await get_dialogue().accept_customer_message(conversation_id, message)

    async def remember_page(conversation_id: str, metadata: dict[str, Any]) -> None:
        page = metadata.get("page")
        if not (isinstance(page, str) and page.startswith(("http://", "https://")) and len(page) <= 500):
            return
        store = get_dialogue().store
        pages = json.loads(await store.get_field(conversation_id, "pages") or "[]")
        if not pages or pages[-1] != page:
            await store.set_fields(conversation_id, pages=json.dumps([*pages, page][-MAX_PAGES_KEPT:]))

    async def send_outcome(conversation_id: str, outcome: Outcome) -> None:
        room = conversation_room(conversation_id)
        for entry in outcome.replies:
            payload: dict[str, Any] = {"text": entry.text, **entry.extra}
            payload["metadata"] = {"sender": "bot", "seq": entry.seq, "language": entry.language}
            await sio.emit(CustomerEvent.BOT_UTTERED, payload, room=room)
        if outcome.handoff is not None:
            # The dialogue queued the conversation; tell the customer their place
            # and the agents the new queue.
            await get_handoff().notify.queue_changed()


@dataclass(frozen=True)
class CustomerLimits:
    per_session: RateLimiter
    per_address: RateLimiter


def client_address(environ: dict[str, Any], trust_forwarded_for: bool) -> str:
    """The customer's IP address, from the proxy's header only when configured to trust it."""
    request = environ.get("aiohttp.request")
    if trust_forwarded_for:
        forwarded = str(environ.get("HTTP_X_FORWARDED_FOR", "")).split(",")[0].strip()
        if forwarded:
            return forwarded
    remote = getattr(request, "remote", None) or environ.get("REMOTE_ADDR")
    return str(remote or "unknown")


def _language_hint(data: object) -> Language:
    """The page's language from a payload we could not otherwise accept."""
    if isinstance(data, dict):
        for key in ("customData", "metadata"):
            meta = data.get(key)
            if isinstance(meta, dict):
                language = parse_language_tag(meta.get("language"))
                if language:
                    return language
    return DEFAULT_LANGUAGE
