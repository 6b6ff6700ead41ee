"""Email through the shop's SMTP server: a customer's transcript, and agents' answers to offline tickets.

:class:`Mailer` sends one message at a time over ``aiosmtplib`` (asynchronous:
nothing waits on the event loop), with a timeout; a failure raises
:class:`MailFailed` for the caller to log and tell. Without ``SMTP_HOST`` and
``MAIL_FROM`` there is no email: :attr:`Mailer.configured` is false and
tickets keep a plain ``mailto:`` link in the console.

The messages are plain text in the customer's language, composed here from
the transcript (what the customer saw: their messages, the assistant's and the
agents' answers; never notes or system lines) with times in the shop's time zone.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Final
from zoneinfo import ZoneInfo

import aiosmtplib

from bot.core.conversations import Sender, TranscriptEntry
from bot.core.customer_text import customer_text
from bot.core.languages import Language

__all__ = ["MailFailed", "MailSettings", "Mailer", "SmtpSecurity", "ticket_answer_message", "transcript_message"]

log = logging.getLogger(__name__)

#: A quick reply's payload, stored as the customer's text ("/request_human").
BUTTON_PREFIX: Final = "/"


class SmtpSecurity(enum.StrEnum):
    #: Plain connection upgraded with STARTTLS (port 587), refused if the server cannot.
    STARTTLS = "starttls"
    #: TLS from the first byte (port 465).
    TLS = "tls"
    #: No encryption: only for a relay on the same machine or network.
    NONE = "none"


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str = ""
    password: str = ""
    timeout_s: float = 10.0
    #: Time zone the transcript's times are written in.
    timezone: str = "UTC"


class MailFailed(Exception):
    """The SMTP server could not be reached or refused the message."""


class Mailer:
    def __init__(self, settings: MailSettings | None) -> None:
        self.settings = settings if settings is not None and settings.host and settings.sender else None

    @property
    def configured(self) -> bool:
        return self.settings is not None

    @property
    def timezone(self) -> str:
        return self.settings.timezone if self.settings is not None else "UTC"

    async def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the SMTP server (its From is ``MAIL_FROM``); :class:`MailFailed` if it is not taken."""
        settings = self.settings
        if settings is None:
            raise MailFailed("email is not configured (SMTP_HOST, MAIL_FROM)")
        message["From"] = settings.sender
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].rpartition("@")[2] or None)
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.host,
                port=settings.port,
                username=settings.username or None,
                password=settings.password or None,
                use_tls=settings.security is SmtpSecurity.TLS,
                start_tls=True if settings.security is SmtpSecurity.STARTTLS else False,
                timeout=settings.timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise MailFailed(f"{type(error).__name__}: {error}") from error


def _when(ts: float, timezone: str) -> datetime:
    return datetime.fromtimestamp(ts, ZoneInfo(timezone))


def _speaker(entry: TranscriptEntry, language: Language) -> str:
    if entry.sender is Sender.CUSTOMER:
        return customer_text(language, "transcript_you")
    if entry.sender is Sender.AGENT:
        return str(entry.extra.get("agent_name") or "") or customer_text(language, "transcript_assistant")
    return customer_text(language, "transcript_assistant")


def transcript_message(to: str, entries: Iterable[TranscriptEntry], language: Language, timezone: str) -> EmailMessage:
    """The customer's copy of their conversation: what they saw in the widget, oldest first."""
    lines = [customer_text(language, "transcript_email_intro", timezone=timezone), ""]
    for entry in entries:
        if entry.sender not in (Sender.CUSTOMER, Sender.BOT, Sender.AGENT):
            continue
        text = entry.text
        if entry.sender is Sender.CUSTOMER and text.startswith(BUTTON_PREFIX):
            text = customer_text(language, "transcript_button")
        when = _when(entry.ts, timezone).strftime("%Y-%m-%d %H:%M")
        lines.append(f"[{when}] {_speaker(entry, language)}:")
        lines.extend(f"  {line}" for line in text.splitlines() or [""])
        lines.append("")
    lines.append(customer_text(language, "transcript_email_outro"))
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = customer_text(language, "transcript_email_subject")
    message.set_content("\n".join(lines))
    return message


def ticket_answer_message(
    to: str, answer: str, agent_name: str, question: str, asked_at: float, language: Language, timezone: str
) -> EmailMessage:
    """An agent's answer to an offline ticket, signed with their name, quoting what the customer wrote."""
    asked = _when(asked_at, timezone).strftime("%Y-%m-%d %H:%M")
    body = [
        answer,
        "",
        customer_text(language, "ticket_answer_signature", agent=agent_name),
        "",
        customer_text(language, "ticket_answer_quote", date=asked),
        *(f"> {line}" for line in question.splitlines()),
    ]
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = customer_text(language, "ticket_answer_subject")
    message.set_content("\n".join(body))
    return message
