"""Data controls over a real Redis: one customer's data found, exported and deleted; the retention sweep."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentEvent, AgentRole
from bot.core.conversations import Sender, TranscriptEntry
from bot.core.identity import Customer
from bot.core.signals import HandoffReason, HandoffSignal
from bot.trainer.inbox import InboxReason, NluInbox
from handoff.attachments import Attachments, LocalDiskStorage
from handoff.desk import AgentDesk
from handoff.parts import HandoffParts
from handoff.privacy import CustomerRecords, RetentionSweeper, Subject, SubjectRefused
from handoff.service import HandoffService
from tests.fakes import RecordingEmitter, handoff_parts
from tests.files import image_bytes

SARA = Customer("shop-7", "Sara", "sara@example.com")
REQUEST = HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST)


@pytest.fixture
def emitter() -> RecordingEmitter:
    return RecordingEmitter()


@pytest.fixture
def parts(redis_client: Redis, emitter: RecordingEmitter) -> HandoffParts:
    return handoff_parts(redis_client, emitter, inbox=NluInbox(redis_client), ttl_s=3600)


async def conversation(parts: HandoffParts, cid: str, text: str, customer: Customer | None = None) -> None:
    await parts.store.create(cid, "en")
    await parts.store.append(cid, TranscriptEntry(Sender.CUSTOMER, text, "en"))
    if customer is not None:
        assert await parts.store.identify(cid, customer)
    # Rasa's tracker of it, as Rasa's Redis tracker store keeps it.
    await parts.store.redis.set(f"rasa:tracker:{cid}", json.dumps({"sender_id": cid, "events": [{"text": text}]}))
    assert parts.inbox is not None
    await parts.inbox.add(text=text, language="en", reason=InboxReason.LOW_CONFIDENCE, conversation_id=cid, seq=1)


@pytest.fixture
async def records(parts: HandoffParts) -> CustomerRecords:
    service, desk = HandoffService(parts), AgentDesk(parts)
    await conversation(parts, "c1", "my card was charged twice", SARA)
    await conversation(parts, "c2", "where is order 4711", SARA)
    await conversation(parts, "c3", "hello", None)
    await conversation(parts, "c4", "someone else entirely", Customer("shop-8", "Arman", "arman@example.am"))
    assert await service.leave_offline_ticket("c1", "sara@example.com", "please call me back")
    assert await service.leave_offline_ticket("c3", "SARA@example.com", "it's me again, from my phone")
    assert await service.leave_offline_ticket("c4", "arman@example.am", "hi")
    # c1 is with an agent, c2 waits in the queue.
    anna = await parts.agents.add("anna", "pw-anna-1234", AgentRole.AGENT, "Anna")
    await service.request("c1", REQUEST)
    await desk.claim(anna, "c1")
    await service.request("c2", REQUEST)
    return CustomerRecords(parts)


def test_a_request_names_someone() -> None:
    assert Subject.parse(email=" Sara@Example.com ").email == "sara@example.com"
    for bad in ({}, {"email": "not an email"}, {"conversation_id": "  "}, {"customer_id": 7}):
        with pytest.raises(SubjectRefused):
            Subject.parse(**bad)


async def test_a_verified_customers_data_is_found_and_exported(records: CustomerRecords) -> None:
    data = await records.export(Subject.parse(customer_id="shop-7"))
    assert [c["conversation_id"] for c in data["conversations"]] == ["c1", "c2"]
    first = data["conversations"][0]
    assert first["transcript"][0]["text"] == "my card was charged twice"
    assert first["conversation"]["customer_email"] == "sara@example.com"
    assert first["rasa_tracker"]["events"] == [{"text": "my card was charged twice"}]
    assert [t["message"] for t in data["offline_tickets"]] == ["please call me back"]
    assert sorted(i["conversation_id"] for i in data["inbox_items"]) == ["c1", "c2"]
    json.dumps(data)  # all of it is JSON
    # By email: the verified conversations and every ticket left with the address, whatever its case.
    by_email = await records.export(Subject.parse(email="sara@example.com"))
    assert [c["conversation_id"] for c in by_email["conversations"]] == ["c1", "c2", "c3"]
    assert len(by_email["offline_tickets"]) == 2


async def test_deleting_a_customer_leaves_nothing_of_them_and_everyone_else_as_they_were(
    records: CustomerRecords, redis_client: Redis, emitter: RecordingEmitter
) -> None:
    deleted = await records.delete(Subject.parse(customer_id="shop-7"))
    assert deleted == {"conversations": 2, "offline_tickets": 1, "inbox_items": 2, "attachments": 0}
    for cid in ("c1", "c2"):
        for key in (
            keys.conversation_key(cid),
            keys.transcript_key(cid),
            keys.episodes_key(cid),
            keys.client_message_ids_key(cid),
            f"rasa:tracker:{cid}",
        ):
            assert not await redis_client.exists(key), key
    assert await redis_client.zrange(keys.handoff_queue_key(), 0, -1) == []
    assert await redis_client.smembers(keys.agent_conversations_key("anna")) == set()
    assert not await redis_client.exists(keys.customer_conversation_key("shop-7"))
    assert await records.store.conversations_of(SARA) == []
    # Consoles are told the queue changed.
    assert emitter.payloads(AgentEvent.QUEUE)[-1]["waiting"] == []
    # The others' data stays.
    assert await records.store.get("c3") is not None and await records.store.get("c4") is not None
    assert sorted(t["conversation_id"] for t in await records.tickets.newest()) == ["c3", "c4"]
    assert records.inbox is not None
    assert sorted(i.conversation_id for i in await records.inbox.items()) == ["c3", "c4"]
    # Asked again, there is nothing left to delete.
    assert await records.delete(Subject.parse(customer_id="shop-7")) == {
        "conversations": 0,
        "offline_tickets": 0,
        "inbox_items": 0,
        "attachments": 0,
    }


async def test_one_conversation_can_be_deleted_on_its_own(records: CustomerRecords) -> None:
    assert (await records.delete(Subject.parse(conversation_id="c3")))["conversations"] == 1
    assert await records.store.get("c3") is None
    assert await records.store.get("c1") is not None


async def test_the_retention_sweep_drops_old_tickets_and_inbox_items(parts: HandoffParts) -> None:
    assert parts.inbox is not None
    await conversation(parts, "c1", "hello")
    await HandoffService(parts).leave_offline_ticket("c1", "a@example.com", "hi")
    sweeper = RetentionSweeper(parts.tickets, parts.inbox, retention_s=3600)
    assert await sweeper.sweep() == {"offline_tickets": 0, "inbox_items": 0, "attachment_files": 0}
    later = time.time() + 3601
    assert await sweeper.sweep(now=later) == {"offline_tickets": 1, "inbox_items": 1, "attachment_files": 0}
    assert await parts.tickets.newest() == [] and await parts.inbox.items() == []


async def test_a_customers_files_are_exported_and_deleted_with_them(redis_client: Redis, tmp_path: Path) -> None:
    storage = LocalDiskStorage(tmp_path / "attachments")
    files_ = Attachments(redis_client, storage, "secret", ttl_s=3600)
    parts = handoff_parts(redis_client, inbox=NluInbox(redis_client), attachments=files_)
    await conversation(parts, "c1", "here is the photo", SARA)
    await HandoffService(parts).request("c1", REQUEST)
    await HandoffService(parts).customer_attachment("c1", "cup.png", image_bytes())
    records = CustomerRecords(parts)
    [exported] = (await records.export(Subject.parse(customer_id="shop-7")))["conversations"]
    assert [a["name"] for a in exported["attachments"]] == ["cup.png"]
    assert (await records.delete(Subject.parse(customer_id="shop-7")))["attachments"] == 1
    assert list((tmp_path / "attachments").iterdir()) == []
