"""Attachments over a real Redis and a real directory: checked by their bytes, thumbnails, signed URLs, deletion,
and the customer's and agent's paths through the handoff service and desk."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.core.agent_protocol import AgentErrorCode, AgentRequestError, AgentRole
from bot.core.conversations import Sender, TranscriptEntry
from bot.core.customer_protocol import CustomerEvent
from bot.core.signals import HandoffReason, HandoffSignal
from handoff.attachments import (
    AttachmentKind,
    AttachmentRefused,
    Attachments,
    LocalDiskStorage,
    RefusalReason,
    sniff,
)
from handoff.desk import AgentDesk
from handoff.service import HandoffService, NotWithAPerson
from tests import files
from tests.fakes import RecordingEmitter, handoff_parts

SECRET = "attachment-test-secret"


@pytest.fixture
def attachments(redis_client: Redis, tmp_path: Path) -> Attachments:
    return Attachments(
        redis_client, LocalDiskStorage(tmp_path / "attachments"), SECRET, ttl_s=3600, max_bytes=2_000_000
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (files.image_bytes("PNG"), ("image/png", AttachmentKind.IMAGE)),
        (files.image_bytes("JPEG"), ("image/jpeg", AttachmentKind.IMAGE)),
        (files.image_bytes("GIF"), ("image/gif", AttachmentKind.IMAGE)),
        (files.image_bytes("WEBP"), ("image/webp", AttachmentKind.IMAGE)),
        (files.pdf_bytes(), ("application/pdf", AttachmentKind.PDF)),
        (files.SVG, None),
        (files.HTML, None),
        (b"MZ\x90\x00 an executable", None),
        (b"PK\x03\x04 a zip", None),
        (b"", None),
    ],
)
def test_the_type_is_the_bytes(data: bytes, expected: tuple[str, AttachmentKind] | None) -> None:
    assert sniff(data) == expected


async def test_an_image_is_kept_with_a_thumbnail_and_served_only_to_its_conversation(attachments: Attachments) -> None:
    photo = files.image_bytes("JPEG", (1600, 1200))
    stored = await attachments.store("c1", "broken-cup.pdf", photo)  # the name says PDF; the bytes say JPEG
    assert (stored.kind, stored.mime, stored.name, stored.size) == (
        AttachmentKind.IMAGE,
        "image/jpeg",
        "broken-cup.pdf",
        len(photo),
    )
    public = attachments.to_public(stored)
    assert str(public["url"]).startswith(f"/attachments/{stored.id}?c=c1&s=")
    assert str(public["thumb_url"]).endswith("&thumb=1")
    signature = str(public["url"]).split("&s=")[1]
    opened = await attachments.open(stored.id, "c1", signature)
    assert opened is not None and opened[1] == photo
    thumb = await attachments.open(stored.id, "c1", signature, thumb=True)
    assert thumb is not None and max(Image_size(thumb[1])) <= 320
    # Another conversation's URL, a made-up signature, an unknown id: nothing.
    other = await attachments.store("c2", "x.png", files.image_bytes("PNG"))
    other_signature = str(attachments.to_public(other)["url"]).split("&s=")[1]
    assert await attachments.open(stored.id, "c2", other_signature) is None
    assert await attachments.open(stored.id, "c2", signature) is None
    assert await attachments.open(stored.id, "c1", "A" * 24) is None
    assert await attachments.open("../../etc/passwd", "c1", signature) is None


def Image_size(data: bytes) -> tuple[int, int]:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.size


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (files.SVG, RefusalReason.TYPE),
        (files.HTML, RefusalReason.TYPE),
        (files.FAKE_PNG, RefusalReason.TYPE),  # PNG's first bytes, not an image
        (b"", RefusalReason.EMPTY),
        (files.image_bytes("PNG", (8000, 6000), mode="1"), RefusalReason.TOO_LARGE),  # 48 million pixels
        (b"%PDF-1.4\n" + b"x" * 2_000_000, RefusalReason.TOO_LARGE),
    ],
)
async def test_what_is_not_taken_is_refused_and_nothing_is_kept(
    attachments: Attachments, tmp_path: Path, data: bytes, reason: RefusalReason
) -> None:
    with pytest.raises(AttachmentRefused) as refused:
        await attachments.store("c1", "file", data)
    assert refused.value.reason is reason
    assert await attachments.of_conversation("c1") == []
    assert not (tmp_path / "attachments").exists() or list((tmp_path / "attachments").iterdir()) == []


async def test_names_are_cleaned_and_storage_names_checked(attachments: Attachments, tmp_path: Path) -> None:
    stored = await attachments.store("c1", "../../\u202eevil\x00.pdf", files.pdf_bytes())
    assert "/" not in stored.name and "\u202e" not in stored.name and "\x00" not in stored.name
    assert not stored.has_thumb and attachments.to_public(stored)["thumb_url"] is None
    storage = LocalDiskStorage(tmp_path / "attachments")
    with pytest.raises(ValueError, match="not an attachment name"):
        await storage.get("../secret")


async def test_deleting_a_conversation_deletes_its_files_and_the_sweep_removes_old_ones(
    attachments: Attachments, tmp_path: Path
) -> None:
    first = await attachments.store("c1", "a.png", files.image_bytes("PNG"))
    await attachments.store("c2", "b.pdf", files.pdf_bytes())
    assert await attachments.delete_conversation("c1") == 1
    assert await attachments.get(first.id) is None
    assert sorted(path.name for path in (tmp_path / "attachments").iterdir())[0].startswith(
        tuple(a.id for a in await attachments.of_conversation("c2"))
    )
    old = time.time() - 7200
    for path in (tmp_path / "attachments").iterdir():
        os.utime(path, (old, old))
    assert await attachments.storage.remove_older_than(time.time() - 3600) == 1
    assert list((tmp_path / "attachments").iterdir()) == []


# --- through the service and the desk ---------------------------------------------


async def test_customer_files_go_to_a_person_and_agent_files_reach_the_customer(
    redis_client: Redis, attachments: Attachments
) -> None:
    emitter = RecordingEmitter()
    parts = handoff_parts(redis_client, emitter, attachments=attachments)
    service, desk = HandoffService(parts), AgentDesk(parts)
    await service.store.create("c1", "ms")
    await service.store.append("c1", TranscriptEntry(Sender.CUSTOMER, "barang rosak", "ms"))
    with pytest.raises(NotWithAPerson):  # the assistant reads no files
        await service.customer_attachment("c1", "photo.png", files.image_bytes())
    await service.request("c1", HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST))
    entry = await service.customer_attachment("c1", "photo.png", files.image_bytes())
    assert entry.sender is Sender.CUSTOMER and entry.text == "photo.png"
    assert entry.extra["attachment"]["kind"] == "image" and entry.extra["attachment"]["thumb_url"]

    anna = await parts.agents.add("anna", "pw-anna-1234", AgentRole.AGENT, "Anna")
    ben = await parts.agents.add("ben", "pw-ben-12345", AgentRole.AGENT, "Ben")
    with pytest.raises(AgentRequestError) as not_assigned:
        await desk.send_attachment(anna, "c1", "invoice.pdf", files.pdf_bytes())
    assert not_assigned.value.code in (AgentErrorCode.NOT_YOURS, AgentErrorCode.NOT_ASSIGNED)
    await desk.claim(anna, "c1")
    with pytest.raises(AgentRequestError) as not_yours:
        await desk.send_attachment(ben, "c1", "invoice.pdf", files.pdf_bytes())
    assert not_yours.value.code is AgentErrorCode.NOT_YOURS
    sent = await desk.send_attachment(anna, "c1", "invoice.pdf", files.pdf_bytes())
    assert sent["sender"] == "agent" and sent["extra"]["attachment"]["kind"] == "pdf"
    uttered = emitter.payloads(CustomerEvent.BOT_UTTERED)[-1]
    assert uttered["attachment"]["type"] == "file"
    assert uttered["attachment"]["payload"]["src"] == sent["extra"]["attachment"]["url"]
    assert uttered["metadata"]["sender"] == "agent" and uttered["metadata"]["agent_name"] == "Anna"
    with pytest.raises(AttachmentRefused):
        await desk.send_attachment(anna, "c1", "evil.svg", files.SVG)
