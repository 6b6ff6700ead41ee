"""What happens to a customer's message: the core the customer socket calls.

Plain async functions over the conversation store, the Rasa client and the
handoff service; they know nothing of sockets (replies reach the customer's
room through the handoff notifier), so the unit tests call them directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.analytics.recorder import AnalyticsRecorder
from bot.core.conversations import Conversation, ConversationState, ConversationStore, Sender, TranscriptEntry
from bot.core.customer_protocol import (
    CustomerEvent,
    UserMessage,
    bot_uttered_payload,
    rasa_reply_payload,
    typing_payload,
    welcome_payload,
)
from bot.core.customer_text import customer_text
from bot.core.identity import Customer, customer_attributes, verify_identity
from bot.core.languages import DEFAULT_LANGUAGE, Language
from bot.core.logs import log_fields
from bot.core.signals import HandoffReason, HandoffSignal, parse_handoff_signal, parse_low_confidence
from bot.gateway.sessions import conversation_id_of, is_signed_session_id, issue_session_id, session_id_for
from bot.nlu.language_detection import resolve_language
from bot.nlu.rasa_client import AssistantUnavailable, RasaClient, with_language_entity
from bot.nlu.responses import ServedDomain, first_variation
from bot.trainer.inbox import InboxReason, NluInbox
from handoff.service import CustomerMessage, HandoffService

__all__ = ["AcceptedMessage", "Dialogue", "NewSessionRefused", "Outcome", "SessionOpened", "UnknownConversation"]

log = logging.getLogger(__name__)

#: The response a new chat opens with (domain.yml), with its starting quick replies.
WELCOME_RESPONSE = "utter_welcome"


class UnknownConversation(Exception):
    """A message names a conversation the store does not have."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(conversation_id)
        self.conversation_id = conversation_id


class NewSessionRefused(Exception):
    """No new session now (Redis is nearly full); a session in progress may still be resumed."""


@dataclass
class SessionOpened:
    #: The customer's credential: sent to the widget only.
    session_id: str
    #: The conversation's name everywhere else (:func:`conversation_id_of`).
    conversation_id: str
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
    #: Who the customer is, if the shop's server vouched for it.
    customer: Customer | None = None
    #: The page's own ``customData`` fields sent with the message.
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What the assistant made of one message."""

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
        handoff: HandoffService,
        inbox: NluInbox | None = None,
        analytics: AnalyticsRecorder | None = None,
        domain: ServedDomain | None = None,
        identity_secret: str = "",
    ) -> None:
        self.store = store
        #: Key of customer identity verification (:mod:`bot.core.identity`); empty: identities are refused.
        self.identity_secret = identity_secret
        self.domain = domain
        self.rasa = rasa
        self.session_secret = session_secret
        self.handoff = handoff
        self.inbox = inbox
        self.analytics = analytics

    async def open_session(
        self,
        requested_id: str | None,
        language: Language | None = None,
        *,
        new_allowed: bool = True,
        customer: Customer | None = None,
    ) -> SessionOpened:
        """Resume ``requested_id`` if we issued it and still have it, else start a new session.

        A verified ``customer`` resumes their own conversation from any device
        (:meth:`_customers_session`). :class:`NewSessionRefused` when a new
        session would be needed and ``new_allowed`` is false.
        """
        requested = await self._live_session(requested_id)
        if customer is not None:
            requested = await self._customers_session(requested, customer)
        if requested is not None:
            session_id, conversation = requested
            replaced = requested_id is not None and session_id != requested_id
            opened = SessionOpened(session_id, conversation.id, resumed=True, replaced=replaced)
        else:
            if not new_allowed:
                raise NewSessionRefused()
            session_id = issue_session_id(self.session_secret)
            conversation_id = conversation_id_of(session_id)
            await self.store.create(conversation_id, language or DEFAULT_LANGUAGE)
            log.info("session opened", extra=log_fields(conversation=conversation_id, replaced=bool(requested_id)))
            opened = SessionOpened(session_id, conversation_id, resumed=False, replaced=bool(requested_id))
        if customer is not None:
            await self.store.identify(opened.conversation_id, customer)
        return opened

    def verify_customer(self, claim: object) -> Customer:
        """The customer a page's identity names; :class:`bot.core.identity.IdentityRefused` unless properly signed."""
        return verify_identity(self.identity_secret, claim)

    async def _live_session(self, session_id: str | None) -> tuple[str, Conversation] | None:
        """``session_id`` and its conversation, if we issued it and still have it."""
        if not session_id or not is_signed_session_id(self.session_secret, session_id):
            return None
        conversation = await self.store.get(conversation_id_of(session_id))
        return (session_id, conversation) if conversation is not None else None

    async def _customers_session(
        self, requested: tuple[str, Conversation] | None, customer: Customer
    ) -> tuple[str, Conversation] | None:
        """Which conversation a verified customer continues.

        The one on this device if it is theirs, or anonymous and already under
        way (they signed in mid-chat); else their latest one from any device;
        else this device's empty anonymous one. Never someone else's: on a
        shared computer the next customer does not see the last one's chat.
        """
        if requested is not None:
            owner = requested[1].customer
            if owner is not None and owner.id == customer.id:
                return requested
            if owner is None and await self.store.length(requested[1].id):
                return requested
        own_id = await self.store.conversation_of(customer)
        own = await self.store.get(own_id) if own_id else None
        if own is not None and own.customer is not None and own.customer.id == customer.id:
            return session_id_for(self.session_secret, own.id), own
        if requested is not None and requested[1].customer is None:
            return requested
        return None

    async def welcome(self, language: Language) -> dict[str, Any] | None:
        """The greeting and starting quick replies in ``language`` (``utter_welcome`` of the served model).

        None while the served domain was never read or has no welcome in the language:
        the widget then keeps its own greeting.
        """
        domain = await self.domain.get() if self.domain is not None else None
        variation = first_variation(domain, WELCOME_RESPONSE, language) if domain else None
        return welcome_payload(language, variation) if variation else None

    async def accept_customer_message(self, conversation_id: str, message: UserMessage) -> AcceptedMessage:
        """Store the message in the transcript, once, in the language it is in."""
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise UnknownConversation(conversation_id)
        language = resolve_language(message.text, message.language, conversation.language)
        entry = await self.store.append_once(
            conversation_id,
            TranscriptEntry(Sender.CUSTOMER, message.text, language, client_message_id=message.client_message_id),
        )
        if entry is None:
            return AcceptedMessage(conversation_id, message.text, language, duplicate=True, for_assistant=False)
        attributes = customer_attributes(message.metadata)
        if attributes and attributes != conversation.attributes:
            await self.store.remember_attributes(conversation_id, attributes)
        if language != conversation.language:
            await self.store.set_language(conversation_id, language)
        if self.analytics is not None:
            await self.analytics.customer_message(conversation_id, language)
        for_assistant = conversation.state == ConversationState.BOT
        if not for_assistant:
            log.info("message kept for a person", extra=log_fields(conversation=conversation_id, language=language))
        return AcceptedMessage(
            conversation_id,
            message.text,
            language,
            entry.seq,
            for_assistant=for_assistant,
            customer=conversation.customer,
            attributes=attributes or conversation.attributes,
        )

    async def respond(self, accepted: AcceptedMessage) -> Outcome:
        """Everything after the acknowledgement of a stored message.

        A person's conversation: the agent is told. Otherwise the assistant
        answers (the customer sees it typing), its replies are sent, and a
        handoff it signals goes through the handoff service.
        """
        conversation_id = accepted.conversation_id
        if not accepted.for_assistant:
            if not accepted.duplicate:
                await self.handoff.customer_entry(conversation_id, accepted.seq)
            return Outcome()
        notify = self.handoff.notify
        await notify.to_customer(conversation_id, CustomerEvent.TYPING, typing_payload(Sender.BOT, True))
        try:
            outcome = await self.ask_assistant(accepted)
        finally:
            await notify.to_customer(conversation_id, CustomerEvent.TYPING, typing_payload(Sender.BOT, False))
        for entry in outcome.replies:
            await notify.to_customer(conversation_id, CustomerEvent.BOT_UTTERED, bot_uttered_payload(entry))
        if outcome.handoff is not None:
            await self.handoff.request(
                conversation_id,
                outcome.handoff,
                language=accepted.language,
                message=self._for_trainers(accepted, outcome),
            )
        return outcome

    async def ask_assistant(self, accepted: AcceptedMessage) -> Outcome:
        """Pass an accepted message to Rasa; store its replies and read any handoff signal."""
        conversation_id, language = accepted.conversation_id, accepted.language
        fields = {"conversation": conversation_id, "language": language}
        try:
            text = with_language_entity(accepted.text, language)
            replies = await self.rasa.send_message(conversation_id, text, self._rasa_metadata(accepted))
        except AssistantUnavailable as error:
            log.warning("assistant unavailable: %s", error, extra=log_fields(**fields))
            return await self._assistant_unavailable(conversation_id, language)
        if not replies:
            # Every intent has a rule that answers: silence means a part failed
            # (the action server, typically), and the customer must not wait for nothing.
            log.warning("assistant said nothing", extra=log_fields(**fields))
            return await self._assistant_unavailable(conversation_id, language)
        outcome = Outcome()
        for reply in replies:
            signal = parse_handoff_signal(reply.get("custom"))
            if signal is not None:
                if outcome.handoff is None:
                    # The response and the action both carry the signal: one turn, one record.
                    log.info("handoff signalled", extra=log_fields(**fields, reason=signal.reason.value))
                outcome.handoff = signal
                outcome.intents = signal.intents or outcome.intents
                outcome.low_confidence |= signal.reason is HandoffReason.LOW_CONFIDENCE
                continue
            guesses = parse_low_confidence(reply.get("custom"))
            if guesses is not None:
                outcome.low_confidence = True
                outcome.intents = guesses
                continue
            payload = rasa_reply_payload(reply)
            if not payload:
                continue
            extra = {key: value for key, value in payload.items() if key != "text"}
            entry = TranscriptEntry(Sender.BOT, payload.get("text", ""), language, extra=extra)
            outcome.replies.append(await self.store.append(conversation_id, entry))
        if self.analytics is not None:
            await self.analytics.assistant_turn(language, low_confidence=outcome.low_confidence)
        if outcome.low_confidence and outcome.handoff is None:
            await self._keep_for_trainers(accepted, outcome)
        return outcome

    @staticmethod
    def _rasa_metadata(accepted: AcceptedMessage) -> dict[str, Any]:
        """What Rasa's tracker gets with the message: its language, the page's attributes, the verified customer."""
        metadata: dict[str, Any] = {"language": accepted.language}
        if accepted.attributes:
            metadata["attributes"] = accepted.attributes
        if accepted.customer is not None:
            # The email stays with the gateway and the agents; the assistant needs no more than a name.
            metadata["customer"] = {"id": accepted.customer.id, "name": accepted.customer.name}
        return metadata

    @staticmethod
    def _for_trainers(accepted: AcceptedMessage, outcome: Outcome) -> CustomerMessage | None:
        """The message behind a handoff, for the trainers; none when the assistant never saw it."""
        if outcome.handoff is None or outcome.handoff.reason is HandoffReason.ASSISTANT_UNAVAILABLE:
            return None
        return CustomerMessage(accepted.text, accepted.seq, outcome.intents, outcome.low_confidence)

    async def _keep_for_trainers(self, accepted: AcceptedMessage, outcome: Outcome) -> None:
        """A message the assistant did not understand goes to the trainers' inbox."""
        if self.inbox is None:
            return
        # The customer's answer is stored and on its way; at worst only the trainers miss this one.
        await self.inbox.keep(
            text=accepted.text,
            language=accepted.language,
            reason=InboxReason.LOW_CONFIDENCE,
            conversation_id=accepted.conversation_id,
            seq=accepted.seq,
            intents=outcome.intents,
        )

    async def handle_customer_message(
        self, conversation_id: str, message: UserMessage
    ) -> tuple[AcceptedMessage, Outcome]:
        """Accept a message and respond to it (what the socket does, without the acknowledgement)."""
        accepted = await self.accept_customer_message(conversation_id, message)
        return accepted, await self.respond(accepted)

    async def _assistant_unavailable(self, conversation_id: str, language: Language) -> Outcome:
        apology = TranscriptEntry(Sender.BOT, customer_text(language, "assistant_unavailable"), language)
        await self.store.append(conversation_id, apology)
        return Outcome(replies=[apology], handoff=HandoffSignal.for_reason(HandoffReason.ASSISTANT_UNAVAILABLE))
