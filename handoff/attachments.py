"""Attachments: the images and PDFs customers and agents send, checked by their bytes and kept behind an interface.

- **What is taken** is decided by the file's first bytes, never its name or the
  type the browser claims: PNG, JPEG, GIF, WebP and PDF. Everything else (SVG,
  HTML, scripts, archives) is refused. An image must also decode, within a
  pixel budget (no decompression bombs); it gets a small JPEG/PNG thumbnail,
  made with Pillow off the event loop.
- **Where the bytes go** is an :class:`AttachmentStorage`; :class:`LocalDiskStorage`
  (``VAR_DIR/attachments``) is the default. Several machines share one
  volume, or a storage of their own behind the same three methods.
- **Who may fetch one**: its URL carries the conversation and an HMAC of
  ``attachment id + conversation`` with the session secret, so a URL is only
  known to that conversation's customer and agents, and one conversation's
  URL never opens another's file. It is served with the type its bytes have,
  ``nosniff``, a sandboxing CSP, and PDFs as downloads: the browser runs nothing.
- **How long**: the description lives in Redis for the retention, the files
  as long (the retention sweep removes older ones); deleting a customer's data
  deletes them.
"""

from __future__ import annotations

import asyncio
import base64
import enum
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final, Protocol
from urllib.parse import urlencode

from PIL import Image, UnidentifiedImageError
from redis.asyncio import Redis

from bot.core import keys
from bot.core.text import clean_text

__all__ = [
    "Attachment",
    "AttachmentKind",
    "AttachmentRefused",
    "AttachmentStorage",
    "Attachments",
    "LocalDiskStorage",
    "RefusalReason",
    "sniff",
]

DEFAULT_MAX_BYTES: Final = 5 * 1024 * 1024
THUMB_SIZE: Final = (320, 320)
#: Larger images are refused (Pillow warns at this many pixels, and errors at twice as many).
MAX_PIXELS: Final = 40_000_000
MAX_NAME_CHARS: Final = 120
#: Names of stored blobs: an id, and ``.thumb`` for a thumbnail.
BLOB_NAME: Final = re.compile(r"[A-Za-z0-9_-]{8,64}(\.thumb)?")


class AttachmentKind(enum.StrEnum):
    IMAGE = "image"
    PDF = "pdf"


#: (first bytes, MIME type, kind); WebP is RIFF....WEBP, checked on its own.
SIGNATURES: Final = (
    (b"\x89PNG\r\n\x1a\n", "image/png", AttachmentKind.IMAGE),
    (b"\xff\xd8\xff", "image/jpeg", AttachmentKind.IMAGE),
    (b"GIF87a", "image/gif", AttachmentKind.IMAGE),
    (b"GIF89a", "image/gif", AttachmentKind.IMAGE),
    (b"%PDF-", "application/pdf", AttachmentKind.PDF),
)
#: The type Pillow must find in an image whose first bytes said ``mime``.
PILLOW_FORMATS: Final = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}


def sniff(data: bytes) -> tuple[str, AttachmentKind] | None:
    """The MIME type and kind the bytes are, or None for anything not taken."""
    for prefix, mime, kind in SIGNATURES:
        if data.startswith(prefix):
            return mime, kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", AttachmentKind.IMAGE
    return None


class RefusalReason(enum.StrEnum):
    EMPTY = "malformed"
    TOO_LARGE = "too_large"
    TYPE = "type_not_allowed"


class AttachmentRefused(ValueError):
    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Attachment:
    id: str
    conversation_id: str
    kind: AttachmentKind
    mime: str
    name: str
    size: int
    created_at: float
    has_thumb: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Attachment:
        data = json.loads(raw)
        data["kind"] = AttachmentKind(data["kind"])
        return cls(**data)


class AttachmentStorage(Protocol):
    """Where attachments' bytes are kept, by name (:data:`BLOB_NAME`)."""

    async def put(self, name: str, data: bytes) -> None: ...
    async def get(self, name: str) -> bytes | None: ...
    async def delete(self, name: str) -> None: ...
    async def remove_older_than(self, cutoff: float) -> int: ...


class LocalDiskStorage:
    """Files in one directory, written whole (a temporary file renamed), read and removed off the event loop."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        if not BLOB_NAME.fullmatch(name):
            raise ValueError(f"not an attachment name: {name!r}")
        return self.root / name

    async def put(self, name: str, data: bytes) -> None:
        path = self._path(name)

        def write() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
            partial.write_bytes(data)
            os.replace(partial, path)

        await asyncio.to_thread(write)

    async def get(self, name: str) -> bytes | None:
        path = self._path(name)

        def read() -> bytes | None:
            try:
                return path.read_bytes()
            except FileNotFoundError:
                return None

        return await asyncio.to_thread(read)

    async def delete(self, name: str) -> None:
        await asyncio.to_thread(self._path(name).unlink, missing_ok=True)

    async def remove_older_than(self, cutoff: float) -> int:
        def sweep() -> int:
            removed = 0
            for path in self.root.glob("*") if self.root.exists() else []:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    removed += 1
            return removed

        return await asyncio.to_thread(sweep)


def _thumbnail(data: bytes, mime: str) -> bytes:
    """A small rendition of an image (JPEG, or PNG where it has transparency); checks that it decodes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format != PILLOW_FORMATS[mime]:
                    raise AttachmentRefused(RefusalReason.TYPE)
                if image.width * image.height > MAX_PIXELS:
                    raise AttachmentRefused(RefusalReason.TOO_LARGE)
                image.load()
                image.thumbnail(THUMB_SIZE)
                transparent = image.mode in ("RGBA", "LA", "P")
                converted = image.convert("RGBA" if transparent else "RGB")
                out = io.BytesIO()
                converted.save(out, format="PNG" if transparent else "JPEG", quality=80)
                return out.getvalue()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            if isinstance(error, AttachmentRefused):
                raise
            raise AttachmentRefused(RefusalReason.TYPE) from error
        except Image.DecompressionBombWarning as error:
            raise AttachmentRefused(RefusalReason.TOO_LARGE) from error


def thumbnail_type(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


def clean_name(name: object, mime: str) -> str:
    """A file name to show: the sender's, cleaned and cut short, or one made from the type."""
    text = clean_text(name) if isinstance(name, str) else ""
    text = re.sub(r"[\\/]", "_", text).strip(". ")[:MAX_NAME_CHARS]
    return text or f"attachment.{mime.rpartition('/')[2]}"


class Attachments:
    """Store, describe, find and delete attachments; the URLs their conversation's people fetch them with."""

    def __init__(
        self, redis: Redis, storage: AttachmentStorage, secret: str, ttl_s: int, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.redis = redis
        self.storage = storage
        self.secret = secret
        self.ttl_s = ttl_s
        self.max_bytes = max_bytes

    async def store(self, conversation_id: str, name: object, data: bytes) -> Attachment:
        """Check and keep a file of the conversation; :class:`AttachmentRefused` when it is not one we take."""
        if not data:
            raise AttachmentRefused(RefusalReason.EMPTY)
        if len(data) > self.max_bytes:
            raise AttachmentRefused(RefusalReason.TOO_LARGE)
        sniffed = sniff(data)
        if sniffed is None:
            raise AttachmentRefused(RefusalReason.TYPE)
        mime, kind = sniffed
        thumb = await asyncio.to_thread(_thumbnail, data, mime) if kind is AttachmentKind.IMAGE else None
        attachment = Attachment(
            id=secrets.token_urlsafe(18),
            conversation_id=conversation_id,
            kind=kind,
            mime=mime,
            name=clean_name(name, mime),
            size=len(data),
            created_at=time.time(),
            has_thumb=thumb is not None,
        )
        await self.storage.put(attachment.id, data)
        if thumb is not None:
            await self.storage.put(f"{attachment.id}.thumb", thumb)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.attachment_key(attachment.id), attachment.to_json(), ex=self.ttl_s)
            pipe.sadd(keys.conversation_attachments_key(conversation_id), attachment.id)
            pipe.expire(keys.conversation_attachments_key(conversation_id), self.ttl_s)
            await pipe.execute()
        return attachment

    def _signature(self, attachment_id: str, conversation_id: str) -> str:
        message = f"attachment:{attachment_id}:{conversation_id}".encode()
        digest = hmac.new(self.secret.encode(), message, hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def url(self, attachment: Attachment, *, thumb: bool = False) -> str:
        """The path its conversation's customer and agents fetch it at (server-relative)."""
        query = {"c": attachment.conversation_id, "s": self._signature(attachment.id, attachment.conversation_id)}
        if thumb:
            query["thumb"] = "1"
        return f"/attachments/{attachment.id}?{urlencode(query)}"

    def to_public(self, attachment: Attachment) -> dict[str, object]:
        """What a transcript entry holds: ``{id, kind, mime, name, size, url, thumb_url}``."""
        return {
            "id": attachment.id,
            "kind": attachment.kind.value,
            "mime": attachment.mime,
            "name": attachment.name,
            "size": attachment.size,
            "url": self.url(attachment),
            "thumb_url": self.url(attachment, thumb=True) if attachment.has_thumb else None,
        }

    async def get(self, attachment_id: str) -> Attachment | None:
        if not BLOB_NAME.fullmatch(attachment_id):
            return None
        raw = await self.redis.get(keys.attachment_key(attachment_id))
        return Attachment.from_json(raw) if raw is not None else None

    async def open(
        self, attachment_id: str, conversation_id: str, signature: str, *, thumb: bool = False
    ) -> tuple[Attachment, bytes] | None:
        """The attachment and its bytes, if the URL was made for its conversation; else None (a 404 to anyone)."""
        expected = self._signature(attachment_id, conversation_id)
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return None
        attachment = await self.get(attachment_id)
        if attachment is None or attachment.conversation_id != conversation_id or (thumb and not attachment.has_thumb):
            return None
        data = await self.storage.get(f"{attachment_id}.thumb" if thumb else attachment_id)
        return (attachment, data) if data is not None else None

    async def of_conversation(self, conversation_id: str) -> list[Attachment]:
        ids = await self.redis.smembers(keys.conversation_attachments_key(conversation_id))
        found = [await self.get(i.decode() if isinstance(i, bytes) else str(i)) for i in ids]
        return sorted((a for a in found if a is not None), key=lambda a: a.created_at)

    async def delete_conversation(self, conversation_id: str) -> int:
        """Delete every attachment of the conversation; how many there were."""
        attachments = await self.of_conversation(conversation_id)
        for attachment in attachments:
            await self.storage.delete(attachment.id)
            await self.storage.delete(f"{attachment.id}.thumb")
            await self.redis.delete(keys.attachment_key(attachment.id))
        await self.redis.delete(keys.conversation_attachments_key(conversation_id))
        return len(attachments)
