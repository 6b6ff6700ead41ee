"""What the handoff's service and desk share: the store, the queue, the
directory of agents, the notifier, tickets, email, and where analytics and the
trainers' inbox are recorded. Built once per gateway process by :meth:`HandoffParts.build`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from bot.analytics.recorder import AnalyticsRecorder
from bot.core.conversations import ConversationStore
from bot.nlu.responses import ServedDomain
from bot.staff.accounts import AgentDirectory
from bot.trainer.inbox import NluInbox
from handoff.assist import AgentAssist, AssistantReader
from handoff.attachments import Attachments
from handoff.hours import BusinessHours
from handoff.mail import Mailer
from handoff.notify import Emitter, HandoffNotifier
from handoff.queue import HandoffQueue
from handoff.tickets import OfflineTickets

__all__ = ["Guesser", "HandoffParts", "UsesHandoffParts"]

#: Asks the model for its best guesses for a text (``RasaClient.guesses``).
Guesser = Callable[[str], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class HandoffParts:
    store: ConversationStore
    queue: HandoffQueue
    agents: AgentDirectory
    notify: HandoffNotifier
    tickets: OfflineTickets
    #: Where messages go for the trainers (None: nowhere).
    inbox: NluInbox | None = None
    #: How the model's guesses for a flagged message are asked (None: not asked).
    guesses: Guesser | None = None
    analytics: AnalyticsRecorder | None = None
    #: Suggested replies and summaries for agents (None: no assist).
    assist: AgentAssist | None = None
    #: Transcripts to customers and answers to tickets (unconfigured: no email).
    mailer: Mailer = field(default_factory=lambda: Mailer(None))
    #: Images and PDFs customers and agents send (None: none are taken).
    attachments: Attachments | None = None

    @classmethod
    def build(
        cls,
        redis: Redis,
        sio: Emitter,
        store: ConversationStore,
        agents: AgentDirectory,
        hours: BusinessHours,
        *,
        inbox: NluInbox | None = None,
        guesses: Guesser | None = None,
        analytics: AnalyticsRecorder | None = None,
        assistant: AssistantReader | None = None,
        domain: ServedDomain | None = None,
        mailer: Mailer | None = None,
        attachments: Attachments | None = None,
    ) -> HandoffParts:
        """Everything over one Redis connection pool and one socket.io server.

        ``assistant``: the Rasa server agent assist reads messages with (None: no assist).
        """
        queue = HandoffQueue(redis)
        notifier = HandoffNotifier(sio, store, queue, agents, hours)
        assist = AgentAssist(redis, store, notifier, agents, assistant, domain=domain) if assistant else None
        tickets = OfflineTickets(redis)
        mailer = mailer or Mailer(None)
        return cls(store, queue, agents, notifier, tickets, inbox, guesses, analytics, assist, mailer, attachments)


class UsesHandoffParts:
    """The service and the desk: each works on the same parts."""

    def __init__(self, parts: HandoffParts) -> None:
        self.store = parts.store
        self.queue = parts.queue
        self.agents = parts.agents
        self.notify = parts.notify
        self.tickets = parts.tickets
        self.inbox = parts.inbox
        self.guesses = parts.guesses
        self.analytics = parts.analytics
        self.assist = parts.assist
        self.mailer = parts.mailer
        self.attachments = parts.attachments
