"""Agent assist in the console, in real Chromium against the real stack: suggested replies
from the served model, one click into the reply box, and the summary of a claimed conversation."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from bot.supervisor.stack import Stack
from tests.browser.test_console import SCREENSHOTS, CreateAgent, log_in
from tests.browser.test_widget import open_widget, send, stored_conversation_id
from tests.helpers import domain_responses, low_confidence_texts

RESPONSES = domain_responses()


async def claim_from_queue(console: Page, page: Page) -> str:
    conversation_id = await stored_conversation_id(page)
    queued = console.locator(f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]')
    await queued.get_by_test_id("claim").click()
    await expect(page.get_by_test_id("handoff-banner")).to_have_attribute("data-state", "assigned", timeout=10_000)
    return conversation_id


async def test_a_malay_refund_answer_is_suggested_and_one_click_puts_it_in_the_reply_box(
    page: Page, console: Page, gateway_url: str, agent_account: CreateAgent
) -> None:
    await log_in(console, gateway_url, await agent_account("siti.b", "Siti"))
    await open_widget(page, gateway_url, "ms")
    await page.get_by_test_id("chip").last.click()  # the welcome's "talk to a person" quick reply
    await claim_from_queue(console, page)
    # The agent reads what the customer did, not the button's payload.
    pressed = console.get_by_test_id("transcript").locator('[data-testid="entry"][data-sender="customer"]').first
    await expect(pressed).to_contain_text("Pressed the button", timeout=10_000)
    await expect(pressed.locator(".entry__text")).not_to_contain_text("/request_human")

    await send(page, "duit refund saya belum masuk lagi, bila akan dapat?")
    refund_answers = RESPONSES["utter_faq/refund_status"]["ms"]
    suggestions = console.get_by_test_id("suggestion")
    await expect(suggestions.first).to_be_visible(timeout=10_000)
    assert await suggestions.count() <= 3
    texts = [text.strip() for text in await suggestions.locator(".suggestion__text").all_text_contents()]
    [refund] = [text for text in texts if text in refund_answers]
    await console.screenshot(path=str(SCREENSHOTS / "console-assist.png"))

    await suggestions.nth(texts.index(refund)).click()
    reply = console.get_by_test_id("reply-input")
    await expect(reply).to_have_value(refund)
    await expect(reply).to_be_focused()
    await reply.press("End")
    await reply.type(" Siti")  # the agent edits before sending
    await console.get_by_test_id("reply-send").click()
    agent_message = page.locator('[data-testid="message"][data-sender="agent"]').last
    await expect(agent_message).to_contain_text(f"{refund} Siti", timeout=10_000)


async def test_the_summary_of_a_conversation_handed_off_after_two_unsure_turns(
    page: Page, console: Page, gateway_url: str, agent_account: CreateAgent, stack: Stack
) -> None:
    first, second = await low_confidence_texts(stack, 2)
    await log_in(console, gateway_url, await agent_account("nare.b", "Nare"))
    await open_widget(page, gateway_url, "hy")
    rephrase = RESPONSES["utter_ask_rephrase"]["hy"]
    await send(page, first)
    asked_again = re.compile("|".join(re.escape(text[:30]) for text in rephrase))
    await expect(page.locator('[data-testid="message"][data-sender="bot"]').last).to_contain_text(
        asked_again, timeout=15_000
    )
    await send(page, second)
    await expect(page.get_by_test_id("handoff-banner")).to_be_visible(timeout=15_000)
    await claim_from_queue(console, page)

    summary = console.get_by_test_id("assist-summary")
    await expect(summary).to_contain_text("2 not understood", timeout=10_000)
    await expect(summary.get_by_test_id("summary-facts")).to_contain_text("Armenian")
    await expect(summary.get_by_test_id("summary-facts")).to_contain_text("Waited")
    questions = summary.get_by_test_id("summary-questions").locator("li")
    await expect(questions).to_have_count(2)
    await expect(questions.nth(0)).to_contain_text(first)
    await expect(questions.nth(1)).to_contain_text(second)
    await expect(questions.nth(0)).to_contain_text(asked_again)  # what the assistant answered
