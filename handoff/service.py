"""The handoff service: the one way into the queue, and the customer's side.

Every trigger (the customer's button, the assistant's signal, the assistant
being down, an agent vanishing) puts a conversation in line through
:meth:`HandoffService.request` or :meth:`HandoffService.agent_gone`, which do
all of it: the queue, analytics, the trainers' inbox, and telling the customer
and the agents. Nothing outside this package imports :mod:`handoff.queue`
(an import-linter contract). What agents do is :mod:`handoff.desk`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Final

from bot.core import keys
from bot.core.agent_protocol import AgentEvent, customer_typing_payload
from bot.core.conversations import ConversationState, Sender, TranscriptEntry
from bot.core.customer_protocol import ProtocolErrorCode, handoff_assigned_payload
from bot.core.languages import DEFAULT_LANGUAGE, Language
from bot.core.logs import log_fields
from bot.core.signals import HandoffSignal
from bot.core.text import clean_text, is_email_address
from bot.trainer.inbox import InboxReason
from handoff.mail import MailFailed, transcript_message
from handoff.parts import UsesHandoffParts
from handoff.tickets import TicketRefused, TooManyTickets, parse_ticket

__all__ = ["CustomerMessage", "HandoffService", "NotWithAPerson"]

log = logging.getLogger(__name__)

MAX_COMMENT_CHARS: Final = 1000
#: Transcripts one conversation may have emailed a day: the address is the customer's word, so this is no spam relay.
MAX_TRANSCRIPT_EMAILS: Final = 3
TRANSCRIPT_EMAILS_TTL_S: Final = 24 * 3600


@dataclass(frozen=True)
class CustomerMessage:
    """The customer's message that led to a handoff, kept for the trainers."""

    text: str
    seq: int
    #: The model's best guesses for it.
    intents: list[dict[str, Any]] = field(default_factory=list)
    #: The assistant was not sure what it meant (as opposed to a clear request or complaint).
    low_confidence: bool = False


class NotWithAPerson(Exception):
    """Attachments go to a person: the conversation is with the assistant (or gone)."""


class HandoffService(UsesHandoffParts):
    """Into the queue (:meth:`request`, :meth:`agent_gone`) and the customer's side of a handoff."""

    # --- into the queue: the one door ----------------------------------
    async def request(
        self,
        conversation_id: str,
        signal: HandoffSignal,
        *,
        language: Language | None = None,
        message: CustomerMessage | None = None,
    ) -> bool:
        """Put the conversation in line for a person and tell everyone where it stands.

        Records the handoff in analytics when the queue took it (a conversation
        already waiting or with an agent stays where it is), and keeps ``message``
        in the trainers' inbox. Returns whether it was queued now.
        """
        queued = await self.queue.enqueue(conversation_id, signal)
        if queued:
            log.info("queued", extra=log_fields(conversation=conversation_id, reason=signal.reason.value))
            if self.analytics is not None:
                await self.analytics.handoff(conversation_id, signal.reason, language)
        if message is not None:
            await self._keep_for_trainers(conversation_id, signal, language, message)
        await self.notify.queue_changed()
        return queued

    async def _keep_for_trainers(
        self, conversation_id: str, signal: HandoffSignal, language: Language | None, message: CustomerMessage
    ) -> None:
        if self.inbox is None:
            return
        # The customer is in line; at worst only the trainers miss this one.
        await self.inbox.keep(
            text=message.text,
            language=language or DEFAULT_LANGUAGE,
            reason=InboxReason.LOW_CONFIDENCE if message.low_confidence else InboxReason.HANDOFF,
            conversation_id=conversation_id,
            seq=message.seq,
            intents=message.intents,
            detail=signal.reason.value,
        )

    async def agent_gone(self, username: str, grace_s: float) -> None:
        """After ``grace_s`` without a console open, the agent's chats go back to the front of the queue."""
        await asyncio.sleep(grace_s)
        if await self.agents.presence.open_sockets(username) > 0:
            log.info("agent came back", extra=log_fields(agent=username))
            return
        assigned = await self.queue.assigned_to(username)
        log.info("agent gone", extra=log_fields(agent=username, conversations=assigned))
        for conversation_id in assigned:
            conversation = await self.store.get(conversation_id)
            if conversation is None or conversation.agent != username:
                continue
            # The note goes first so whoever picks the conversation up sees why.
            text = f"{username} disconnected; the conversation went back to the front of the queue"
            await self.store.append(conversation_id, TranscriptEntry(Sender.SYSTEM, text, conversation.language))
            if await self.queue.requeue_front(conversation_id, username):
                log.warning("requeued", extra=log_fields(conversation=conversation_id, agent=username))
        await self.notify.queue_changed()

    async def requeue_vanished_agents(self, grace_s: float) -> int:
        """Requeue the chats of agents with no live console for ``grace_s``: also those whose
        gateway died, which never saw them disconnect. One gateway at a time; how many agents."""
        if not await self.store.redis.set(keys.presence_sweep_lock_key(), "1", nx=True, ex=5):
            return 0
        presence, vanished = self.agents.presence, 0
        now = time.time()
        for username in await self.agents.usernames():
            if not await self.queue.assigned_to(username) or await presence.open_sockets(username) > 0:
                continue
            last_seen = await presence.last_seen(username)
            if last_seen is not None and now - last_seen < grace_s:
                continue  # a reload, or the disconnect's own grace period is still running
            log.warning("agent vanished", extra=log_fields(agent=username))
            await self.agent_gone(username, 0)
            vanished += 1
        await presence.online_count()  # drops the vanished from the online set
        return vanished

    # --- the customer's side -------------------------------------------
    async def customer_entry(self, conversation_id: str, seq: int) -> None:
        """A customer message arrived while a person has, or will have, the conversation."""
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            return
        if conversation.state is ConversationState.ASSIGNED:
            entries = await self.store.transcript(conversation_id, seq - 1)
            if entries:
                entry = entries[0]
                await self.notify.new_entry(conversation_id, entry, conversation.agent)
                if self.assist is not None and entry.sender is Sender.CUSTOMER and "attachment" not in entry.extra:
                    self.assist.suggest_soon(conversation_id, entry.seq, entry.text, entry.language, conversation.agent)
        elif conversation.state is ConversationState.QUEUED:
            await self.notify.queue_changed()

    async def customer_attachment(self, conversation_id: str, name: object, data: bytes) -> TranscriptEntry:
        """A file from the customer, for the person who has (or will have) the conversation.

        :class:`NotWithAPerson` while the assistant answers (it reads no files),
        :class:`handoff.attachments.AttachmentRefused` for a file we do not take.
        """
        conversation = await self.store.get(conversation_id)
        if self.attachments is None or conversation is None or conversation.state is ConversationState.BOT:
            raise NotWithAPerson(conversation_id)
        attachment = await self.attachments.store(conversation_id, name, data)
        extra = {"attachment": self.attachments.to_public(attachment)}
        entry = await self.store.append(
            conversation_id, TranscriptEntry(Sender.CUSTOMER, attachment.name, conversation.language, extra=extra)
        )
        log.info("customer attachment", extra=log_fields(conversation=conversation_id, kind=attachment.kind.value))
        await self.customer_entry(conversation_id, entry.seq)
        return entry

    async def customer_resumed(self, conversation_id: str) -> dict[str, Any] | None:
        """Where a customer who reconnected stands: the ``handoff_status`` to send, or None.

        A waiting customer is sent their place through the queue's own update.
        """
        conversation = await self.store.get(conversation_id)
        if conversation is None or conversation.state is ConversationState.BOT:
            return None
        if conversation.state is ConversationState.QUEUED:
            await self.notify.queue_changed()
            return None
        agent = await self.agents.get(conversation.agent or "")
        return handoff_assigned_payload(agent.display_name if agent else "")

    async def customer_typing(self, conversation_id: str, on: bool) -> None:
        conversation = await self.store.get(conversation_id)
        if conversation is not None and conversation.state is ConversationState.ASSIGNED:
            payload = customer_typing_payload(conversation_id, on)
            await self.notify.to_agents_of(conversation_id, AgentEvent.CUSTOMER_TYPING, payload, conversation.agent)

    async def leave_offline_ticket(self, conversation_id: str, email: object, message: object) -> bool:
        """Keep a message and an email address for the team, when nobody can answer now."""
        try:
            address, text = parse_ticket(email, message)
        except TicketRefused:
            return False
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            return False
        try:
            language, customer = conversation.language, conversation.customer
            ticket = await self.tickets.add(conversation_id, address, text, language, customer)
        except TooManyTickets:
            log.warning("offline ticket refused: too many", extra=log_fields(conversation=conversation_id))
            return False
        entry = TranscriptEntry(Sender.CUSTOMER, text, conversation.language, extra={"email": address})
        await self.store.append(conversation_id, entry)
        await self.notify.to_all_agents(AgentEvent.OFFLINE_TICKET, ticket.to_public())
        log.info("offline ticket", extra=log_fields(conversation=conversation_id, language=conversation.language))
        return True

    async def email_transcript(self, conversation_id: str, email: object) -> ProtocolErrorCode | None:
        """Email the customer their conversation; None when the SMTP server took it, else why not."""
        address = email.strip() if isinstance(email, str) else ""
        if not is_email_address(address):
            return ProtocolErrorCode.MALFORMED
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            return ProtocolErrorCode.MALFORMED
        if not self.mailer.configured:
            return ProtocolErrorCode.EMAIL_UNAVAILABLE
        counter = keys.transcript_emails_key(conversation_id)
        async with self.store.redis.pipeline(transaction=True) as pipe:
            pipe.incr(counter)
            pipe.expire(counter, TRANSCRIPT_EMAILS_TTL_S, nx=True)
            sent_today, _ = await pipe.execute()
        if int(sent_today) > MAX_TRANSCRIPT_EMAILS:
            log.warning("transcript email refused: too many", extra=log_fields(conversation=conversation_id))
            return ProtocolErrorCode.RATE_LIMITED
        entries = await self.store.transcript(conversation_id)
        message = transcript_message(address, entries, conversation.language, self.mailer.timezone)
        try:
            await self.mailer.send(message)
        except MailFailed as error:
            await self.store.redis.decr(counter)  # not sent: it does not count
            log.error("transcript email failed: %s", error, extra=log_fields(conversation=conversation_id))
            return ProtocolErrorCode.EMAIL_UNAVAILABLE
        note = TranscriptEntry(Sender.SYSTEM, "The customer had the transcript emailed to them", conversation.language)
        await self.store.append(conversation_id, note)
        log.info("transcript emailed", extra=log_fields(conversation=conversation_id, language=conversation.language))
        return None

    async def rate(self, conversation_id: str, score: object, comment: object) -> bool:
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            return False
        text = clean_text(comment)[:MAX_COMMENT_CHARS] if isinstance(comment, str) else ""
        stored = await self.queue.record_rating(conversation_id, score, text)
        if stored:
            log.info("rated", extra=log_fields(conversation=conversation_id, score=score))
            if self.analytics is not None:
                await self.analytics.rated(conversation_id, score)
        return stored
