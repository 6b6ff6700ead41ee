"""Handoff operations: what happens when a conversation goes to a person and back.

Called by the customer and agent socket handlers; it changes Redis through
:class:`~handoff.queue.HandoffQueue` and the conversation store, and tells
everyone concerned through :class:`~handoff.notify.HandoffNotifier`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.analytics.recorder import AnalyticsRecorder
from bot.core import keys
from bot.core.agent_protocol import AgentEvent, AgentRequestError, AgentRole
from bot.core.conversations import CUSTOMER_VISIBLE, ConversationState, ConversationStore, Sender, TranscriptEntry
from bot.core.customer_protocol import CustomerEvent
from bot.core.languages import Language
from bot.core.logs import log_fields
from bot.core.signals import HandoffSignal
from bot.nlu.rasa_client import AssistantUnavailable
from bot.staff.accounts import Agent, AgentDirectory
from bot.trainer.inbox import InboxReason, NluInbox
from handoff.notify import AGENT_NAMESPACE, AGENTS_ROOM, HandoffNotifier
from handoff.queue import ClaimResult, HandoffQueue

log = logging.getLogger(__name__)

MAX_COMMENT_CHARS = 1000
MAX_TICKET_CHARS = 4000
MAX_TICKETS_KEPT = 1000
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CANNED_DIR = Path(__file__).parent / "canned"


Guesser = Callable[[str], Awaitable[list[dict[str, Any]]]]


class HandoffService:
    def __init__(
        self,
        store: ConversationStore,
        queue: HandoffQueue,
        agents: AgentDirectory,
        notifier: HandoffNotifier,
        inbox: NluInbox | None = None,
        guesses: Guesser | None = None,
        analytics: AnalyticsRecorder | None = None,
    ) -> None:
        self.store = store
        self.queue = queue
        self.agents = agents
        self.notify = notifier
        #: Where flagged messages go for the trainers, and how the model's guesses for them are asked.
        self.inbox = inbox
        self.guesses = guesses
        self.analytics = analytics

    # --- customer side -------------------------------------------------
    async def request(self, conversation_id: str, signal: HandoffSignal) -> bool:
        """Put the conversation in line for a person and tell everyone where it stands."""
        queued = await self.queue.enqueue(conversation_id, signal)
        if queued:
            log.info("queued", extra=log_fields(conversation=conversation_id, reason=signal.reason.value))
            if self.analytics is not None:
                await self.analytics.handoff(conversation_id, signal.reason)
        await self.notify.queue_changed()
        return queued

    async def customer_entry(self, conversation_id: str, seq: int) -> None:
        """A customer message arrived while a person has, or will have, the conversation."""
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            return
        if conversation.state is ConversationState.ASSIGNED:
            entries = await self.store.transcript(conversation_id, seq - 1)
            if entries:
                await self.notify.new_entry(conversation_id, entries[0], conversation.agent)
        elif conversation.state is ConversationState.QUEUED:
            await self.notify.queue_changed()

    async def customer_typing(self, conversation_id: str, on: bool) -> None:
        conversation = await self.store.get(conversation_id)
        if conversation is not None and conversation.state is ConversationState.ASSIGNED:
            payload = {"conversation_id": conversation_id, "on": on}
            await self.notify.to_agents_of(conversation_id, AgentEvent.CUSTOMER_TYPING, payload, conversation.agent)

    async def leave_offline_ticket(self, conversation_id: str, email: object, message: object) -> bool:
        """Keep a message and an email address for the team, when nobody can answer now."""
        if not (isinstance(email, str) and EMAIL.fullmatch(email.strip()) and len(email) <= 254):
            return False
        if not (isinstance(message, str) and message.strip() and len(message) <= MAX_TICKET_CHARS):
            return False
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            return False
        ticket = {
            "conversation_id": conversation_id,
            "email": email.strip(),
            "message": message.strip(),
            "language": conversation.language,
            "created_at": time.time(),
        }
        await self.store.append(
            conversation_id,
            TranscriptEntry(Sender.CUSTOMER, message.strip(), conversation.language, extra={"email": email.strip()}),
        )
        async with self.store.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(keys.offline_tickets_key(), json.dumps(ticket, ensure_ascii=False))
            pipe.ltrim(keys.offline_tickets_key(), 0, MAX_TICKETS_KEPT - 1)
            await pipe.execute()
        await self.notify.sio.emit(AgentEvent.OFFLINE_TICKET, ticket, room=AGENTS_ROOM, namespace=AGENT_NAMESPACE)
        log.info("offline ticket", extra=log_fields(conversation=conversation_id, language=conversation.language))
        return True

    async def offline_tickets(self, limit: int = 100) -> list[dict[str, Any]]:
        raw = await self.store.redis.lrange(keys.offline_tickets_key(), 0, limit - 1)
        return [json.loads(item) for item in raw]

    async def rate(self, conversation_id: str, score: object, comment: object) -> bool:
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            return False
        text = comment.strip()[:MAX_COMMENT_CHARS] if isinstance(comment, str) else ""
        stored = await self.queue.record_rating(conversation_id, score, text)
        if stored:
            log.info("rated", extra=log_fields(conversation=conversation_id, score=score))
            if self.analytics is not None:
                await self.analytics.rated(conversation_id, score)
        return stored

    # --- agent side ----------------------------------------------------
    async def claim(self, agent: Agent, conversation_id: str | None) -> dict[str, Any]:
        if conversation_id is None:
            result, conversation_id = await self.queue.claim_next(agent.username, agent.capacity)
        else:
            result = await self.queue.claim(conversation_id, agent.username, agent.capacity)
        if result is not ClaimResult.CLAIMED or conversation_id is None:
            raise AgentRequestError(result.value)
        if self.analytics is not None:
            await self.analytics.claimed(conversation_id)
        conversation = await self.store.get(conversation_id)
        language = conversation.language if conversation else "en"
        note = TranscriptEntry(Sender.SYSTEM, f"{agent.display_name} joined the conversation", language)
        await self.store.append(conversation_id, note)
        await self.notify.to_customer(
            conversation_id, CustomerEvent.HANDOFF_STATUS, {"state": "assigned", "agent": agent.display_name}
        )
        summary = await self.summary(conversation_id)
        await self.notify.to_agents_of(
            conversation_id, AgentEvent.CONVERSATION_UPDATE, {"conversation": summary}, agent.username
        )
        await self.notify.queue_changed()
        log.info("claimed", extra=log_fields(conversation=conversation_id, agent=agent.username))
        return summary

    async def reassign(self, supervisor: Agent, conversation_id: str, to: str) -> dict[str, Any]:
        """A supervisor moves a conversation to another agent."""
        if supervisor.role is not AgentRole.SUPERVISOR:
            raise AgentRequestError("forbidden", "only supervisors can reassign")
        conversation = await self.store.get(conversation_id)
        target = await self.agents.get(to)
        if conversation is None or target is None:
            raise AgentRequestError("not_found")
        if conversation.state is not ConversationState.ASSIGNED or not conversation.agent:
            raise AgentRequestError("not_assigned", "only a conversation with an agent can be reassigned")
        previous = conversation.agent
        result = await self.queue.reassign(conversation_id, previous, target.username, target.capacity)
        if result is not ClaimResult.CLAIMED:
            raise AgentRequestError(result.value)
        text = f"{supervisor.display_name} passed the conversation from {previous} to {target.display_name}"
        await self.store.append(conversation_id, TranscriptEntry(Sender.SYSTEM, text, conversation.language))
        await self.notify.to_customer(
            conversation_id, CustomerEvent.HANDOFF_STATUS, {"state": "assigned", "agent": target.display_name}
        )
        summary = await self.summary(conversation_id)
        for agent in (previous, target.username):
            await self.notify.to_agents_of(
                conversation_id, AgentEvent.CONVERSATION_UPDATE, {"conversation": summary}, agent
            )
        log.info("reassigned", extra=log_fields(conversation=conversation_id, agent=target.username))
        return summary

    async def _owned(self, agent: Agent, conversation_id: str) -> Any:
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise AgentRequestError("not_found")
        if conversation.agent != agent.username and agent.role is not AgentRole.SUPERVISOR:
            raise AgentRequestError("not_yours", "this conversation is not assigned to you")
        return conversation

    async def reply(self, agent: Agent, conversation_id: str, text: str) -> dict[str, Any]:
        conversation = await self._owned(agent, conversation_id)
        if conversation.state is not ConversationState.ASSIGNED:
            raise AgentRequestError("not_assigned", "the conversation is no longer with a person")
        entry = await self.store.append(
            conversation_id,
            TranscriptEntry(Sender.AGENT, text, conversation.language, extra={"agent_name": agent.display_name}),
        )
        if self.analytics is not None:
            await self.analytics.agent_replied(conversation_id)
        await self.notify.to_customer(
            conversation_id,
            CustomerEvent.BOT_UTTERED,
            {
                "text": text,
                "metadata": {
                    "sender": "agent",
                    "agent_name": agent.display_name,
                    "seq": entry.seq,
                    "language": entry.language,
                },
            },
        )
        await self.notify.to_customer(conversation_id, CustomerEvent.TYPING, {"sender": "agent", "on": False})
        await self.notify.new_entry(conversation_id, entry, conversation.agent)
        return entry.to_public()

    async def note(self, agent: Agent, conversation_id: str, text: str) -> dict[str, Any]:
        conversation = await self._owned(agent, conversation_id)
        entry = await self.store.append(
            conversation_id,
            TranscriptEntry(Sender.NOTE, text, conversation.language, extra={"agent_name": agent.display_name}),
        )
        await self.notify.new_entry(conversation_id, entry, conversation.agent)
        return entry.to_public()

    async def agent_typing(self, agent: Agent, conversation_id: str, on: bool) -> None:
        await self._owned(agent, conversation_id)
        await self.notify.to_customer(conversation_id, CustomerEvent.TYPING, {"sender": "agent", "on": on})

    async def release(self, agent: Agent, conversation_id: str, *, resolved: bool) -> None:
        conversation = await self._owned(agent, conversation_id)
        episode = await self.queue.release(conversation_id, conversation.agent or agent.username, resolved=resolved)
        if episode is None:
            raise AgentRequestError("not_assigned", "the conversation is no longer with a person")
        if self.analytics is not None:
            await self.analytics.released(conversation_id, episode, resolved=resolved)
        action = "resolved the conversation" if resolved else "handed the conversation back to the assistant"
        text = f"{agent.display_name} {action}"
        await self.store.append(conversation_id, TranscriptEntry(Sender.SYSTEM, text, conversation.language))
        state = "resolved" if resolved else "bot"
        await self.notify.to_customer(conversation_id, CustomerEvent.HANDOFF_STATUS, {"state": state})
        summary = await self.summary(conversation_id)
        summary["state"] = state
        await self.notify.to_agents_of(
            conversation_id, AgentEvent.CONVERSATION_UPDATE, {"conversation": summary}, conversation.agent
        )
        log.info(state, extra=log_fields(conversation=conversation_id, agent=agent.username))

    async def flag_for_trainers(self, agent: Agent, conversation_id: str, seq: int) -> bool:
        """Put a customer message the assistant got wrong in the trainers' inbox; False if it is there already."""
        await self._owned(agent, conversation_id)
        entries = await self.store.transcript(conversation_id, seq - 1)
        if not entries or entries[0].seq != seq or entries[0].sender is not Sender.CUSTOMER:
            raise AgentRequestError("bad_request", "only a customer's message can be flagged")
        if self.inbox is None:
            raise AgentRequestError("unavailable", "the trainers' inbox is not configured")
        entry = entries[0]
        guesses: list[dict[str, Any]] = []
        if self.guesses is not None:
            try:
                guesses = await self.guesses(entry.text)
            except AssistantUnavailable as error:
                # The trainer still gets the message; only the model's guesses are missing.
                fields = log_fields(conversation=conversation_id)
                log.warning("no guesses for a flagged message: %s", error, extra=fields)
        item = await self.inbox.add(
            text=entry.text,
            language=entry.language,
            reason=InboxReason.FLAGGED,
            conversation_id=conversation_id,
            seq=seq,
            intents=guesses,
            detail=agent.username,
        )
        log.info("flagged for trainers", extra=log_fields(conversation=conversation_id, agent=agent.username, seq=seq))
        return item is not None

    async def agent_gone(self, username: str, grace_s: float) -> None:
        """After ``grace_s`` without a console open, the agent's chats go back to the front of the queue."""
        await asyncio.sleep(grace_s)
        if await self.agents.open_sockets(username) > 0:
            log.info("agent came back", extra=log_fields(agent=username))
            return
        log.info("agent gone", extra=log_fields(agent=username, conversations=await self.queue.assigned_to(username)))
        for conversation_id in await self.queue.assigned_to(username):
            conversation = await self.store.get(conversation_id)
            if conversation is None or conversation.agent != username:
                continue
            # The note goes first so whoever picks the conversation up sees why.
            text = f"{username} disconnected; the conversation went back to the front of the queue"
            await self.store.append(conversation_id, TranscriptEntry(Sender.SYSTEM, text, conversation.language))
            if await self.queue.requeue_front(conversation_id, username):
                log.warning("requeued", extra=log_fields(conversation=conversation_id, agent=username))
        await self.notify.queue_changed()

    # --- reading -------------------------------------------------------
    async def summary(self, conversation_id: str) -> dict[str, Any]:
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise AgentRequestError("not_found")
        return {
            "conversation_id": conversation_id,
            "state": conversation.state.value,
            "language": conversation.language,
            "reason": conversation.handoff_reason,
            "priority": conversation.handoff_priority,
            "agent": conversation.agent,
        }

    async def open(self, agent: Agent, conversation_id: str) -> dict[str, Any]:
        """Transcript and context; an agent may open their own or a waiting conversation."""
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise AgentRequestError("not_found")
        mine = conversation.agent == agent.username
        if not (mine or conversation.state is ConversationState.QUEUED or agent.role is AgentRole.SUPERVISOR):
            raise AgentRequestError("not_yours", "this conversation is not assigned to you")
        pages = json.loads(await self.store.get_field(conversation_id, "pages") or "[]")
        return {
            "ok": True,
            "conversation": await self.summary(conversation_id),
            "transcript": [entry.to_public() for entry in await self.store.transcript(conversation_id)],
            "context": {
                "language": conversation.language,
                "reason": conversation.handoff_reason,
                "intents": conversation.handoff_intents,
                "pages": pages,
                "previous_conversations": await self.queue.episodes(conversation_id),
            },
        }

    async def my_conversations(self, agent: Agent) -> list[dict[str, Any]]:
        """The agent's conversations; a supervisor's are every conversation any agent has."""
        usernames = [agent.username]
        if agent.role is AgentRole.SUPERVISOR:
            usernames = [str(member["username"]) for member in await self.agents.roster()]
        ids = sorted({cid for username in usernames for cid in await self.queue.assigned_to(username)})
        return [await self.summary(cid) for cid in ids]

    @staticmethod
    def canned(language: Language, agent: Agent) -> list[dict[str, str]]:
        """Ready answers in the customer's language, signed with the agent's name."""
        path = CANNED_DIR / f"{language}.json"
        answers = json.loads(path.read_text(encoding="utf-8"))
        return [{"title": a["title"], "text": a["text"].replace("{agent}", agent.display_name)} for a in answers]


def customer_history(entries: list[TranscriptEntry]) -> list[dict[str, Any]]:
    """Transcript entries a customer may see again."""
    return [entry.to_public() for entry in entries if entry.sender in CUSTOMER_VISIBLE]
