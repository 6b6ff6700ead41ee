"""Email in real Chromium: after a person resolved the chat, the widget sends the customer a copy through a
real SMTP server (aiosmtpd in the test process), in the customer's language and right to left for Persian."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from playwright.async_api import Page, expect

from bot.core.customer_text import customer_text
from tests.browser.test_widget import open_widget, send, stored_conversation_id
from tests.helpers import AgentClient
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
