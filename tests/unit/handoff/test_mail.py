"""Email over a real SMTP server (aiosmtpd, in this process) and a real Redis: transcripts and ticket answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentErrorCode, AgentEvent, AgentRequestError, AgentRole
from bot.core.conversations import Sender, TranscriptEntry
from bot.core.customer_protocol import ProtocolErrorCode
from bot.core.customer_text import customer_text
from bot.staff.accounts import Agent
from handoff.desk import AgentDesk
from handoff.mail import Mailer, MailFailed, MailSettings, SmtpSecurity, transcript_message
from handoff.parts import HandoffParts
from handoff.service import MAX_TRANSCRIPT_EMAILS, HandoffService
from tests.fakes import RecordingEmitter, handoff_parts
from tests.helpers import free_port
from tests.smtp import SmtpServer, body_of

SENDER = "Demo Shop support <support@shop.example>"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def mailer_for(port: int) -> Mailer:
    return Mailer(MailSettings("127.0.0.1", port, SENDER, SmtpSecurity.NONE, timeout_s=3, timezone="Asia/Tehran"))


@pytest.fixture
def emitter() -> RecordingEmitter:
    return RecordingEmitter()


@pytest.fixture
def parts(redis_client: Redis, emitter: RecordingEmitter, smtp: SmtpServer) -> HandoffParts:
    return handoff_parts(redis_client, emitter, mailer=mailer_for(smtp.port))


async def conversation(service: HandoffService) -> str:
    await service.store.create("c1", "fa")
    for sender, text, extra in [
        (Sender.CUSTOMER, "سفارشم کجاست؟", {}),
        (Sender.BOT, "شماره سفارش را بفرستید.", {}),
        (Sender.CUSTOMER, "/request_human", {}),
        (Sender.SYSTEM, "Anna joined the conversation", {}),
        (Sender.NOTE, "customer sounds upset; courier lost it", {"agent_name": "Anna"}),
        (Sender.AGENT, "سلام، سفارش شما فردا می‌رسد.", {"agent_name": "Anna"}),
    ]:
        await service.store.append("c1", TranscriptEntry(sender, text, "fa", extra=extra))
    return "c1"


async def test_the_customer_gets_what_they_saw_in_their_language(
    parts: HandoffParts,
    smtp: SmtpServer,
) -> None:
    service = HandoffService(parts)
    cid = await conversation(service)
    assert await service.email_transcript(cid, " sara@example.com ") is None
    message = await smtp.inbox.next_to("sara@example.com")
    assert message["Subject"] == customer_text("fa", "transcript_email_subject")
    assert message["From"] == SENDER and message["Message-ID"]
    body = body_of(message)
    assert "سفارشم کجاست؟" in body and "شماره سفارش را بفرستید." in body
    assert "Anna:" in body and "سلام، سفارش شما فردا می‌رسد." in body
    assert customer_text("fa", "transcript_you") in body
    assert customer_text("fa", "transcript_button") in body and "/request_human" not in body
    # Agents' notes and system lines are not the customer's to read.
    assert "courier lost it" not in body and "joined the conversation" not in body
    assert "Asia/Tehran" in body
    # Agents see that a copy went out.
    assert (await service.store.transcript(cid))[-1].sender is Sender.SYSTEM


async def test_bad_addresses_limits_and_a_failing_server_are_answered(
    parts: HandoffParts,
    smtp: SmtpServer,
    redis_client: Redis,
) -> None:
    service = HandoffService(parts)
    cid = await conversation(service)
    for bad in ("not an email", "a@b", "", None, "x\r\nBcc: victim@example.com@x.io"):
        assert await service.email_transcript(cid, bad) is ProtocolErrorCode.MALFORMED
    assert await service.email_transcript("nobody", "sara@example.com") is ProtocolErrorCode.MALFORMED
    smtp.inbox.refuse = True
    assert await service.email_transcript(cid, "sara@example.com") is ProtocolErrorCode.EMAIL_UNAVAILABLE
    smtp.inbox.refuse = False
    # A failed send does not count against the day's copies.
    for _ in range(MAX_TRANSCRIPT_EMAILS):
        assert await service.email_transcript(cid, "sara@example.com") is None
    assert await service.email_transcript(cid, "sara@example.com") is ProtocolErrorCode.RATE_LIMITED
    assert len(smtp.inbox.messages) == MAX_TRANSCRIPT_EMAILS
    assert 0 < await redis_client.ttl(keys.transcript_emails_key(cid)) <= 24 * 3600


async def test_without_smtp_settings_there_is_no_email(redis_client: Redis) -> None:
    service = HandoffService(handoff_parts(redis_client))
    await service.store.create("c1", "en")
    assert await service.email_transcript("c1", "sara@example.com") is ProtocolErrorCode.EMAIL_UNAVAILABLE
    with pytest.raises(MailFailed):
        await service.mailer.send(transcript_message("sara@example.com", [], "en", "UTC"))


async def test_an_unreachable_server_is_a_failure_not_a_hang() -> None:
    with pytest.raises(MailFailed):
        await mailer_for(free_port()).send(transcript_message("sara@example.com", [], "en", "UTC"))


# --- answering offline tickets ---------------------------------------------------


async def agent(service: HandoffService, username: str) -> Agent:
    return await service.agents.add(username, f"pw-{username}-123", AgentRole.AGENT, username.title())


async def test_an_agent_answers_a_ticket_by_email_once(
    parts: HandoffParts,
    smtp: SmtpServer,
    emitter: RecordingEmitter,
) -> None:
    desk, service = AgentDesk(parts), HandoffService(parts)
    await service.store.create("c1", "hy")
    assert await service.leave_offline_ticket("c1", "arman@example.am", "Պատվերս ուշանում է")
    [ticket] = await service.tickets.newest()
    anna, ben = await agent(service, "anna"), await agent(service, "ben")

    answered = await desk.answer_ticket(anna, ticket["id"], "Ձեր պատվերը վաղը կհասնի։")
    assert (answered["answered_by"], answered["answered_by_name"]) == ("anna", "Anna")
    assert answered["answer"] == "Ձեր պատվերը վաղը կհասնի։" and answered["answered_at"]
    message = await smtp.inbox.next_to("arman@example.am")
    assert message["Subject"] == customer_text("hy", "ticket_answer_subject")
    body = body_of(message)
    assert body.startswith("Ձեր պատվերը վաղը կհասնի։")
    assert customer_text("hy", "ticket_answer_signature", agent="Anna") in body
    assert "> Պատվերս ուշանում է" in body
    assert emitter.payloads(AgentEvent.TICKET_UPDATED) == [answered]
    # The customer sees the answer in the widget too, while the conversation is kept.
    last = (await service.store.transcript("c1"))[-1]
    assert (last.sender, last.text, last.extra["agent_name"]) == (Sender.AGENT, "Ձեր պատվերը վաղը կհասնի։", "Anna")

    with pytest.raises(AgentRequestError) as second:
        await desk.answer_ticket(ben, ticket["id"], "me too")
    assert second.value.code is AgentErrorCode.ALREADY_CLAIMED and "Anna" in second.value.message
    with pytest.raises(AgentRequestError) as unknown:
        await desk.answer_ticket(ben, "no-such-ticket", "hello")
    assert unknown.value.code is AgentErrorCode.NOT_FOUND
    assert smtp.inbox.messages == []


async def test_a_ticket_answer_the_server_refuses_can_be_sent_again(
    parts: HandoffParts,
    smtp: SmtpServer,
) -> None:
    desk, service = AgentDesk(parts), HandoffService(parts)
    await service.store.create("c1", "en")
    assert await service.leave_offline_ticket("c1", "sara@example.com", "where is my refund?")
    [ticket] = await service.tickets.newest()
    anna = await agent(service, "anna")
    smtp.inbox.refuse = True
    with pytest.raises(AgentRequestError) as failed:
        await desk.answer_ticket(anna, ticket["id"], "It is on its way.")
    assert failed.value.code is AgentErrorCode.UNAVAILABLE
    [unmarked] = await service.tickets.newest()
    assert unmarked["answered_by"] == "" and unmarked["answer"] == ""
    smtp.inbox.refuse = False
    await desk.answer_ticket(anna, ticket["id"], "It is on its way.")
    assert body_of(await smtp.inbox.next_to("sara@example.com")).startswith("It is on its way.")


async def test_without_email_tickets_cannot_be_answered_from_the_console(redis_client: Redis) -> None:
    parts = handoff_parts(redis_client)
    desk, service = AgentDesk(parts), HandoffService(parts)
    await service.store.create("c1", "en")
    assert await service.leave_offline_ticket("c1", "sara@example.com", "hello?")
    [ticket] = await service.tickets.newest()
    with pytest.raises(AgentRequestError) as refused:
        await desk.answer_ticket(await agent(service, "anna"), ticket["id"], "hi")
    assert refused.value.code is AgentErrorCode.UNAVAILABLE
