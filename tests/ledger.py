"""What each client sent and received, checked against the transcripts: the fault runs' referee.

:class:`ResendingCustomer` behaves as the widget does where it matters for loss:
it keeps every message until the server acknowledges it, sends what is
unacknowledged again on every (re)connection and every second, resumes its session
(on whichever gateway it is pointed at) and reads the history after the last seq it
saw in order. :func:`check` then compares its ledger with the stored transcript.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import socketio
from redis.asyncio import Redis

from bot.core import keys
from bot.gateway.sessions import conversation_id_of

CUSTOMER_VISIBLE = ("customer", "bot", "agent")


@dataclass
class Report:
    """Zero of each is the goal."""

    #: Acknowledged, but not in the transcript (or another message sits at its seq).
    lost: list[str] = field(default_factory=list)
    #: Stored more than once.
    duplicated: list[str] = field(default_factory=list)
    #: Stored for the customer to see, never received (live or by history).
    unseen: list[int] = field(default_factory=list)
    #: Sent and never acknowledged by the end of the run.
    unacknowledged: list[str] = field(default_factory=list)
    #: Times the server gave a new session instead of resuming the customer's.
    replaced: int = 0

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.unseen or self.unacknowledged or self.replaced)


class ResendingCustomer:
    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name
        self.session_id: str | None = None
        self.sio: socketio.AsyncClient | None = None
        self.outbox: dict[str, str] = {}
        self.acked: dict[str, int] = {}
        #: seq -> entry, from bot_uttered and history.
        self.received: dict[int, dict[str, Any]] = {}
        self.sent = 0
        self.reconnects = 0
        self.replaced = 0
        self._confirmed = asyncio.Event()
        self._history = asyncio.Event()
        self._counter = 0

    @property
    def conversation_id(self) -> str:
        assert self.session_id
        return conversation_id_of(self.session_id)

    async def connect(self) -> None:
        """A new socket to ``self.url``, resuming the session if there is one; then resend."""
        if self.sio is not None:
            await self.sio.disconnect()
        sio = socketio.AsyncClient(reconnection=False)
        sio.on("session_confirm", self._confirm)
        sio.on("message_ack", self._ack)
        sio.on("bot_uttered", self._uttered)
        sio.on("history", self._on_history)
        self._confirmed.clear()
        await sio.connect(self.url, transports=["websocket"], wait_timeout=5)
        self.sio = sio
        await sio.emit("session_request", {"session_id": self.session_id} if self.session_id else {})
        await asyncio.wait_for(self._confirmed.wait(), 10)
        await self.flush()

    async def _confirm(self, session_id: str) -> None:
        if self.session_id and session_id != self.session_id:
            self.replaced += 1  # the server could not resume it: a loss of its own
        self.session_id = session_id
        self._confirmed.set()

    async def _ack(self, data: dict[str, Any]) -> None:
        client_id = data.get("client_message_id")
        if client_id in self.outbox and isinstance(data.get("seq"), int) and data["seq"] > 0:
            del self.outbox[client_id]
            self.acked[client_id] = data["seq"]

    async def _uttered(self, data: dict[str, Any]) -> None:
        metadata = data.get("metadata") or {}
        if isinstance(metadata.get("seq"), int):
            self.received[metadata["seq"]] = {"sender": metadata.get("sender"), "text": data.get("text")}

    async def _on_history(self, data: dict[str, Any]) -> None:
        for entry in data.get("messages", []):
            self.received[entry["seq"]] = entry
            client_id = entry.get("client_message_id")
            if client_id in self.outbox:  # stored, its ack lost: the widget does the same
                del self.outbox[client_id]
                self.acked[client_id] = entry["seq"]
        self._history.set()

    async def flush(self) -> None:
        if self.sio is None or not self.sio.connected:
            return
        for client_id, text in list(self.outbox.items()):
            payload = {"message": text, "session_id": self.session_id, "client_message_id": client_id}
            await self.sio.emit("user_uttered", payload)

    async def deliver(self, text: str, within_s: float = 60.0) -> int:
        """Send ``text`` and keep at it (resend, reconnect) until it is acknowledged; its seq."""
        self._counter += 1
        client_id = f"{self.name}-{self._counter}"
        self.outbox[client_id] = text
        self.sent += 1
        deadline = time.monotonic() + within_s
        await self.flush()
        while client_id not in self.acked:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: {client_id} never acknowledged")
            await asyncio.sleep(1.0)
            if client_id in self.acked:
                break
            if self.sio is None or not self.sio.connected:
                try:
                    self.reconnects += 1
                    await self.connect()
                except (socketio.exceptions.ConnectionError, TimeoutError, OSError):
                    continue
            else:
                await self.flush()
        return self.acked[client_id]

    async def catch_up(self) -> None:
        """Read the history after the last seq seen in order (what the widget does on a gap)."""
        assert self.sio is not None
        through = 0
        while through + 1 in self.received or through + 1 in self.acked.values():
            through += 1
        self._history.clear()
        await self.sio.emit("history_request", {"after_seq": through})
        await asyncio.wait_for(self._history.wait(), 10)

    async def close(self) -> None:
        if self.sio is not None:
            await self.sio.disconnect()


async def transcript(redis: Redis, conversation_id: str) -> list[dict[str, Any]]:
    raw = await redis.lrange(keys.transcript_key(conversation_id), 0, -1)
    return [{**json.loads(item), "seq": index + 1} for index, item in enumerate(raw)]


def check(customer: ResendingCustomer, stored: list[dict[str, Any]]) -> Report:
    """The customer's ledger against the conversation's stored transcript."""
    report = Report(unacknowledged=sorted(customer.outbox), replaced=customer.replaced)
    by_client_id: dict[str, list[int]] = {}
    for entry in stored:
        if entry.get("client_message_id"):
            by_client_id.setdefault(entry["client_message_id"], []).append(entry["seq"])
    for client_id, seq in customer.acked.items():
        seqs = by_client_id.get(client_id, [])
        if seq not in seqs:
            report.lost.append(client_id)
    report.duplicated = sorted(client_id for client_id, seqs in by_client_id.items() if len(seqs) > 1)
    own = set(customer.acked.values())
    report.unseen = [
        entry["seq"]
        for entry in stored
        if entry["sender"] in CUSTOMER_VISIBLE and entry["seq"] not in customer.received and entry["seq"] not in own
    ]
    return report


def summary(customers: list[ResendingCustomer], reports: list[Report]) -> str:
    """One line for the test's output: what was sent, resent and found."""
    return json.dumps(
        {
            "customers": len(customers),
            "sent": sum(c.sent for c in customers),
            "reconnects": sum(c.reconnects for c in customers),
            "lost": sum(len(r.lost) for r in reports),
            "duplicated": sum(len(r.duplicated) for r in reports),
            "unseen": sum(len(r.unseen) for r in reports),
            "unacknowledged": sum(len(r.unacknowledged) for r in reports),
        }
    )
