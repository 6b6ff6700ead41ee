"""The agent's desk: what agents and supervisors do with conversations.

Claim, reassign, reply, note, typing, resolve or hand back, flag a message
for the trainers, and read a conversation with its context. Called by the
agent socket (:mod:`handoff.agent_socket`) and the console's REST edge.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core.agent_protocol import (
    AgentErrorCode,
    AgentEvent,
    AgentRequestError,
    AgentRole,
    conversation_update_payload,
)
from bot.core.conversations import Conversation, ConversationState, Sender, TranscriptEntry
from bot.core.customer_protocol import (
    CustomerEvent,
    agent_uttered_payload,
    handoff_assigned_payload,
    handoff_ended_payload,
    typing_payload,
)
from bot.core.languages import DEFAULT_LANGUAGE, Language
from bot.core.logs import log_fields
from bot.nlu.rasa_client import AssistantUnavailable
from bot.staff.accounts import Agent
from bot.trainer.inbox import InboxReason
from handoff.attachments import AttachmentKind
from handoff.canned import canned_answers
from handoff.mail import MailFailed, ticket_answer_message
from handoff.parts import UsesHandoffParts
from handoff.queue import ClaimResult
from handoff.tickets import AlreadyAnswered, TicketNotFound

__all__ = ["AgentDesk"]

log = logging.getLogger(__name__)


class AgentDesk(UsesHandoffParts):
    """Claim, reassign, reply, note, typing, resolve or hand back, flag, and read conversations."""

    async def claim(self, agent: Agent, conversation_id: str | None) -> dict[str, Any]:
        """Take a waiting conversation (``None``: the next in line)."""
        if conversation_id is None:
            result, conversation_id = await self.queue.claim_next(agent.username, agent.capacity)
        else:
            result = await self.queue.claim(conversation_id, agent.username, agent.capacity)
        if result is not ClaimResult.CLAIMED or conversation_id is None:
            raise AgentRequestError(AgentErrorCode(result.value))
        if self.analytics is not None:
            await self.analytics.claimed(conversation_id)
        conversation = await self.store.get(conversation_id)
        language = conversation.language if conversation else DEFAULT_LANGUAGE
        note = TranscriptEntry(Sender.SYSTEM, f"{agent.display_name} joined the conversation", language)
        await self.store.append(conversation_id, note)
        await self.notify.to_customer(
            conversation_id, CustomerEvent.HANDOFF_STATUS, handoff_assigned_payload(agent.display_name)
        )
        summary = await self.summary(conversation_id)
        payload = conversation_update_payload(summary)
        await self.notify.to_agents_of(conversation_id, AgentEvent.CONVERSATION_UPDATE, payload, agent.username)
        await self.notify.queue_changed()
        if self.assist is not None:
            await self.assist.suggest_for_latest(conversation_id, agent.username)
        log.info("claimed", extra=log_fields(conversation=conversation_id, agent=agent.username))
        return summary

    async def reassign(self, supervisor: Agent, conversation_id: str, to: str) -> dict[str, Any]:
        """A supervisor moves a conversation to another agent."""
        if supervisor.role is not AgentRole.SUPERVISOR:
            raise AgentRequestError(AgentErrorCode.FORBIDDEN, "only supervisors can reassign")
        conversation = await self.store.get(conversation_id)
        target = await self.agents.get(to)
        if conversation is None or target is None:
            raise AgentRequestError(AgentErrorCode.NOT_FOUND)
        if conversation.state is not ConversationState.ASSIGNED or not conversation.agent:
            raise AgentRequestError(AgentErrorCode.NOT_ASSIGNED, "only a conversation with an agent can be reassigned")
        previous = conversation.agent
        result = await self.queue.reassign(conversation_id, previous, target.username, target.capacity)
        if result is not ClaimResult.CLAIMED:
            raise AgentRequestError(AgentErrorCode(result.value))
        text = f"{supervisor.display_name} passed the conversation from {previous} to {target.display_name}"
        await self.store.append(conversation_id, TranscriptEntry(Sender.SYSTEM, text, conversation.language))
        await self.notify.to_customer(
            conversation_id, CustomerEvent.HANDOFF_STATUS, handoff_assigned_payload(target.display_name)
        )
        summary = await self.summary(conversation_id)
        for username in (previous, target.username):
            payload = conversation_update_payload(summary)
            await self.notify.to_agents_of(conversation_id, AgentEvent.CONVERSATION_UPDATE, payload, username)
        log.info("reassigned", extra=log_fields(conversation=conversation_id, agent=target.username))
        return summary

    async def _owned(self, agent: Agent, conversation_id: str) -> Conversation:
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise AgentRequestError(AgentErrorCode.NOT_FOUND)
        if conversation.agent != agent.username and agent.role is not AgentRole.SUPERVISOR:
            raise AgentRequestError(AgentErrorCode.NOT_YOURS, "this conversation is not assigned to you")
        return conversation

    async def reply(self, agent: Agent, conversation_id: str, text: str) -> dict[str, Any]:
        conversation = await self._owned(agent, conversation_id)
        if conversation.state is not ConversationState.ASSIGNED:
            raise AgentRequestError(AgentErrorCode.NOT_ASSIGNED, "the conversation is no longer with a person")
        entry = await self.store.append(
            conversation_id,
            TranscriptEntry(Sender.AGENT, text, conversation.language, extra={"agent_name": agent.display_name}),
        )
        if self.analytics is not None:
            await self.analytics.agent_replied(conversation_id)
        uttered = agent_uttered_payload(entry, agent.display_name)
        await self.notify.to_customer(conversation_id, CustomerEvent.BOT_UTTERED, uttered)
        await self.notify.to_customer(conversation_id, CustomerEvent.TYPING, typing_payload(Sender.AGENT, False))
        await self.notify.new_entry(conversation_id, entry, conversation.agent)
        return entry.to_public()

    async def send_attachment(self, agent: Agent, conversation_id: str, name: object, data: bytes) -> dict[str, Any]:
        """An image or PDF from the agent to the customer; :class:`handoff.attachments.AttachmentRefused` if refused."""
        conversation = await self._owned(agent, conversation_id)
        if conversation.state is not ConversationState.ASSIGNED:
            raise AgentRequestError(AgentErrorCode.NOT_ASSIGNED, "the conversation is no longer with a person")
        if self.attachments is None:
            raise AgentRequestError(AgentErrorCode.UNAVAILABLE, "attachments are not set up")
        attachment = await self.attachments.store(conversation_id, name, data)
        public = self.attachments.to_public(attachment)
        extra = {"agent_name": agent.display_name, "attachment": public}
        entry = await self.store.append(
            conversation_id, TranscriptEntry(Sender.AGENT, attachment.name, conversation.language, extra=extra)
        )
        uttered = agent_uttered_payload(entry, agent.display_name)
        # Rasa's image attachment, which chat widgets know; PDFs as "file".
        file_type = "image" if attachment.kind is AttachmentKind.IMAGE else "file"
        payload = {"src": public["url"], "thumb": public["thumb_url"], "name": attachment.name}
        payload |= {"size": attachment.size, "mime": attachment.mime}
        uttered["attachment"] = {"type": file_type, "payload": payload}
        await self.notify.to_customer(conversation_id, CustomerEvent.BOT_UTTERED, uttered)
        await self.notify.new_entry(conversation_id, entry, conversation.agent)
        log.info("agent attachment", extra=log_fields(conversation=conversation_id, kind=attachment.kind.value))
        return entry.to_public()

    async def note(self, agent: Agent, conversation_id: str, text: str) -> dict[str, Any]:
        """An internal note: agents see it, the customer never does."""
        conversation = await self._owned(agent, conversation_id)
        entry = await self.store.append(
            conversation_id,
            TranscriptEntry(Sender.NOTE, text, conversation.language, extra={"agent_name": agent.display_name}),
        )
        await self.notify.new_entry(conversation_id, entry, conversation.agent)
        return entry.to_public()

    async def agent_typing(self, agent: Agent, conversation_id: str, on: bool) -> None:
        await self._owned(agent, conversation_id)
        await self.notify.to_customer(conversation_id, CustomerEvent.TYPING, typing_payload(Sender.AGENT, on))

    async def release(self, agent: Agent, conversation_id: str, *, resolved: bool) -> None:
        """Resolve the conversation (the customer is asked for a rating) or hand it back to the assistant."""
        conversation = await self._owned(agent, conversation_id)
        episode = await self.queue.release(conversation_id, conversation.agent or agent.username, resolved=resolved)
        if episode is None:
            raise AgentRequestError(AgentErrorCode.NOT_ASSIGNED, "the conversation is no longer with a person")
        if self.analytics is not None:
            await self.analytics.released(conversation_id, episode, resolved=resolved)
        action = "resolved the conversation" if resolved else "handed the conversation back to the assistant"
        text = f"{agent.display_name} {action}"
        await self.store.append(conversation_id, TranscriptEntry(Sender.SYSTEM, text, conversation.language))
        status = handoff_ended_payload(resolved, transcript_email=self.mailer.configured)
        await self.notify.to_customer(conversation_id, CustomerEvent.HANDOFF_STATUS, status)
        summary = await self.summary(conversation_id)
        summary["state"] = status["state"]
        payload = conversation_update_payload(summary)
        await self.notify.to_agents_of(conversation_id, AgentEvent.CONVERSATION_UPDATE, payload, conversation.agent)
        log.info(status["state"], extra=log_fields(conversation=conversation_id, agent=agent.username))

    async def flag_for_trainers(self, agent: Agent, conversation_id: str, seq: int) -> bool:
        """Put a customer message the assistant got wrong in the trainers' inbox; False if it is there already."""
        await self._owned(agent, conversation_id)
        entries = await self.store.transcript(conversation_id, seq - 1)
        if not entries or entries[0].seq != seq or entries[0].sender is not Sender.CUSTOMER:
            raise AgentRequestError(AgentErrorCode.BAD_REQUEST, "only a customer's message can be flagged")
        if self.inbox is None:
            raise AgentRequestError(AgentErrorCode.UNAVAILABLE, "the trainers' inbox is not configured")
        entry = entries[0]
        guesses: list[dict[str, Any]] = []
        if self.guesses is not None:
            try:
                guesses = await self.guesses(entry.text)
            except AssistantUnavailable as error:
                # The trainer still gets the message; only the model's guesses are missing.
                log.warning(
                    "no guesses for a flagged message: %s", error, extra=log_fields(conversation=conversation_id)
                )
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

    # --- reading -------------------------------------------------------
    async def summary(self, conversation_id: str) -> dict[str, Any]:
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise AgentRequestError(AgentErrorCode.NOT_FOUND)
        return {
            "conversation_id": conversation_id,
            "state": conversation.state.value,
            "language": conversation.language,
            "reason": conversation.handoff_reason,
            "priority": conversation.handoff_priority,
            "agent": conversation.agent,
        }

    async def _readable(self, agent: Agent, conversation_id: str) -> Conversation:
        """The conversation, if the agent may read it: their own, a waiting one, or any for a supervisor."""
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise AgentRequestError(AgentErrorCode.NOT_FOUND)
        mine = conversation.agent == agent.username
        if not (mine or conversation.state is ConversationState.QUEUED or agent.role is AgentRole.SUPERVISOR):
            raise AgentRequestError(AgentErrorCode.NOT_YOURS, "this conversation is not assigned to you")
        return conversation

    async def open(self, agent: Agent, conversation_id: str) -> dict[str, Any]:
        """Transcript and context; an agent may open their own or a waiting conversation."""
        conversation = await self._readable(agent, conversation_id)
        return {
            "ok": True,
            "conversation": await self.summary(conversation_id),
            "transcript": [entry.to_public() for entry in await self.store.transcript(conversation_id)],
            "context": {
                "language": conversation.language,
                "reason": conversation.handoff_reason,
                "intents": conversation.handoff_intents,
                "pages": await self.store.pages(conversation_id),
                "customer": conversation.customer.to_public() if conversation.customer is not None else None,
                "attributes": conversation.attributes,
                "previous_conversations": await self.queue.episodes(conversation_id),
            },
            "suggestions": await self.assist.latest(conversation_id) if self.assist is not None else None,
        }

    async def my_conversations(self, agent: Agent) -> list[dict[str, Any]]:
        """The agent's conversations; a supervisor's are every conversation any agent has."""
        usernames = [agent.username]
        if agent.role is AgentRole.SUPERVISOR:
            usernames = [str(member["username"]) for member in await self.agents.roster()]
        ids = sorted({cid for username in usernames for cid in await self.queue.assigned_to(username)})
        return [await self.summary(cid) for cid in ids]

    async def assist_summary(self, agent: Agent, conversation_id: str) -> dict[str, Any]:
        """Agent assist's summary: why it was handed off, what the customer asked, what the assistant answered."""
        await self._readable(agent, conversation_id)
        if self.assist is None:
            raise AgentRequestError(AgentErrorCode.UNAVAILABLE, "agent assist is not configured")
        summary = await self.assist.summary(conversation_id)
        if summary is None:
            raise AgentRequestError(AgentErrorCode.NOT_FOUND)
        return summary

    @staticmethod
    def canned(language: Language, agent: Agent) -> list[dict[str, str]]:
        """Ready answers in the customer's language, signed with the agent's name."""
        return canned_answers(language, agent.display_name)

    async def offline_tickets(self, limit: int = 100) -> list[dict[str, Any]]:
        return await self.tickets.newest(limit)

    async def answer_ticket(self, agent: Agent, ticket_id: str, text: str) -> dict[str, Any]:
        """Email an answer to an offline ticket, signed with the agent's name; each ticket is answered once.

        The ticket is marked answered first (two agents never both send), then
        the email goes; if the SMTP server does not take it, the mark is undone
        and the agent told, their text still in their console. The answer joins
        the conversation's transcript while it is kept, so the customer sees it
        in the widget too.
        """
        if not self.mailer.configured:
            raise AgentRequestError(AgentErrorCode.UNAVAILABLE, "email is not set up (SMTP_HOST, MAIL_FROM)")
        try:
            ticket = await self.tickets.mark_answered(ticket_id, agent.username, agent.display_name, text)
        except TicketNotFound:
            raise AgentRequestError(AgentErrorCode.NOT_FOUND, "no such ticket (it may be too old)") from None
        except AlreadyAnswered as answered:
            by = answered.ticket.get("answered_by_name") or answered.ticket.get("answered_by")
            raise AgentRequestError(AgentErrorCode.ALREADY_CLAIMED, f"already answered by {by}") from None
        language = ticket.get("language") or DEFAULT_LANGUAGE
        message = ticket_answer_message(
            ticket["email"],
            text,
            agent.display_name,
            ticket["message"],
            float(ticket["created_at"]),
            language,
            self.mailer.timezone,
        )
        fields = log_fields(conversation=ticket["conversation_id"], agent=agent.username)
        try:
            await self.mailer.send(message)
        except MailFailed as error:
            await self.tickets.unmark_answered(ticket_id, agent.username)
            log.error("ticket answer not sent: %s", error, extra=fields)
            raise AgentRequestError(AgentErrorCode.UNAVAILABLE, "the email could not be sent; try again") from None
        log.info("ticket answered by email", extra=fields)
        entry = TranscriptEntry(Sender.AGENT, text, language, extra={"agent_name": agent.display_name, "email": True})
        if await self.store.get(ticket["conversation_id"]) is not None:
            await self.store.append(ticket["conversation_id"], entry)
            # A customer still on the page sees it at once; one who comes back, in the replayed transcript.
            uttered = agent_uttered_payload(entry, agent.display_name)
            await self.notify.to_customer(ticket["conversation_id"], CustomerEvent.BOT_UTTERED, uttered)
        await self.notify.to_all_agents(AgentEvent.TICKET_UPDATED, ticket)
        return ticket
