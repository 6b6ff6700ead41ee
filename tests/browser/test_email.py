"""Email in real Chromium: after a person resolved the chat, the widget sends the customer a copy through a
real SMTP server (aiosmtpd in the test process), in the customer's language and right to left for Persian."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from playwright.async_api import Page, expect

from bot.core.customer_text import customer_text
from tests.browser.test_console import CreateAgent, log_in
from tests.browser.test_widget import open_widget, send, stored_conversation_id
from tests.helpers import AgentClient, CustomerClient
from tests.smtp import SmtpServer, body_of

MakeAgent = Callable[..., Awaitable[AgentClient]]


async def test_the_widget_emails_the_customer_a_copy_after_the_chat_is_resolved(
    page: Page, gateway_url: str, make_agent: MakeAgent, smtp_server: SmtpServer
) -> None:
    shirin = await make_agent("shirin.e", display_name="Shirin")
    await open_widget(page, gateway_url, "fa")
    await send(page, "می‌خواهم با یک نفر صحبت کنم")
    await expect(page.get_by_test_id("handoff-banner")).to_be_visible(timeout=20_000)
    conversation_id = await stored_conversation_id(page)
    await shirin.wait_for_queue_with(conversation_id)
    assert (await shirin.call("claim", {"conversation_id": conversation_id}))["ok"]
    await shirin.call("reply", {"conversation_id": conversation_id, "text": "سلام، شیرین هستم. مشکل حل شد."})
    assert (await shirin.call("resolve", {"conversation_id": conversation_id}))["ok"]

    form = page.get_by_test_id("email-copy")
    await expect(form).to_be_visible(timeout=10_000)
    assert await form.evaluate("element => getComputedStyle(element).direction") == "rtl"
    await page.get_by_test_id("email-copy-input").fill("not an address")
    await page.get_by_test_id("email-copy-submit").click()
    # The browser's own check stops it first: nothing was sent, nothing said.
    assert await page.get_by_test_id("email-copy-input").evaluate("input => input.validity.valid") is False
    await expect(page.get_by_test_id("email-copy-sent")).to_have_count(0)
    await page.get_by_test_id("email-copy-input").fill("shirin.customer@example.ir")
    await page.get_by_test_id("email-copy-submit").click()
    await expect(page.get_by_test_id("email-copy-sent")).to_contain_text("shirin.customer@example.ir", timeout=15_000)
    message = await smtp_server.inbox.next_to("shirin.customer@example.ir")
    assert message["Subject"] == customer_text("fa", "transcript_email_subject")
    assert "سلام، شیرین هستم. مشکل حل شد." in body_of(message)


async def test_an_agent_answers_a_message_left_while_nobody_was_there_from_the_console(
    console: Page, gateway_url: str, agent_account: CreateAgent, smtp_server: SmtpServer
) -> None:
    customer = CustomerClient(gateway_url)
    try:
        await customer.connect(language="hy")
        ack = await customer.sio.call(
            "offline_ticket", {"email": "arman@example.am", "message": "Պատվերս դեռ չի հասել"}, timeout=10
        )
        assert ack == {"ok": True}
    finally:
        await customer.close()
    await log_in(console, gateway_url, await agent_account("lilit.e", "Lilit"))
    ticket = console.get_by_test_id("offline-ticket").filter(has_text="Պատվերս դեռ չի հասել").first
    await expect(ticket).to_be_visible(timeout=10_000)
    await ticket.get_by_test_id("offline-ticket-reply").locator("summary").click()
    await ticket.get_by_test_id("offline-ticket-answer-input").fill("Ձեր պատվերը վաղը կհասնի։ <b>Շնորհակալություն</b>")
    await ticket.get_by_test_id("offline-ticket-send").click()
    answered = ticket.get_by_test_id("offline-ticket-answered")
    await expect(answered).to_contain_text("Lilit", timeout=15_000)
    # The answer is shown as text, never as markup.
    await expect(answered).to_contain_text("<b>Շնորհակալություն</b>")
    assert await answered.locator("b").count() == 0
    await expect(ticket.get_by_test_id("offline-ticket-reply")).to_have_count(0)  # answered once
    message = await smtp_server.inbox.next_to("arman@example.am")
    assert body_of(message).startswith("Ձեր պատվերը վաղը կհասնի։")
