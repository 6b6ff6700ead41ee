"""Agent assist: while a person has the conversation, the assistant keeps reading it.

For each new customer message the served model reads it (``/model/parse`` over
loopback) and the agent is sent up to three suggested replies
(:func:`handoff.suggestions.rank_suggestions`). The reading runs in the
background, after the message was stored and relayed: a slow or absent Rasa
delays or drops suggestions, never the chat. At most ``max_running`` readings
run at once and ``max_waiting`` more wait; beyond that a message gets none
(logged). The latest suggestions of each conversation are kept in Redis, so a
reloaded console, on any gateway, shows them, and expire with the conversation.

The summary at the top of a claimed conversation comes from Rasa's tracker
(what the model made of each customer message, what it answered) and the
conversation's own handoff fields (:func:`handoff.suggestions.conversation_summary`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Final, Protocol

from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentEvent, suggestions_payload
from bot.core.conversations import ConversationStore, Sender
from bot.core.languages import Language
from bot.core.logs import log_fields
from bot.nlu.rasa_client import AssistantUnavailable
from bot.nlu.responses import ServedDomain
from bot.staff.accounts import AgentDirectory
from handoff.canned import signed_canned_answers
from handoff.notify import HandoffNotifier
from handoff.suggestions import AnswerBook, Suggestion, conversation_summary, rank_suggestions

__all__ = ["AgentAssist", "AssistantReader"]

log = logging.getLogger(__name__)

#: Suggestions later than this are dropped: the agent has moved on.
DEFAULT_TIMEOUT_S: Final = 2.0
DEFAULT_MAX_RUNNING: Final = 4
DEFAULT_MAX_WAITING: Final = 64
#: A summary reads the tracker; it waits at most this long for it.
SUMMARY_TIMEOUT_S: Final = 3.0

# KEYS[1] the latest suggestions, KEYS[2] the conversation hash
# ARGV[1] the payload (JSON), ARGV[2] its message's seq
# Keeps the payload unless newer suggestions are there; it expires with the conversation.
# Returns 1 kept, 0 not (older than what is kept, or the conversation is gone).
KEEP_LATEST_SCRIPT: Final = """
local ttl = redis.call('PTTL', KEYS[2])
if ttl <= 0 then return 0 end
local current = redis.call('GET', KEYS[1])
if current and tonumber(cjson.decode(current)['seq']) > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
return 1
"""


class AssistantReader(Protocol):
    """What assist needs of the Rasa server (``RasaClient``)."""

    async def parse(self, text: str) -> dict[str, Any]: ...

    async def domain(self) -> dict[str, Any]: ...

    async def tracker_events(self, sender_id: str) -> list[dict[str, Any]]: ...


class AgentAssist:
    def __init__(
        self,
        redis: Redis,
        store: ConversationStore,
        notify: HandoffNotifier,
        agents: AgentDirectory,
        reader: AssistantReader,
        *,
        domain: ServedDomain | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_running: int = DEFAULT_MAX_RUNNING,
        max_waiting: int = DEFAULT_MAX_WAITING,
    ) -> None:
        self.redis = redis
        self.store = store
        self.notify = notify
        self.agents = agents
        self.reader = reader
        self.timeout_s = timeout_s
        self.max_pending = max_running + max_waiting
        self._running = asyncio.Semaphore(max_running)
        self._pending: set[asyncio.Task[None]] = set()
        self.domain = domain or ServedDomain(reader)

    # --- suggestions ----------------------------------------------------
    def suggest_soon(self, conversation_id: str, seq: int, text: str, language: Language, agent: str | None) -> bool:
        """Read a customer's message in the background and send the agent suggestions.

        Returns False when too many readings are pending and this one was skipped.
        """
        if len(self._pending) >= self.max_pending:
            log.warning("suggestions skipped: too many pending", extra=log_fields(conversation=conversation_id))
            return False
        task = asyncio.create_task(self._suggest(conversation_id, seq, text, language, agent))
        self._pending.add(task)
        task.add_done_callback(self._finished)
        return True

    async def suggest_for_latest(self, conversation_id: str, agent: str | None) -> bool:
        """Suggestions for the customer's last message (an agent just took the conversation)."""
        for entry in reversed(await self.store.recent(conversation_id, 20)):
            if entry.sender is Sender.CUSTOMER and not entry.text.startswith("/"):
                return self.suggest_soon(conversation_id, entry.seq, entry.text, entry.language, agent)
        return False

    async def _suggest(self, conversation_id: str, seq: int, text: str, language: Language, agent: str | None) -> None:
        fields = log_fields(conversation=conversation_id, language=language, seq=seq)
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout_s):
                async with self._running:
                    suggestions = await self.suggestions_for(text, language, agent)
        except (AssistantUnavailable, TimeoutError) as error:
            log.warning("no suggestions: %s", error or "timed out", extra=fields)
            return
        payload = suggestions_payload(conversation_id, seq, [s.to_public() for s in suggestions])
        kept = await self.redis.eval(
            KEEP_LATEST_SCRIPT,
            2,
            keys.suggestions_key(conversation_id),
            keys.conversation_key(conversation_id),
            json.dumps(payload, ensure_ascii=False),
            seq,
        )
        if not kept:
            return  # newer suggestions came first, or the conversation is gone
        # The conversation may have changed hands while the model read: send to whoever has it now.
        conversation = await self.store.get(conversation_id)
        await self.notify.to_agents_of(
            conversation_id, AgentEvent.SUGGESTIONS, payload, conversation.agent if conversation else agent
        )
        log.info(
            "suggestions sent",
            extra=log_fields(**fields, count=len(suggestions), ms=round((time.monotonic() - started) * 1000)),
        )

    async def suggestions_for(self, text: str, language: Language, agent: str | None) -> list[Suggestion]:
        """Up to three replies to ``text`` in ``language``: the assistant's answers and the canned ones."""
        parse_data = await self.reader.parse(text)
        member = await self.agents.get(agent) if agent else None
        canned = signed_canned_answers(language, member.display_name if member else "")
        return rank_suggestions(parse_data, language, await self.answers(), canned)

    async def answers(self) -> AnswerBook:
        """The served model's FAQ answers (none while its domain could never be read)."""
        return AnswerBook.from_domain(await self.domain.get() or {})

    async def latest(self, conversation_id: str) -> dict[str, Any] | None:
        """The last suggestions sent for the conversation, if they are still kept."""
        raw = await self.redis.get(keys.suggestions_key(conversation_id))
        if raw is None:
            return None
        payload = json.loads(raw)
        return payload if isinstance(payload, dict) else None

    # --- the summary ----------------------------------------------------
    async def summary(self, conversation_id: str) -> dict[str, Any] | None:
        """What an agent taking the conversation should know; None for an unknown conversation."""
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            return None
        events: list[dict[str, Any]] | None
        try:
            async with asyncio.timeout(SUMMARY_TIMEOUT_S):
                events = await self.reader.tracker_events(conversation_id)
        except (AssistantUnavailable, TimeoutError) as error:
            # The agent still gets what the gateway knows itself; the summary says the rest is missing.
            log.warning(
                "summary without the assistant: %s",
                error or "timed out",
                extra=log_fields(conversation=conversation_id),
            )
            events = None
        return conversation_summary(conversation, events, time.time())

    # --- lifecycle -------------------------------------------------------
    def _finished(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("suggestions failed", exc_info=task.exception())

    async def stop(self) -> None:
        """Cancel the readings still pending (the gateway is stopping)."""
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
