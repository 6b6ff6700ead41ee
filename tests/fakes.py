"""Narrow stand-ins for unit tests: a scripted Rasa, an emitter that records, and the
handoff service wired over a real Redis. Integration and browser tests use the real parts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from bot.analytics.recorder import AnalyticsRecorder
from bot.core.conversations import ConversationStore
from bot.core.customer_protocol import UserMessage
from bot.core.languages import Language
from bot.gateway.dialogue import Dialogue
from bot.nlu.rasa_client import AssistantUnavailable, RasaClient
from bot.staff.accounts import AgentDirectory
from bot.trainer.inbox import NluInbox
from handoff.assist import AssistantReader
from handoff.attachments import Attachments
from handoff.desk import AgentDesk
from handoff.hours import BusinessHours
from handoff.mail import Mailer
from handoff.parts import Guesser, HandoffParts
from handoff.service import HandoffService

SECRET = "test-secret"
#: The shop's key for customer identity verification (bot.core.identity).
IDENTITY_SECRET = "test-identity-secret"


class ScriptedRasa(RasaClient):
    """Answers every message with the same replies, or fails as if Rasa were down."""

    def __init__(self, replies: list[dict[str, Any]] | None = None, fail: bool = False) -> None:
        self.replies = replies or []
        self.fail = fail
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    async def send_message(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        self.sent.append((sender_id, text, metadata))
        if self.fail:
            raise AssistantUnavailable("down")
        return self.replies


@dataclass
class ScriptedAssistant:
    """Rasa's parse, domain and tracker as agent assist reads them: scripted, optionally slow or down."""

    parses: dict[str, dict[str, Any]] = field(default_factory=dict)
    domain_data: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    delay_s: float = 0.0
    down: bool = False
    parsed: list[str] = field(default_factory=list)

    async def _answer(self) -> None:
        await asyncio.sleep(self.delay_s)
        if self.down:
            raise AssistantUnavailable("scripted outage")

    async def parse(self, text: str) -> dict[str, Any]:
        self.parsed.append(text)
        await self._answer()
        return self.parses.get(text, {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "intent_ranking": []})

    async def domain(self) -> dict[str, Any]:
        await self._answer()
        return self.domain_data

    async def tracker_events(self, sender_id: str) -> list[dict[str, Any]]:
        await self._answer()
        return self.events


@dataclass
class Emitted:
    event: str
    data: Any
    room: Any
    namespace: str | None


@dataclass
class RecordingEmitter:
    """What the notifier emits, in order, instead of a socket.io server."""

    emitted: list[Emitted] = field(default_factory=list)

    async def emit(self, event: str, data: Any = None, *, room: Any = None, namespace: str | None = None) -> None:
        self.emitted.append(Emitted(str(event), data, room, namespace))

    def events(self, room: Any = None) -> list[str]:
        return [item.event for item in self.emitted if room is None or item.room == room]

    def payloads(self, event: str) -> list[Any]:
        return [item.data for item in self.emitted if item.event == event]


def handoff_parts(
    redis: Redis,
    emitter: RecordingEmitter | None = None,
    *,
    inbox: NluInbox | None = None,
    analytics: AnalyticsRecorder | None = None,
    guesses: Guesser | None = None,
    assistant: AssistantReader | None = None,
    ttl_s: int = 60,
    mailer: Mailer | None = None,
    attachments: Attachments | None = None,
) -> HandoffParts:
    return HandoffParts.build(
        redis,
        emitter or RecordingEmitter(),
        ConversationStore(redis, ttl_s),
        AgentDirectory(redis),
        BusinessHours("", "UTC"),
        inbox=inbox,
        guesses=guesses,
        analytics=analytics,
        assistant=assistant,
        mailer=mailer,
        attachments=attachments,
    )


def handoff_service(redis: Redis, emitter: RecordingEmitter | None = None, **kwargs: Any) -> HandoffService:
    return HandoffService(handoff_parts(redis, emitter, **kwargs))


def agent_desk(redis: Redis, emitter: RecordingEmitter | None = None, **kwargs: Any) -> AgentDesk:
    return AgentDesk(handoff_parts(redis, emitter, **kwargs))


def dialogue(
    redis: Redis,
    rasa: RasaClient,
    *,
    emitter: RecordingEmitter | None = None,
    inbox: NluInbox | None = None,
    analytics: AnalyticsRecorder | None = None,
) -> Dialogue:
    """A dialogue whose handoffs go through a real handoff service over ``redis``."""
    service = handoff_service(redis, emitter, inbox=inbox, analytics=analytics)
    return Dialogue(service.store, rasa, SECRET, service, inbox, analytics, identity_secret=IDENTITY_SECRET)


def user_message(text: str, language: Language | None = None, client_id: str | None = None) -> UserMessage:
    return UserMessage(text=text, session_id=None, language=language, client_message_id=client_id, metadata={})
