"""A real SMTP server in the test process (aiosmtpd), keeping what it receives for the tests to read."""

from __future__ import annotations

import asyncio
import email
import email.policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.helpers import free_port


class SmtpInbox:
    """aiosmtpd's handler: every message accepted (or, while ``refuse`` is set, refused with a 550)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "550 5.7.1 not accepted here"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    async def next_to(self, address: str, wait_s: float = 15.0) -> EmailMessage:
        """The first message to ``address`` (removed from the inbox), waiting for it to come."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            for message in self.messages:
                if message["To"] == address:
                    self.messages.remove(message)
                    return message
            if loop.time() > deadline:
                raise TimeoutError(f"no email to {address}")
            await asyncio.sleep(0.05)


class SmtpServer:
    """The server on 127.0.0.1 (no TLS: SMTP_SECURITY=none), on a thread of its own."""

    def __init__(self) -> None:
        self.inbox = SmtpInbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())
