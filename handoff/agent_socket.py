"""Socket.io handlers of the agent console (namespace ``/agent``): thin edges.

Every socket is authenticated at connect with the token from
``POST /api/agent/login``; without a valid one the connection is refused.
Requests answer through socket.io acknowledgements.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

from bot.core.agent_protocol import AgentEvent, AgentRequestError, AgentRole, AgentStatus, conversation_id_of, text_of
from bot.core.languages import DEFAULT_LANGUAGE, parse_language_tag
from bot.staff.accounts import Agent, AgentDirectory
from handoff.notify import AGENT_NAMESPACE, AGENTS_ROOM, SUPERVISORS_ROOM, agent_room
from handoff.service import HandoffService

log = logging.getLogger(__name__)

Handler = Callable[[Agent, Any], Awaitable[dict[str, Any]]]


def register_agent_handlers(
    sio: socketio.AsyncServer,
    get_service: Callable[[], HandoffService],
    get_agents: Callable[[], AgentDirectory],
    grace_s: float,
    background: set[asyncio.Task[None]],
) -> None:
    """Attach the console protocol to ``sio`` (namespace ``/agent``)."""

    async def agent_of(sid: str) -> Agent:
        session = await sio.get_session(sid, namespace=AGENT_NAMESPACE)
        agent = session.get("agent")
        if not isinstance(agent, Agent):
            raise AgentRequestError("unauthorized")
        return agent

    def request(event: AgentEvent, handler: Handler) -> None:
        async def on_event(sid: str, data: Any = None) -> dict[str, Any]:
            try:
                return await handler(await agent_of(sid), data)
            except AgentRequestError as error:
                return error.to_ack()

        sio.on(event, on_event, namespace=AGENT_NAMESPACE)

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        agent = await get_agents().agent_for_token(token)
        if agent is None:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        if agent.role is AgentRole.TRAINER:
            # Trainers work in the trainer page; they take no chats.
            raise socketio.exceptions.ConnectionRefusedError("forbidden")
        await sio.save_session(sid, {"agent": agent}, namespace=AGENT_NAMESPACE)
        await sio.enter_room(sid, AGENTS_ROOM, namespace=AGENT_NAMESPACE)
        await sio.enter_room(sid, agent_room(agent.username), namespace=AGENT_NAMESPACE)
        if agent.role is AgentRole.SUPERVISOR:
            await sio.enter_room(sid, SUPERVISORS_ROOM, namespace=AGENT_NAMESPACE)
        await get_agents().socket_connected(agent.username)
        log.info("agent connected", extra={"fields": {"agent": agent.username}})
        service = get_service()
        mine = await service.my_conversations(agent)
        await sio.emit(AgentEvent.MY_CONVERSATIONS, {"conversations": mine}, to=sid, namespace=AGENT_NAMESPACE)
        await service.notify.queue_changed()

    async def disconnect(sid: str, *args: Any) -> None:
        try:
            agent = await agent_of(sid)
        except (AgentRequestError, KeyError):
            return
        remaining = await get_agents().socket_disconnected(agent.username)
        log.info("agent disconnected", extra={"fields": {"agent": agent.username, "sockets_left": remaining}})
        if remaining == 0:
            task = asyncio.create_task(get_service().agent_gone(agent.username, grace_s))
            background.add(task)
            task.add_done_callback(_finished)

    def _finished(task: asyncio.Task[None]) -> None:
        background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("requeue after disconnect failed", exc_info=task.exception())

    sio.on("connect", connect, namespace=AGENT_NAMESPACE)
    sio.on("disconnect", disconnect, namespace=AGENT_NAMESPACE)

    async def set_status(agent: Agent, data: Any) -> dict[str, Any]:
        status = data.get("status") if isinstance(data, dict) else None
        if status not in (AgentStatus.ONLINE, AgentStatus.AWAY):
            raise AgentRequestError("bad_request", "status is online or away")
        await get_agents().set_status(agent.username, AgentStatus(status))
        await get_service().notify.queue_changed()
        return {"ok": True, "status": status}

    async def claim(agent: Agent, data: Any) -> dict[str, Any]:
        wanted = data.get("conversation_id") if isinstance(data, dict) else None
        conversation_id = conversation_id_of(data) if wanted is not None else None
        return {"ok": True, "conversation": await get_service().claim(agent, conversation_id)}

    async def open_conversation(agent: Agent, data: Any) -> dict[str, Any]:
        return await get_service().open(agent, conversation_id_of(data))

    async def reply(agent: Agent, data: Any) -> dict[str, Any]:
        return {"ok": True, "entry": await get_service().reply(agent, conversation_id_of(data), text_of(data))}

    async def note(agent: Agent, data: Any) -> dict[str, Any]:
        return {"ok": True, "entry": await get_service().note(agent, conversation_id_of(data), text_of(data))}

    async def typing(agent: Agent, data: Any) -> dict[str, Any]:
        on = bool(data.get("on")) if isinstance(data, dict) else False
        await get_service().agent_typing(agent, conversation_id_of(data), on)
        return {"ok": True}

    async def resolve(agent: Agent, data: Any) -> dict[str, Any]:
        await get_service().release(agent, conversation_id_of(data), resolved=True)
        return {"ok": True}

    async def handback(agent: Agent, data: Any) -> dict[str, Any]:
        await get_service().release(agent, conversation_id_of(data), resolved=False)
        return {"ok": True}

    async def canned(agent: Agent, data: Any) -> dict[str, Any]:
        language = parse_language_tag(data.get("language") if isinstance(data, dict) else None) or DEFAULT_LANGUAGE
        return {"ok": True, "answers": HandoffService.canned(language, agent)}

    async def reassign(agent: Agent, data: Any) -> dict[str, Any]:
        to = data.get("to") if isinstance(data, dict) else None
        if not isinstance(to, str) or not to:
            raise AgentRequestError("bad_request", "to (a username) is required")
        return {"ok": True, "conversation": await get_service().reassign(agent, conversation_id_of(data), to)}

    async def flag(agent: Agent, data: Any) -> dict[str, Any]:
        seq = data.get("seq") if isinstance(data, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise AgentRequestError("bad_request", "seq (a customer message's number) is required")
        added = await get_service().flag_for_trainers(agent, conversation_id_of(data), seq)
        return {"ok": True, "added": added}

    request(AgentEvent.SET_STATUS, set_status)
    request(AgentEvent.FLAG, flag)
    request(AgentEvent.REASSIGN, reassign)
    request(AgentEvent.CLAIM, claim)
    request(AgentEvent.OPEN, open_conversation)
    request(AgentEvent.REPLY, reply)
    request(AgentEvent.NOTE, note)
    request(AgentEvent.TYPING, typing)
    request(AgentEvent.RESOLVE, resolve)
    request(AgentEvent.HANDBACK, handback)
    request(AgentEvent.CANNED, canned)
