"""The agent console's socket (namespace ``/agent``): thin handlers.

Every socket is authenticated at connect with the token from
``POST /api/agent/login``; without a valid one the connection is refused.
The token is checked again on every request. Every ``heartbeat_s`` the
gateway beats for each of its open sockets (``bot.staff.presence``),
re-checks their tokens (a password change, a disabled or removed account or a
sign-out elsewhere ends the socket), and requeues the chats of agents whose
consoles all vanished, also those of a gateway that died.
Each agent's requests are counted (``AGENT_EVENTS_PER_MINUTE``, all their
consoles together); beyond the limit a request is refused ``rate_limited``.
Each request event is one ``on_<event>`` method that parses its payload with
:mod:`bot.core.agent_protocol`, calls one method of the desk or the service,
and answers through the socket.io acknowledgement; a refused request answers
``{ok: false, error, message}``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

import socketio
from redis.exceptions import RedisError

from bot.core.agent_protocol import (
    AGENT_NAMESPACE,
    AGENTS_ROOM,
    SUPERVISORS_ROOM,
    AgentErrorCode,
    AgentEvent,
    AgentRequestError,
    AgentRole,
    AgentStatus,
    agent_room,
    conversation_id_of,
    my_conversations_payload,
    text_of,
)
from bot.core.languages import DEFAULT_LANGUAGE, parse_language_tag
from bot.core.logs import log_fields
from bot.core.rate_limit import RateLimiter
from bot.staff.accounts import Agent, AgentDirectory
from handoff.desk import AgentDesk
from handoff.service import HandoffService

__all__ = ["AgentNamespace", "AgentServices"]

log = logging.getLogger(__name__)

AGENT_FIELD = "agent"
TOKEN_FIELD = "token"
DEFAULT_HEARTBEAT_S: Final = 30.0
#: socket.io's own events, dispatched as usual; every other event is a console request.
LIFECYCLE_EVENTS = frozenset({"connect", "disconnect"})


@dataclass(frozen=True)
class AgentServices:
    desk: AgentDesk
    service: HandoffService
    agents: AgentDirectory
    #: Console requests per agent (None: not limited).
    limiter: RateLimiter | None = None


class AgentNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(
        self, services: Callable[[], AgentServices], grace_s: float, heartbeat_s: float = DEFAULT_HEARTBEAT_S
    ) -> None:
        super().__init__(AGENT_NAMESPACE)
        self._services = services
        self.grace_s = grace_s
        self.heartbeat_s = heartbeat_s
        #: Requeues waiting for an agent's grace period, and the token sweep; cancelled when the app stops.
        self.background: set[asyncio.Task[None]] = set()
        #: This process's console sockets: sid -> (username, token), one entry per open socket.
        self.sockets: dict[str, tuple[str, str]] = {}

    async def trigger_event(self, event: str, *args: Any) -> Any:
        """Requests get the signed-in agent, and a refusal becomes the acknowledgement."""
        if event in LIFECYCLE_EVENTS:
            return await super().trigger_event(event, *args)
        handler: Callable[[Agent, Any], Awaitable[dict[str, Any]]] | None = getattr(self, f"on_{event}", None)
        if handler is None or event not in AgentEvent.__members__.values():
            return AgentRequestError(AgentErrorCode.BAD_REQUEST, f"unknown event {event!r}").to_ack()
        sid, data = args[0], args[1] if len(args) > 1 else None
        try:
            agent = await self._agent_of(sid)
            limiter = self._services().limiter
            if limiter is not None and not await limiter.allow(agent.username):
                log.warning("agent over the request limit", extra=log_fields(agent=agent.username, event=event))
                raise AgentRequestError(AgentErrorCode.RATE_LIMITED, "too many requests; wait a moment")
            return await handler(agent, data)
        except AgentRequestError as error:
            return error.to_ack()

    async def _agent_of(self, sid: str) -> Agent:
        """The socket's agent, as the token says now.

        A revoked token is answered ``unauthorized`` (the console signs out on
        it); the re-check sweep then ends the socket.
        """
        _, token = self.sockets.get(sid, ("", ""))
        agent = await self._services().agents.agent_for_token(token) if token else None
        if agent is None:
            raise AgentRequestError(AgentErrorCode.UNAUTHORIZED)
        return agent

    async def _end(self, sid: str, why: str) -> None:
        log.info("agent socket ended", extra=log_fields(why=why))
        self.sockets.pop(sid, None)
        await self.disconnect(sid)

    def start(self) -> None:
        """Start the heartbeat."""
        self._keep(asyncio.create_task(self._beat_forever()))

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await self.beat()
            except RedisError as error:
                log.warning("heartbeat skipped: redis: %s", error)

    async def beat(self) -> None:
        """Keep this process's sockets alive, end revoked ones, requeue vanished agents' chats."""
        services = self._services()
        await services.agents.presence.heartbeat([(username, sid) for sid, (username, _) in list(self.sockets.items())])
        await self.recheck_tokens()
        await services.service.requeue_vanished_agents(self.grace_s)

    async def recheck_tokens(self) -> None:
        """End every socket of this process whose token was revoked or expired."""
        agents = self._services().agents
        for sid, (_, token) in list(self.sockets.items()):
            if await agents.agent_for_token(token) is None:
                await self._end(sid, "token revoked")

    def _keep(self, task: asyncio.Task[None]) -> None:
        self.background.add(task)
        task.add_done_callback(self._finished)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        services = self._services()
        agent = await services.agents.agent_for_token(auth.get("token") if isinstance(auth, dict) else None)
        if agent is None:
            raise socketio.exceptions.ConnectionRefusedError(AgentErrorCode.UNAUTHORIZED.value)
        if agent.role is AgentRole.TRAINER:
            # Trainers work in the trainer page; they take no chats.
            raise socketio.exceptions.ConnectionRefusedError(AgentErrorCode.FORBIDDEN.value)
        await self.save_session(sid, {AGENT_FIELD: agent.username})
        self.sockets[sid] = (agent.username, auth["token"])
        await self.enter_room(sid, AGENTS_ROOM)
        await self.enter_room(sid, agent_room(agent.username))
        if agent.role is AgentRole.SUPERVISOR:
            await self.enter_room(sid, SUPERVISORS_ROOM)
        await services.agents.presence.socket_connected(agent.username, sid)
        log.info("agent connected", extra=log_fields(agent=agent.username))
        mine = await services.desk.my_conversations(agent)
        await self.emit(AgentEvent.MY_CONVERSATIONS, my_conversations_payload(mine), to=sid)
        await services.service.notify.queue_changed()

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.sockets.pop(sid, None)
        try:
            username = (await self.get_session(sid)).get(AGENT_FIELD)
        except KeyError:
            return
        if not isinstance(username, str):
            return
        services = self._services()
        remaining = await services.agents.presence.socket_disconnected(username, sid)
        log.info("agent disconnected", extra=log_fields(agent=username, sockets_left=remaining))
        if remaining == 0:
            self._keep(asyncio.create_task(services.service.agent_gone(username, self.grace_s)))

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task of the agent socket failed", exc_info=task.exception())

    async def stop(self) -> None:
        """Cancel pending requeues and the sweep (the app is stopping; another gateway's agents stay)."""
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)

    # --- requests: one method per event --------------------------------
    async def on_set_status(self, agent: Agent, data: Any) -> dict[str, Any]:
        status = data.get("status") if isinstance(data, dict) else None
        if status not in (AgentStatus.ONLINE, AgentStatus.AWAY):
            raise AgentRequestError(AgentErrorCode.BAD_REQUEST, "status is online or away")
        services = self._services()
        await services.agents.presence.set_status(agent.username, AgentStatus(status))
        await services.service.notify.queue_changed()
        return {"ok": True, "status": status}

    async def on_claim(self, agent: Agent, data: Any) -> dict[str, Any]:
        wanted = data.get("conversation_id") if isinstance(data, dict) else None
        conversation_id = conversation_id_of(data) if wanted is not None else None
        return {"ok": True, "conversation": await self._services().desk.claim(agent, conversation_id)}

    async def on_open(self, agent: Agent, data: Any) -> dict[str, Any]:
        return await self._services().desk.open(agent, conversation_id_of(data))

    async def on_reply(self, agent: Agent, data: Any) -> dict[str, Any]:
        entry = await self._services().desk.reply(agent, conversation_id_of(data), text_of(data))
        return {"ok": True, "entry": entry}

    async def on_note(self, agent: Agent, data: Any) -> dict[str, Any]:
        entry = await self._services().desk.note(agent, conversation_id_of(data), text_of(data))
        return {"ok": True, "entry": entry}

    async def on_typing(self, agent: Agent, data: Any) -> dict[str, Any]:
        on = bool(data.get("on")) if isinstance(data, dict) else False
        await self._services().desk.agent_typing(agent, conversation_id_of(data), on)
        return {"ok": True}

    async def on_resolve(self, agent: Agent, data: Any) -> dict[str, Any]:
        await self._services().desk.release(agent, conversation_id_of(data), resolved=True)
        return {"ok": True}

    async def on_handback(self, agent: Agent, data: Any) -> dict[str, Any]:
        await self._services().desk.release(agent, conversation_id_of(data), resolved=False)
        return {"ok": True}

    async def on_canned(self, agent: Agent, data: Any) -> dict[str, Any]:
        language = parse_language_tag(data.get("language") if isinstance(data, dict) else None) or DEFAULT_LANGUAGE
        return {"ok": True, "answers": AgentDesk.canned(language, agent)}

    async def on_reassign(self, agent: Agent, data: Any) -> dict[str, Any]:
        to = data.get("to") if isinstance(data, dict) else None
        if not isinstance(to, str) or not to:
            raise AgentRequestError(AgentErrorCode.BAD_REQUEST, "to (a username) is required")
        return {"ok": True, "conversation": await self._services().desk.reassign(agent, conversation_id_of(data), to)}

    async def on_flag(self, agent: Agent, data: Any) -> dict[str, Any]:
        seq = data.get("seq") if isinstance(data, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise AgentRequestError(AgentErrorCode.BAD_REQUEST, "seq (a customer message's number) is required")
        added = await self._services().desk.flag_for_trainers(agent, conversation_id_of(data), seq)
        return {"ok": True, "added": added}

    async def on_answer_ticket(self, agent: Agent, data: Any) -> dict[str, Any]:
        ticket_id = data.get("ticket_id") if isinstance(data, dict) else None
        if not (isinstance(ticket_id, str) and 0 < len(ticket_id) <= 64):
            raise AgentRequestError(AgentErrorCode.BAD_REQUEST, "ticket_id is required")
        return {"ok": True, "ticket": await self._services().desk.answer_ticket(agent, ticket_id, text_of(data))}

    async def on_summary(self, agent: Agent, data: Any) -> dict[str, Any]:
        return {"ok": True, "summary": await self._services().desk.assist_summary(agent, conversation_id_of(data))}
