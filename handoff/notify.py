"""Tells customers and agents what changed in the handoff: the one place that
knows which socket.io room hears what.

Events go through python-socketio's Redis manager, so a customer on one
gateway process and an agent on another both hear them. Every payload is
built by the protocol modules of ``bot.core``.
"""

from __future__ import annotations

import logging
from typing import Any, Final, Protocol

from bot.core.agent_protocol import (
    AGENT_NAMESPACE,
    AGENTS_ROOM,
    SUPERVISORS_ROOM,
    AgentEvent,
    agent_room,
    message_payload,
    queue_payload,
)
from bot.core.conversations import ConversationStore, Sender, TranscriptEntry
from bot.core.customer_protocol import CustomerEvent, conversation_room, handoff_queued_payload
from bot.staff.accounts import AgentDirectory
from handoff.hours import BusinessHours
from handoff.queue import HandoffQueue

__all__ = ["Emitter", "HandoffNotifier"]

log = logging.getLogger(__name__)

QUEUE_PREVIEW_CHARS: Final = 140
PREVIEW_LOOKBACK: Final = 20


class Emitter(Protocol):
    """What the notifier needs of ``socketio.AsyncServer``."""

    async def emit(self, event: str, data: Any = None, *, room: Any = None, namespace: str | None = None) -> Any: ...


class HandoffNotifier:
    def __init__(
        self,
        sio: Emitter,
        store: ConversationStore,
        queue: HandoffQueue,
        agents: AgentDirectory,
        hours: BusinessHours,
    ) -> None:
        self.sio = sio
        self.store = store
        self.queue = queue
        self.agents = agents
        self.hours = hours

    async def team_available(self) -> bool:
        """Within business hours, with at least one agent online."""
        return self.hours.is_open() and await self.agents.presence.online_count() > 0

    async def to_customer(self, conversation_id: str, event: CustomerEvent, payload: Any) -> None:
        await self.sio.emit(event, payload, room=conversation_room(conversation_id))

    async def to_agents_of(
        self, conversation_id: str, event: AgentEvent, payload: Any, agent: str | None = None
    ) -> None:
        """The agent who has the conversation, and supervisors."""
        rooms = [SUPERVISORS_ROOM] + ([agent_room(agent)] if agent else [])
        await self.sio.emit(event, payload, room=rooms, namespace=AGENT_NAMESPACE)

    async def to_all_agents(self, event: AgentEvent, payload: Any) -> None:
        await self.sio.emit(event, payload, room=AGENTS_ROOM, namespace=AGENT_NAMESPACE)

    async def queue_changed(self) -> None:
        """Send agents the queue, and every waiting customer their place in it."""
        waiting = await self.queue.waiting()
        available = await self.team_available()
        online = await self.agents.presence.online_count()
        per_position = await self.queue.wait_per_position_s()
        items = []
        for position, item in enumerate(waiting, start=1):
            public = item.to_public()
            public["preview"] = await self._preview(item.conversation_id)
            items.append(public)
            estimate = await self.queue.estimated_wait_s(position, per_position)
            status = handoff_queued_payload(item.reason, position, estimate, online, available)
            await self.to_customer(item.conversation_id, CustomerEvent.HANDOFF_STATUS, status)
        await self.to_all_agents(AgentEvent.QUEUE, queue_payload(items, online))

    async def _preview(self, conversation_id: str) -> str:
        for entry in reversed(await self.store.recent(conversation_id, PREVIEW_LOOKBACK)):
            if entry.sender is Sender.CUSTOMER:
                return entry.text[:QUEUE_PREVIEW_CHARS]
        return ""

    async def new_entry(self, conversation_id: str, entry: TranscriptEntry, agent: str | None) -> None:
        """A transcript entry agents should see live."""
        await self.to_agents_of(conversation_id, AgentEvent.MESSAGE, message_payload(conversation_id, entry), agent)
