"""Tells customers and agents what changed in the handoff: the one place that
knows which socket.io room hears what.

Events go through python-socketio's Redis manager, so a customer on one
gateway process and an agent on another both hear them.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio

from bot.core.agent_protocol import AgentEvent
from bot.core.conversations import ConversationStore, Sender, TranscriptEntry
from bot.core.customer_protocol import CustomerEvent
from bot.staff.accounts import AgentDirectory
from handoff.hours import BusinessHours
from handoff.queue import HandoffQueue

log = logging.getLogger(__name__)

AGENT_NAMESPACE = "/agent"
AGENTS_ROOM = "agents"
SUPERVISORS_ROOM = "supervisors"
QUEUE_PREVIEW_CHARS = 140
PREVIEW_LOOKBACK = 20


def conversation_room(conversation_id: str) -> str:
    """Every customer socket of one conversation (namespace ``/``)."""
    return f"conversation:{conversation_id}"


def agent_room(username: str) -> str:
    """Every console socket of one agent (namespace ``/agent``)."""
    return f"agent:{username}"


class HandoffNotifier:
    def __init__(
        self,
        sio: socketio.AsyncServer,
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
        return self.hours.is_open() and await self.agents.online_count() > 0

    async def to_customer(self, conversation_id: str, event: str, payload: Any) -> None:
        await self.sio.emit(event, payload, room=conversation_room(conversation_id))

    async def to_agents_of(self, conversation_id: str, event: str, payload: Any, agent: str | None = None) -> None:
        """The agent who has the conversation, and supervisors."""
        rooms = [SUPERVISORS_ROOM] + ([agent_room(agent)] if agent else [])
        await self.sio.emit(event, payload, room=rooms, namespace=AGENT_NAMESPACE)

    async def queue_changed(self) -> None:
        """Send agents the queue, and every waiting customer their place in it."""
        waiting = await self.queue.waiting()
        available = await self.team_available()
        online = await self.agents.online_count()
        per_position = await self.queue.wait_per_position_s()
        items = []
        for position, item in enumerate(waiting, start=1):
            public = item.to_public()
            public["preview"] = await self._preview(item.conversation_id)
            items.append(public)
            await self.to_customer(
                item.conversation_id,
                CustomerEvent.HANDOFF_STATUS,
                {
                    "state": "queued",
                    "reason": item.reason,
                    "position": position,
                    "estimated_wait_s": round(await self.queue.estimated_wait_s(position, per_position)),
                    "agents_online": online,
                    # False: nobody can answer now; the widget offers to leave a message.
                    "team_available": available,
                },
            )
        payload = {"waiting": items, "agents_online": online}
        await self.sio.emit(AgentEvent.QUEUE, payload, room=AGENTS_ROOM, namespace=AGENT_NAMESPACE)

    async def _preview(self, conversation_id: str) -> str:
        for entry in reversed(await self.store.recent(conversation_id, PREVIEW_LOOKBACK)):
            if entry.sender is Sender.CUSTOMER:
                return entry.text[:QUEUE_PREVIEW_CHARS]
        return ""

    async def new_entry(self, conversation_id: str, entry: TranscriptEntry, agent: str | None) -> None:
        """A transcript entry agents should see live."""
        payload = {"conversation_id": conversation_id, "entry": entry.to_public()}
        await self.to_agents_of(conversation_id, AgentEvent.MESSAGE, payload, agent)
