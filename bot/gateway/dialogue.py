"""What happens to a customer's message: the core the socket handlers call.

Plain async functions over the conversation store and the Rasa client; they
know nothing of sockets, so the unit tests call them directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import RedisError

from bot.analytics.recorder import AnalyticsRecorder
from bot.core.conversations import ConversationState, ConversationStore, Sender, TranscriptEntry
from bot.core.customer_protocol import UserMessage, bot_uttered_payload
from bot.core.customer_text import customer_text
from bot.core.languages import DEFAULT_LANGUAGE, Language
from bot.core.logs import log_fields
from bot.core.signals import HandoffReason, HandoffSignal, parse_handoff_signal, parse_low_confidence
from bot.gateway.sessions import is_signed_session_id, issue_session_id
from bot.nlu.language_detection import resolve_language
from bot.nlu.rasa_client import AssistantUnavailable, RasaClient
from bot.trainer.inbox import InboxReason, NluInbox
from handoff.queue import HandoffQueue

log = logging.getLogger(__name__)


class UnknownConversation(Exception):
    """A message names a conversation the store does not have."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(conversation_id)
        self.conversation_id = conversation_id


@dataclass
class SessionOpened:
    session_id: str
    resumed: bool
    #: The client asked for a session we could not give back (forged, expired).
    replaced: bool


@dataclass
class AcceptedMessage:
    """A customer message after it was stored (or recognised as a resend)."""

    conversation_id: str
    text: str
    language: Language
    seq: int = 0
    duplicate: bool = False
    #: False while the conversation waits for, or is with, a person.
    for_assistant: bool = True


@dataclass
class Outcome:
    """What the customer is sent after the assistant handled one message."""

    replies: list[TranscriptEntry] = field(default_factory=list)
    handoff: HandoffSignal | None = None
    #: The assistant was not sure what the customer meant (it asked to rephrase, or handed off for it).
    low_confidence: bool = False
    #: The model's best guesses for the message, when the action server told them.
    intents: list[dict[str, Any]] = field(default_factory=list)


class Dialogue:
    def __init__(
        self,
        store: ConversationStore,
        rasa: RasaClient,
        session_secret: str,
        queue: HandoffQueue,
        inbox: NluInbox | None = None,
        analytics: AnalyticsRecorder | None = None,
    ) -> None:
        self.store = store
        self.rasa = rasa
        self.session_secret = session_secret
        self.queue = queue
        self.inbox = inbox
        self.analytics = analytics

    async def open_session(self, requested_id: str | None, language: Language | None = None) -> SessionOpened:
        """Resume ``requested_id`` if we issued it and still have it, else start a new session."""
        if requested_id and is_signed_session_id(self.session_secret, requested_id):
            if await self.store.get(requested_id) is not None:
                return SessionOpened(requested_id, resumed=True, replaced=False)
        session_id = issue_session_id(self.session_secret)
        await self.store.create(session_id, language or DEFAULT_LANGUAGE)
        log.info("session opened", extra=log_fields(conversation=session_id, replaced=bool(requested_id)))
        return SessionOpened(session_id, resumed=False, replaced=bool(requested_id))

    async def accept_customer_message(self, conversation_id: str, message: UserMessage) -> AcceptedMessage:
        """Store the message in the transcript, once, in the language it is in."""
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        language = resolve_language(message.text, message.language, conversation.language)
        if message.client_message_id and not await self.store.accept_client_message_id(
            conversation_id, message.client_message_id
        ):
            return AcceptedMessage(conversation_id, message.text, language, duplicate=True, for_assistant=False)
        if language != conversation.language:
            await self.store.set_language(conversation_id, language)
        entry = await self.store.append(
            conversation_id,
            TranscriptEntry(Sender.CUSTOMER, message.text, language, client_message_id=message.client_message_id),
        )
        if self.analytics is not None:
            await self.analytics.customer_message(conversation_id, language)
        for_assistant = conversation.state == ConversationState.BOT
        if not for_assistant:
            log.info("message kept for a person", extra=log_fields(conversation=conversation_id, language=language))
        return AcceptedMessage(conversation_id, message.text, language, entry.seq, for_assistant=for_assistant)

    async def ask_assistant(self, accepted: AcceptedMessage) -> Outcome:
        """Pass an accepted message to Rasa; store its replies and any handoff signal."""
        conversation_id, language = accepted.conversation_id, accepted.language
        fields = {"conversation": conversation_id, "language": language}
        try:
            replies = await self.rasa.send_message(conversation_id, accepted.text, {"language": language})
        except AssistantUnavailable as error:
            log.warning("assistant unavailable: %s", error, extra=log_fields(**fields))
            return await self._assistant_unavailable(conversation_id, language)
        outcome = Outcome()
        for reply in replies:
            signal = parse_handoff_signal(reply.get("custom"))
            if signal is not None:
                outcome.handoff = signal
                outcome.intents = signal.intents or outcome.intents
                outcome.low_confidence |= signal.reason is HandoffReason.LOW_CONFIDENCE
                continue
            guesses = parse_low_confidence(reply.get("custom"))
            if guesses is not None:
                outcome.low_confidence = True
                outcome.intents = guesses
                continue
            payload = bot_uttered_payload(reply)
            if not payload:
                continue
            extra = {key: value for key, value in payload.items() if key != "text"}
            entry = TranscriptEntry(Sender.BOT, payload.get("text", ""), language, extra=extra)
            outcome.replies.append(await self.store.append(conversation_id, entry))
        if self.analytics is not None:
            await self.analytics.assistant_turn(language, low_confidence=outcome.low_confidence)
        if outcome.handoff is not None:
            queued = await self.queue.enqueue(conversation_id, outcome.handoff)
            log.info("handoff signalled", extra=log_fields(**fields, reason=outcome.handoff.reason.value))
            if queued and self.analytics is not None:
                await self.analytics.handoff(conversation_id, outcome.handoff.reason, language)
        await self._keep_for_trainers(accepted, outcome)
        return outcome

    async def _keep_for_trainers(self, accepted: AcceptedMessage, outcome: Outcome) -> None:
        """A message the assistant did not understand, or that led to a person, goes to the inbox."""
        if self.inbox is None or not (outcome.low_confidence or outcome.handoff is not None):
            return
        reason = InboxReason.LOW_CONFIDENCE if outcome.low_confidence else InboxReason.HANDOFF
        try:
            await self.inbox.add(
                text=accepted.text,
                language=accepted.language,
                reason=reason,
                conversation_id=accepted.conversation_id,
                seq=accepted.seq,
                intents=outcome.intents,
                detail=outcome.handoff.reason.value if outcome.handoff is not None else "",
            )
        except RedisError as error:
            # The customer's answer is stored and on its way; only the trainers miss this one.
            log.error(
                "not kept for trainers: redis: %s", error, extra=log_fields(conversation=accepted.conversation_id)
            )

    async def handle_customer_message(
        self, conversation_id: str, message: UserMessage
    ) -> tuple[AcceptedMessage, Outcome]:
        """Accept a message and, unless a person has the conversation, get the assistant's answer."""
        accepted = await self.accept_customer_message(conversation_id, message)
        if not accepted.for_assistant:
            return accepted, Outcome()
        return accepted, await self.ask_assistant(accepted)

    async def _assistant_unavailable(self, conversation_id: str, language: Language) -> Outcome:
        apology = TranscriptEntry(Sender.BOT, customer_text(language, "assistant_unavailable"), language)
        signal = HandoffSignal.for_reason(HandoffReason.ASSISTANT_UNAVAILABLE)
        await self.store.append(conversation_id, apology)
        if await self.queue.enqueue(conversation_id, signal) and self.analytics is not None:
            await self.analytics.handoff(conversation_id, signal.reason, language)
        return Outcome(replies=[apology], handoff=signal)
