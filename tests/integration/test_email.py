"""Email end to end over real sockets, the real model, Redis and a real SMTP server (aiosmtpd in this process)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.customer_text import customer_text
from tests.helpers import AgentClient, CustomerClient
from tests.smtp import SmtpServer, body_of

MakeAgent = Callable[..., Awaitable[AgentClient]]


async def test_after_a_resolved_chat_the_customer_gets_the_transcript_by_email(
    customer: CustomerClient, make_agent: MakeAgent, smtp_server: SmtpServer
) -> None:
    anna = await make_agent("anna-email", display_name="Anna")
    await customer.send("Saya mahu bercakap dengan orang", customData={"language": "ms"})
    await customer.replies_until_quiet()
    conversation_id = customer.conversation_id
    await anna.wait_for_queue_with(conversation_id)
    assert (await anna.call("claim", {"conversation_id": conversation_id}))["ok"]
    hello = "Hai, saya Anna. Bagaimana boleh saya bantu?"
    await anna.call("reply", {"conversation_id": conversation_id, "text": hello})
    assert (await anna.call("resolve", {"conversation_id": conversation_id}))["ok"]
    status = await customer.next("handoff_status")
    while status["state"] != "resolved":
        status = await customer.next("handoff_status")
    assert status["transcript_email"] is True  # the widget offers it

    refused = await customer.sio.call("transcript_email", {"email": "not-an-address"}, timeout=10)
    assert refused == {"ok": False, "error": "malformed"}
    ack = await customer.sio.call("transcript_email", {"email": "aminah@example.my"}, timeout=15)
    assert ack == {"ok": True}  # acknowledged once the SMTP server took it
    message = await smtp_server.inbox.next_to("aminah@example.my")
    assert message["Subject"] == customer_text("ms", "transcript_email_subject")
    body = body_of(message)
    assert "Saya mahu bercakap dengan orang" in body
    assert "Anna:" in body and hello in body


async def test_an_agent_answers_an_offline_ticket_from_the_console_by_email(
    customer: CustomerClient, make_agent: MakeAgent, smtp_server: SmtpServer
) -> None:
    anna, ben = await make_agent("anna-tickets", display_name="Anna"), await make_agent("ben-tickets")
    await customer.send("سلام", customData={"language": "fa"})
    await customer.replies_until_quiet()
    ack = await customer.sio.call(
        "offline_ticket", {"email": "sara@example.com", "message": "بسته‌ام خراب رسید"}, timeout=10
    )
    assert ack == {"ok": True}
    ticket = await anna.next("offline_ticket")
    assert ticket["conversation_id"] == customer.conversation_id and ticket["id"]

    answer = "پوزش می‌خواهیم؛ بسته تازه فرستادیم."
    answered = await anna.call("answer_ticket", {"ticket_id": ticket["id"], "text": answer})
    assert answered["ok"] and answered["ticket"]["answered_by"] == "anna-tickets"
    message = await smtp_server.inbox.next_to("sara@example.com")
    assert message["Subject"] == customer_text("fa", "ticket_answer_subject")
    assert body_of(message).startswith(answer)
    # Every console hears of it; a second answer is refused, not sent.
    assert (await ben.next("ticket_updated"))["answered_by_name"] == "Anna"
    again = await ben.call("answer_ticket", {"ticket_id": ticket["id"], "text": "me too"})
    assert again["ok"] is False and again["error"] == "already_claimed"
    # The customer still on the page sees it at once...
    live = await customer.next("bot_uttered")
    while live["text"] != answer:
        live = await customer.next("bot_uttered")
    assert live["metadata"]["sender"] == "agent"
    # ...and it is in the conversation: the customer sees it in the widget when they come back.
    await customer.sio.emit("history_request", {"after_seq": 0})
    history = await customer.next("history")
    assert history["messages"][-1]["text"] == answer
    for bad in ({}, {"ticket_id": ""}, {"ticket_id": ticket["id"]}, {"ticket_id": ticket["id"], "text": "x" * 6000}):
        refused = await ben.call("answer_ticket", bad)
        assert refused["ok"] is False and refused["error"] in {"bad_request", "too_long"}
