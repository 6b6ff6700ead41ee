"""The customer socket (namespace ``/``): thin handlers, one ``on_<event>`` each.

Each parses its payload with :mod:`bot.core.customer_protocol`, calls the
dialogue or the handoff service, and emits payloads built by that module.
The conversation id lives in the socket's server-side session, never taken
from the client after ``session_request``: a client cannot write into a
conversation by naming it. Every event is rate-limited (:meth:`CustomerNamespace.trigger_event`):
connections, new sessions, messages (per session and per address) and the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import socketio
from redis.exceptions import RedisError

from bot.core.addresses import UNKNOWN_ADDRESS, Network, client_address
from bot.core.customer_protocol import (
    CustomerEvent,
    ProtocolError,
    ProtocolErrorCode,
    UserMessage,
    ack_payload,
    conversation_room,
    error_payload,
    history_payload,
    message_ack_payload,
    parse_session_request,
    parse_user_message,
)
from bot.core.customer_text import customer_text
from bot.core.identity import Customer, IdentityRefused
from bot.core.languages import DEFAULT_LANGUAGE, Language, parse_language_tag
from bot.core.logs import log_fields
from bot.core.rate_limit import RateLimiter
from bot.core.signals import HandoffReason, HandoffSignal
from bot.gateway.dialogue import AcceptedMessage, Dialogue, NewSessionRefused, UnknownConversation
from bot.gateway.redis_memory import RedisMemory
from handoff.service import HandoffService

__all__ = ["CustomerLimits", "CustomerNamespace", "CustomerServices", "socket_address"]

log = logging.getLogger(__name__)

SESSION_FIELD: Final = "session_id"
ADDRESS_FIELD: Final = "address"
MAX_PAGE_URL_CHARS: Final = 500


#: Events with a limit of their own (or none: socket.io's disconnect).
OWN_LIMITS: Final = frozenset({"connect", "disconnect", CustomerEvent.SESSION_REQUEST, CustomerEvent.USER_UTTERED})


@dataclass(frozen=True)
class CustomerLimits:
    #: Messages of one session, and of one address over all its sessions.
    per_session: RateLimiter
    per_address: RateLimiter
    #: Connections, new sessions and every other event, per address.
    connections: RateLimiter
    sessions: RateLimiter
    events: RateLimiter


@dataclass(frozen=True)
class CustomerServices:
    dialogue: Dialogue
    handoff: HandoffService
    limits: CustomerLimits
    memory: RedisMemory


class CustomerNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(
        self, services: Callable[[], CustomerServices], max_message_chars: int, trusted_proxies: Sequence[Network] = ()
    ) -> None:
        super().__init__("/")
        self._services = services
        self.max_message_chars = max_message_chars
        self.trusted_proxies = trusted_proxies

    async def trigger_event(self, event: str, *args: Any) -> Any:
        """Events without a limit of their own share one budget per address; over it they are dropped."""
        if event not in OWN_LIMITS:
            try:
                address = (await self.get_session(args[0])).get(ADDRESS_FIELD, UNKNOWN_ADDRESS)
                allowed = await self._services().limits.events.allow(address)
            except (KeyError, RedisError) as error:
                log.warning("event refused: %s", error, extra=log_fields(event=event))
                allowed = False
            if not allowed:
                return ack_payload(False, ProtocolErrorCode.RATE_LIMITED)
        return await super().trigger_event(event, *args)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        address = socket_address(environ, self.trusted_proxies)
        try:
            allowed = await self._services().limits.connections.allow(address)
        except RedisError as error:
            log.error("connection refused: redis: %s", error)
            raise socketio.exceptions.ConnectionRefusedError(ProtocolErrorCode.SERVICE_UNAVAILABLE.value) from error
        if not allowed:
            log.warning("connection refused: rate limited")
            raise socketio.exceptions.ConnectionRefusedError(ProtocolErrorCode.RATE_LIMITED.value)
        await self.save_session(sid, {ADDRESS_FIELD: address})

    async def on_session_request(self, sid: str, data: Any = None) -> None:
        request = parse_session_request(data)
        language = request.language or DEFAULT_LANGUAGE
        customer, refused = None, None
        if request.identity is not None:
            try:
                customer = self._services().dialogue.verify_customer(request.identity)
            except IdentityRefused as error:
                # The chat goes on, not linked to any account; the shop's developers find why in the log.
                log.warning("identity refused: %s", error.reason.value)
                refused = error
        try:
            await self._start_session(sid, request.session_id, request.language, customer)
            if refused is not None:
                await self._emit_error(sid, ProtocolErrorCode.IDENTITY_REFUSED, language)
        except ProtocolError as error:
            await self._emit_error(sid, error.code, language)
        except RedisError as error:
            log.error("session_request failed: redis: %s", error)
            await self._emit_error(sid, ProtocolErrorCode.SERVICE_UNAVAILABLE, language)

    async def on_history_request(self, sid: str, data: Any = None) -> None:
        conversation_id = (await self.get_session(sid)).get(SESSION_FIELD)
        if not conversation_id:
            return
        after = data.get("after_seq", 0) if isinstance(data, dict) else 0
        after = after if isinstance(after, int) and after >= 0 else 0
        try:
            entries = await self._services().dialogue.store.transcript(conversation_id, after)
        except RedisError as error:
            log.error("history_request failed: redis: %s", error, extra=log_fields(conversation=conversation_id))
            await self._emit_error(sid, ProtocolErrorCode.SERVICE_UNAVAILABLE, DEFAULT_LANGUAGE)
            return
        await self.emit(CustomerEvent.HISTORY, history_payload(entries, after), to=sid)

    async def on_request_handoff(self, sid: str, data: Any = None) -> None:
        session = await self.get_session(sid)
        conversation_id = session.get(SESSION_FIELD)
        if conversation_id and await self._within_limits(session, conversation_id):
            signal = HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST)
            await self._services().handoff.request(conversation_id, signal)

    async def on_typing(self, sid: str, data: Any = None) -> None:
        conversation_id = (await self.get_session(sid)).get(SESSION_FIELD)
        if conversation_id:
            on = bool(isinstance(data, dict) and data.get("on"))
            await self._services().handoff.customer_typing(conversation_id, on)

    async def on_rating(self, sid: str, data: Any = None) -> dict[str, Any]:
        conversation_id = (await self.get_session(sid)).get(SESSION_FIELD)
        if not conversation_id or not isinstance(data, dict):
            return ack_payload(False)
        return ack_payload(await self._services().handoff.rate(conversation_id, data.get("score"), data.get("comment")))

    async def on_offline_ticket(self, sid: str, data: Any = None) -> dict[str, Any]:
        session = await self.get_session(sid)
        conversation_id = session.get(SESSION_FIELD)
        if not conversation_id or not isinstance(data, dict):
            return ack_payload(False)
        if not await self._within_limits(session, conversation_id):
            return ack_payload(False, ProtocolErrorCode.RATE_LIMITED)
        handoff = self._services().handoff
        return ack_payload(await handoff.leave_offline_ticket(conversation_id, data.get("email"), data.get("message")))

    async def on_transcript_email(self, sid: str, data: Any = None) -> dict[str, Any]:
        session = await self.get_session(sid)
        conversation_id = session.get(SESSION_FIELD)
        if not conversation_id or not isinstance(data, dict):
            return ack_payload(False, ProtocolErrorCode.MALFORMED)
        if not await self._within_limits(session, conversation_id):
            return ack_payload(False, ProtocolErrorCode.RATE_LIMITED)
        try:
            refused = await self._services().handoff.email_transcript(conversation_id, data.get("email"))
        except RedisError as error:
            log.error("transcript email failed: redis: %s", error, extra=log_fields(conversation=conversation_id))
            refused = ProtocolErrorCode.SERVICE_UNAVAILABLE
        return ack_payload(refused is None, refused)

    async def on_user_uttered(self, sid: str, data: Any = None) -> None:
        session = await self.get_session(sid)
        conversation_id: str | None = session.get(SESSION_FIELD)
        try:
            message = parse_user_message(data, self.max_message_chars)
        except ProtocolError as error:
            log.info("customer message refused", extra=log_fields(conversation=conversation_id, code=error.code.value))
            await self._emit_error(sid, error.code, _language_hint(data), **error.params)
            return
        language = message.language or DEFAULT_LANGUAGE
        try:
            if not await self._within_limits(session, conversation_id):
                log.warning("rate limited", extra=log_fields(conversation=conversation_id))
                await self._emit_error(sid, ProtocolErrorCode.RATE_LIMITED, language)
                return
            accepted = await self._accept(sid, conversation_id, message)
        except ProtocolError as error:  # no session could be opened for it; nothing stored
            await self._emit_error(sid, error.code, language)
            return
        except RedisError as error:
            # Nothing was acknowledged: the widget keeps the message and resends it.
            log.error("message not stored: redis: %s", error, extra=log_fields(conversation=conversation_id))
            await self._emit_error(sid, ProtocolErrorCode.SERVICE_UNAVAILABLE, language)
            return
        except Exception:
            log.exception("message not stored", extra=log_fields(conversation=conversation_id))
            await self._emit_error(sid, ProtocolErrorCode.SERVICE_UNAVAILABLE, language)
            return
        ack = message_ack_payload(message.client_message_id, accepted.seq, accepted.duplicate)
        await self.emit(CustomerEvent.MESSAGE_ACK, ack, to=sid)
        await self._after_ack(sid, accepted, message)

    async def _after_ack(self, sid: str, accepted: AcceptedMessage, message: UserMessage) -> None:
        """The message is stored: whatever fails now is logged and told, never lost."""
        fields = log_fields(conversation=accepted.conversation_id, language=accepted.language)
        dialogue = self._services().dialogue
        try:
            page = message.metadata.get("page")
            if isinstance(page, str) and page.startswith(("http://", "https://")) and len(page) <= MAX_PAGE_URL_CHARS:
                await dialogue.store.remember_page(accepted.conversation_id, page)
            await dialogue.respond(accepted)
        except RedisError as error:
            log.error("reply not stored: redis: %s", error, extra=fields)
            await self._emit_error(sid, ProtocolErrorCode.SERVICE_UNAVAILABLE, accepted.language)
        except Exception:
            log.exception("reply failed", extra=fields)
            await self._emit_error(sid, ProtocolErrorCode.SERVICE_UNAVAILABLE, accepted.language)

    async def _within_limits(self, session: dict[str, Any], conversation_id: str | None) -> bool:
        limits = self._services().limits
        if not await limits.per_address.allow(session.get(ADDRESS_FIELD, UNKNOWN_ADDRESS)):
            return False
        return conversation_id is None or await limits.per_session.allow(conversation_id)

    async def _accept(self, sid: str, conversation_id: str | None, message: UserMessage) -> AcceptedMessage:
        dialogue = self._services().dialogue
        if conversation_id is None:
            # Old widgets may skip session_request; give them a session first.
            conversation_id = await self._start_session(sid, message.session_id, message.language)
        try:
            return await dialogue.accept_customer_message(conversation_id, message)
        except UnknownConversation:
            # The conversation expired while the socket stayed open.
            conversation_id = await self._start_session(sid, None, message.language)
            return await dialogue.accept_customer_message(conversation_id, message)

    async def _start_session(
        self, sid: str, requested: str | None, language: Language | None, customer: Customer | None = None
    ) -> str:
        """Resume or open the socket's session (``customer``'s own, if verified); :class:`ProtocolError` if refused."""
        services = self._services()
        if not await services.limits.sessions.allow((await self.get_session(sid)).get(ADDRESS_FIELD, UNKNOWN_ADDRESS)):
            log.warning("session refused: rate limited")
            raise ProtocolError(ProtocolErrorCode.RATE_LIMITED)
        try:
            opened = await services.dialogue.open_session(
                requested, language, new_allowed=await services.memory.has_room(), customer=customer
            )
        except NewSessionRefused:
            log.warning("session refused: redis is nearly full")
            raise ProtocolError(ProtocolErrorCode.SERVICE_BUSY) from None
        async with self.session(sid) as session:
            previous = session.get(SESSION_FIELD)
            session[SESSION_FIELD] = opened.conversation_id
        if previous and previous != opened.conversation_id:
            await self.leave_room(sid, conversation_room(previous))
        await self.enter_room(sid, conversation_room(opened.conversation_id))
        await self.emit(CustomerEvent.SESSION_CONFIRM, opened.session_id, to=sid)
        # The widget shows the greeting while the chat is empty (a resumed one may be, too).
        welcome = await services.dialogue.welcome(language or DEFAULT_LANGUAGE)
        if welcome is not None:
            await self.emit(CustomerEvent.WELCOME, welcome, to=sid)
        if opened.resumed:
            entries = await services.dialogue.store.transcript(opened.conversation_id)
            await self.emit(CustomerEvent.HISTORY, history_payload(entries), to=sid)
            # After a reload the widget is told again where the customer stands.
            status = await services.handoff.customer_resumed(opened.conversation_id)
            if status is not None:
                await self.emit(CustomerEvent.HANDOFF_STATUS, status, to=sid)
        return opened.conversation_id

    async def _emit_error(self, sid: str, code: ProtocolErrorCode, language: Language, **params: Any) -> None:
        text = customer_text(language, code.value, **params)
        await self.emit(CustomerEvent.ERROR, error_payload(code, text), to=sid)


def socket_address(environ: dict[str, Any], trusted_proxies: Sequence[Network]) -> str:
    """The customer's IP address (:func:`bot.core.addresses.client_address`) from a connection's environ."""
    request = environ.get("aiohttp.request")
    peer = getattr(request, "remote", None) or environ.get("REMOTE_ADDR")
    return client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), trusted_proxies)


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
