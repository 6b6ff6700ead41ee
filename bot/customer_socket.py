"""Socket.io handlers of the customer namespace: thin, they parse and delegate.

The conversation id lives in the socket's server-side session, never taken
from the client after ``session_request``: a client cannot write into a
conversation by naming it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import socketio

from bot.dialogue import Dialogue, Outcome, UnknownConversation
from bot.language import DEFAULT_LANGUAGE, Language
from bot.logs import log_fields
from bot.protocol import (
    CustomerEvent,
    ProtocolError,
    ProtocolErrorCode,
    parse_session_request,
    parse_user_message,
)
from bot.settings import Settings
from bot.strings import customer_text

log = logging.getLogger(__name__)

SESSION_FIELD = "session_id"


def conversation_room(conversation_id: str) -> str:
    """The socket.io room of every customer socket of one conversation."""
    return f"conversation:{conversation_id}"


def register_customer_handlers(sio: socketio.AsyncServer, get_dialogue: Callable[[], Dialogue], settings: Settings) -> None:
    """Attach the customer protocol to ``sio`` (namespace ``/``)."""

    async def emit_error(sid: str, error: ProtocolError, language: Language) -> None:
        text = customer_text(language, error.code.value, **error.params) if error.code != ProtocolErrorCode.MALFORMED else error.detail
        await sio.emit(CustomerEvent.ERROR, {"code": error.code.value, "message": text}, to=sid)

    async def start_session(sid: str, requested: str | None, language: Language | None) -> str:
        opened = await get_dialogue().open_session(requested, language)
        await sio.save_session(sid, {SESSION_FIELD: opened.session_id})
        await sio.enter_room(sid, conversation_room(opened.session_id))
        await sio.emit(CustomerEvent.SESSION_CONFIRM, opened.session_id, to=sid)
        if opened.resumed:
            entries = await get_dialogue().store.transcript(opened.session_id)
            await sio.emit(CustomerEvent.HISTORY, {"messages": [e.to_public() for e in entries]}, to=sid)
        return opened.session_id

    @sio.on(CustomerEvent.SESSION_REQUEST)  # type: ignore[untyped-decorator]
    async def session_request(sid: str, data: Any = None) -> None:
        request = parse_session_request(data)
        await start_session(sid, request.session_id, None)

    @sio.on(CustomerEvent.HISTORY_REQUEST)  # type: ignore[untyped-decorator]
    async def history_request(sid: str, data: Any = None) -> None:
        session = await sio.get_session(sid)
        conversation_id = session.get(SESSION_FIELD)
        if not conversation_id:
            return
        after = data.get("after_seq", 0) if isinstance(data, dict) else 0
        after = after if isinstance(after, int) and after >= 0 else 0
        entries = await get_dialogue().store.transcript(conversation_id, after)
        await sio.emit(CustomerEvent.HISTORY, {"messages": [e.to_public() for e in entries]}, to=sid)

    @sio.on(CustomerEvent.USER_UTTERED)  # type: ignore[untyped-decorator]
    async def user_uttered(sid: str, data: Any = None) -> None:
        session = await sio.get_session(sid)
        conversation_id: str | None = session.get(SESSION_FIELD)
        language: Language = DEFAULT_LANGUAGE
        try:
            message = parse_user_message(data, settings.max_message_chars)
            language = message.language or language
            if conversation_id is None:
                # Old widgets may skip session_request; give them a session first.
                conversation_id = await start_session(sid, message.session_id, message.language)
            try:
                outcome = await get_dialogue().handle_customer_message(conversation_id, message)
            except UnknownConversation:
                # The conversation expired while the socket stayed open.
                conversation_id = await start_session(sid, None, message.language)
                outcome = await get_dialogue().handle_customer_message(conversation_id, message)
        except ProtocolError as error:
            log.info("customer message refused", extra=log_fields(conversation=conversation_id, code=error.code.value))
            await emit_error(sid, error, language)
            return
        await send_outcome(conversation_id, outcome)

    async def send_outcome(conversation_id: str, outcome: Outcome) -> None:
        room = conversation_room(conversation_id)
        for entry in outcome.replies:
            payload: dict[str, Any] = {"text": entry.text, **entry.extra}
            payload["metadata"] = {"sender": "bot", "seq": entry.seq, "language": entry.language}
            await sio.emit(CustomerEvent.BOT_UTTERED, payload, room=room)
        if outcome.handoff is not None:
            await sio.emit(
                CustomerEvent.HANDOFF_STATUS,
                {"state": "queued", "reason": outcome.handoff.reason.value},
                room=room,
            )
