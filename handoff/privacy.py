"""Data controls: everything kept about one customer, exported or deleted, and one retention for every store.

A request names its customer by any of: a conversation id (what agents see),
the shop's id for a verified customer (every conversation they had), or an
email address (their offline tickets, and conversations of a verified
customer with that address). What is kept about them:

- each conversation: its state and the transcript (``bot.core.conversations``),
  the handoff episodes and ratings, agent assist's suggestions, counters;
- Rasa's tracker of it (``rasa:tracker:<id>`` in the same Redis, endpoints.yml);
- offline tickets they left, the trainers' inbox items taken from their messages,
  and the files they and the agents sent (:mod:`handoff.attachments`).

Aggregated analytics (per day and language) hold nothing about one customer
and stay. Deleting a conversation that is waiting or with an agent takes it out
of the queue and the agent's list, and every console is told.

Retention: ``RETENTION_DAYS`` is how long all of it is kept after the last
message. Conversations and Rasa's trackers expire by themselves in Redis;
tickets and inbox items are swept by :class:`RetentionSweeper` in the gateway,
or by ``python -m handoff.privacy sweep``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from dataclasses import dataclass
from typing import Any, Final

from bot.core import keys
from bot.core.identity import Customer
from bot.core.logs import log_fields
from bot.core.redis_connection import connect as connect_redis
from bot.core.redis_values import as_text
from bot.core.text import is_email_address
from bot.trainer.inbox import InboxItem, NluInbox
from handoff.attachments import Attachments, LocalDiskStorage
from handoff.parts import UsesHandoffParts
from handoff.tickets import OfflineTickets

__all__ = ["CustomerRecords", "RetentionSweeper", "Subject", "SubjectRefused"]

log = logging.getLogger(__name__)

#: Rasa's Redis tracker store (key_prefix "rasa" in endpoints.yml, then Rasa's own "tracker:").
RASA_TRACKER_PREFIX: Final = "rasa:tracker:"
RASA_LOCK_PREFIX: Final = "rasa:lock:"
#: Conversation hashes read per SCAN step when looking for an email address.
SCAN_COUNT: Final = 500


class SubjectRefused(ValueError):
    """The request names nobody (or an email address that is not one)."""


@dataclass(frozen=True)
class Subject:
    """Whom a request is about: any of the three, at least one."""

    conversation_id: str = ""
    customer_id: str = ""
    email: str = ""

    @classmethod
    def parse(cls, conversation_id: object = "", customer_id: object = "", email: object = "") -> Subject:
        def text(value: object, limit: int) -> str:
            return value.strip()[:limit] if isinstance(value, str) else ""

        subject = cls(text(conversation_id, 100), text(customer_id, 128), text(email, 254).lower())
        if subject.email and not is_email_address(subject.email):
            raise SubjectRefused("email is not an email address")
        if not (subject.conversation_id or subject.customer_id or subject.email):
            raise SubjectRefused("name a conversation_id, a customer_id or an email")
        return subject

    def to_public(self) -> dict[str, str]:
        return {name: value for name, value in vars(self).items() if value}


def _json(raw: bytes | str | None) -> Any:
    return json.loads(raw) if raw is not None else None


class CustomerRecords(UsesHandoffParts):
    """Find, export and delete what is kept about one customer."""

    async def conversations_of(self, subject: Subject) -> list[str]:
        """Every conversation still kept that the subject names."""
        found: set[str] = set()
        if subject.conversation_id:
            found.add(subject.conversation_id)
        if subject.customer_id:
            customer = Customer(subject.customer_id)
            found.update(await self.store.conversations_of(customer))
            latest = await self.store.conversation_of(customer)
            if latest:
                found.add(latest)
        if subject.email:
            found.update(await self._conversations_with_email(subject.email))
            found.update(str(ticket["conversation_id"]) for _, ticket in await self._tickets_of(subject, set()))
        live = [cid for cid in sorted(found) if await self.store.redis.exists(keys.conversation_key(cid))]
        return live

    async def _conversations_with_email(self, email: str) -> set[str]:
        """Conversations of verified customers with this address (a scan: an administrator's request)."""
        found: set[str] = set()
        prefix = keys.conversation_key("")
        async for key in self.store.redis.scan_iter(match=f"{prefix}*", count=SCAN_COUNT):
            address = as_text(await self.store.redis.hget(key, "customer_email"))
            if address and address.lower() == email:
                found.add(as_text(key)[len(prefix) :])
        return found

    async def _tickets_of(self, subject: Subject, conversation_ids: set[str]) -> list[tuple[str, dict[str, Any]]]:
        """The subject's offline tickets: each as stored (to remove it) and read."""
        return [
            (raw, ticket)
            for raw, ticket in await self.tickets.stored()
            if ticket.get("conversation_id") in conversation_ids
            or (subject.email and str(ticket.get("email", "")).lower() == subject.email)
            or (subject.customer_id and ticket.get("customer_id") == subject.customer_id)
        ]

    async def _inbox_items_of(self, conversation_ids: set[str]) -> list[InboxItem]:
        return await self.inbox.items_of(conversation_ids) if self.inbox is not None and conversation_ids else []

    async def export(self, subject: Subject) -> dict[str, Any]:
        """Everything kept about the subject, as one JSON-ready object."""
        ids = await self.conversations_of(subject)
        redis = self.store.redis
        conversations = []
        for cid in ids:
            hash_ = {as_text(k): as_text(v) for k, v in (await redis.hgetall(keys.conversation_key(cid))).items()}
            conversations.append(
                {
                    "conversation_id": cid,
                    "conversation": hash_,
                    "transcript": [entry.to_public() for entry in await self.store.transcript(cid)],
                    "handoffs": await self.queue.episodes(cid),
                    "suggestions": _json(await redis.get(keys.suggestions_key(cid))),
                    "rasa_tracker": _json(await redis.get(f"{RASA_TRACKER_PREFIX}{cid}")),
                    # Described, with the URLs they can be fetched at; the files stay files.
                    "attachments": [self.attachments.to_public(a) for a in await self.attachments.of_conversation(cid)]
                    if self.attachments is not None
                    else [],
                }
            )
        return {
            "subject": subject.to_public(),
            "exported_at": time.time(),
            "conversations": conversations,
            "offline_tickets": [ticket for _, ticket in await self._tickets_of(subject, set(ids))],
            "inbox_items": [item.to_public() for item in await self._inbox_items_of(set(ids))],
            "not_included": "aggregated analytics (per day and language), which hold nothing about one customer",
        }

    async def delete(self, subject: Subject) -> dict[str, int]:
        """Delete everything kept about the subject; what was deleted, counted."""
        ids = await self.conversations_of(subject)
        redis = self.store.redis
        tickets = await self._tickets_of(subject, set(ids))
        items = await self._inbox_items_of(set(ids))
        left_queue = False
        customers: set[str] = {subject.customer_id} if subject.customer_id else set()
        removed_attachments = 0
        for cid in ids:
            if self.attachments is not None:
                removed_attachments += await self.attachments.delete_conversation(cid)
            conversation = await self.store.get(cid)
            if conversation is not None and conversation.customer is not None:
                customers.add(conversation.customer.id)
            left_queue |= await self.queue.forget(cid, conversation.agent if conversation else None)
            await redis.delete(
                keys.conversation_key(cid),
                keys.transcript_key(cid),
                keys.client_message_ids_key(cid),
                keys.episodes_key(cid),
                keys.suggestions_key(cid),
                keys.transcript_emails_key(cid),
                keys.conversation_tickets_key(cid),
                keys.inbox_count_key(cid),
                f"{RASA_TRACKER_PREFIX}{cid}",
                f"{RASA_LOCK_PREFIX}{cid}",
            )
        for customer_id in customers:
            await self.store.forget_customer(Customer(customer_id))
        removed_tickets = await self.tickets.remove([raw for raw, _ in tickets])
        removed_items = await self.inbox.remove([item.item_id for item in items]) if self.inbox is not None else 0
        if left_queue:
            await self.notify.queue_changed()
        counts = {
            "conversations": len(ids),
            "offline_tickets": removed_tickets,
            "inbox_items": removed_items,
            "attachments": removed_attachments,
        }
        log.warning("customer data deleted", extra=log_fields(**counts))
        return counts


class RetentionSweeper:
    """Drops offline tickets and trainers' inbox items older than the retention, once per interval per deployment."""

    def __init__(
        self,
        tickets: OfflineTickets,
        inbox: NluInbox,
        retention_s: float,
        interval_s: float = 3600.0,
        attachments: Attachments | None = None,
    ) -> None:
        self.tickets = tickets
        self.inbox = inbox
        self.attachments = attachments
        self.redis = tickets.redis
        self.retention_s = retention_s
        self.interval_s = interval_s

    async def sweep(self, now: float | None = None) -> dict[str, int]:
        """One sweep, now; what it dropped."""
        cutoff = (now if now is not None else time.time()) - self.retention_s
        counts = {
            "offline_tickets": await self.tickets.remove_older_than(cutoff),
            "inbox_items": await self.inbox.remove_older_than(cutoff),
            # Files (and thumbnails) older than the retention: their descriptions in Redis expired with it.
            "attachment_files": await self.attachments.storage.remove_older_than(cutoff) if self.attachments else 0,
        }
        if any(counts.values()):
            log.info("retention sweep", extra=log_fields(**counts))
        return counts

    async def run_forever(self) -> None:
        """Sweep every interval; of several gateways, the one that takes the interval's lock does it."""
        while True:
            try:
                if await self.redis.set(keys.retention_sweep_lock_key(), "1", nx=True, ex=max(1, int(self.interval_s))):
                    await self.sweep()
            except Exception:  # a failed sweep is tried again next interval; it must not end the task
                log.exception("retention sweep failed")
            await asyncio.sleep(self.interval_s)


# --- the command ---------------------------------------------------------------


async def _run(args: argparse.Namespace) -> int:
    from bot.core.conversations import ConversationStore
    from bot.core.settings import fill_missing_secrets, get_settings
    from bot.staff.accounts import AgentDirectory
    from handoff.hours import BusinessHours
    from handoff.parts import HandoffParts

    settings = get_settings()
    # The key `make run` keeps in VAR_DIR signs attachments' URLs in an export as the gateway signs them.
    fill_missing_secrets(settings, settings.var_dir / "session-secret")
    redis = connect_redis(settings.effective_redis_url)
    # Consoles are told through socket.io's Redis channel, as a gateway would tell them.
    import socketio

    emitter = socketio.AsyncRedisManager(settings.effective_redis_url, channel=keys.socketio_channel(), write_only=True)
    try:
        if args.action == "sweep":
            files = Attachments(redis, LocalDiskStorage(settings.resolved_attachments_dir), settings.session_secret, 1)
            sweeper = RetentionSweeper(OfflineTickets(redis), NluInbox(redis), settings.retention_s, attachments=files)
            print(json.dumps(await sweeper.sweep()))
            return 0
        subject = Subject.parse(args.conversation or "", args.customer or "", args.email or "")
        store = ConversationStore(redis, settings.retention_s)
        hours = BusinessHours(settings.business_hours, settings.business_timezone)
        storage = LocalDiskStorage(settings.resolved_attachments_dir)
        files = Attachments(redis, storage, settings.session_secret, settings.retention_s)
        agents = AgentDirectory(redis)
        parts = HandoffParts.build(redis, emitter, store, agents, hours, inbox=NluInbox(redis), attachments=files)
        records = CustomerRecords(parts)
        if args.action == "export":
            json.dump(await records.export(subject), sys.stdout, ensure_ascii=False, indent=2)
            print()
        else:
            print(json.dumps(await records.delete(subject)))
        return 0
    except SubjectRefused as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        await redis.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m handoff.privacy", description="Export or delete what is kept about one customer."
    )
    parser.add_argument("action", choices=["export", "delete", "sweep"], help="sweep: apply RETENTION_DAYS now")
    parser.add_argument("--conversation", help="a conversation id, as the console shows it")
    parser.add_argument("--customer", help="the shop's id of a verified customer: all their conversations")
    parser.add_argument("--email", help="an email address: their tickets and verified conversations")
    return asyncio.run(_run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
