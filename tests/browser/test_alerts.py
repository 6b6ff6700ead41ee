"""Agent alerts in real Chromium: a desktop notification and a sound for a new chat and for a
customer message in a chat the agent is not looking at; each agent's choice is remembered.

The browser's own Notification and AudioContext run; an init script only counts what the
console asked of them (headless Chromium shows nothing and plays nothing)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import window
from tests.browser.test_console import CreateAgent, log_in
from tests.browser.test_widget import open_widget, send, stored_conversation_id

COUNT_ALERTS = """
window.__alerts = { notifications: [], tones: 0 };
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options) {
    super(title, options);
    window.__alerts.notifications.push({ title, body: (options && options.body) || "" });
  }
};
const realOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.__alerts.tones += 1;
  return realOscillator.call(this);
};
"""


@pytest_asyncio.fixture(loop_scope="session")
async def alerting_console(browser: Browser, gateway_url: str) -> AsyncIterator[Page]:
    async def allow_and_count(context: BrowserContext) -> None:
        await context.grant_permissions(["notifications"], origin=gateway_url)
        await context.add_init_script(COUNT_ALERTS)

    async with window(browser, 1280, 800, allow_and_count) as page:
        yield page


@pytest_asyncio.fixture(loop_scope="session")
async def second_customer(browser: Browser) -> AsyncIterator[Page]:
    async with window(browser, 1280, 720) as page:
        yield page


async def alerts_of(console: Page) -> dict[str, Any]:
    counted: dict[str, Any] = await console.evaluate("() => window.__alerts")
    return counted


async def notified(console: Page, title: str, text: str) -> None:
    """Wait for a desktop notification with ``title`` whose body holds ``text``."""
    await console.wait_for_function(
        "([title, text]) => window.__alerts.notifications.some((n) => n.title === title && n.body.includes(text))",
        arg=[title, text],
        timeout=10_000,
    )


async def test_an_agent_is_alerted_of_new_chats_and_messages_as_they_chose(
    page: Page, second_customer: Page, alerting_console: Page, gateway_url: str, agent_account: CreateAgent
) -> None:
    console = alerting_console
    await log_in(console, gateway_url, await agent_account("alert.agent", "Ada"))
    await console.get_by_test_id("alerts-toggle").click()
    panel = console.get_by_test_id("alerts-panel")
    await expect(panel.get_by_test_id("alerts-permission-state")).to_have_attribute("data-permission", "granted")
    # Sounds are on by default; desktop notifications are each agent's choice.
    await expect(panel.get_by_test_id("alert-sound-new_chat")).to_be_checked()
    await expect(panel.get_by_test_id("alert-desktop-new_chat")).not_to_be_checked()
    await panel.get_by_test_id("alert-desktop-new_chat").check()
    await panel.get_by_test_id("alert-desktop-new_message").check()
    await console.get_by_test_id("alerts-toggle").click()

    # Remembered for this agent across a reload.
    await console.reload()
    await expect(console.get_by_test_id("status-select")).to_be_visible()
    await console.get_by_test_id("alerts-toggle").click()
    await expect(panel.get_by_test_id("alert-desktop-new_chat")).to_be_checked()
    await console.get_by_test_id("alerts-toggle").click()

    await open_widget(page, gateway_url, "en")
    await send(page, "I want to talk to a person about my parcel")
    await notified(console, "New chat waiting", "talk to a person about my parcel")
    assert (await alerts_of(console))["tones"] > 0

    first = await stored_conversation_id(page)
    await console.locator(f'[data-testid="queue-item"][data-conversation-id="{first}"]').get_by_test_id("claim").click()
    await open_widget(second_customer, gateway_url, "ms")
    await send(second_customer, "saya nak cakap dengan orang")
    second = await stored_conversation_id(second_customer)
    await notified(console, "New chat waiting", "saya nak cakap dengan orang")
    queued = console.locator(f'[data-testid="queue-item"][data-conversation-id="{second}"]')
    await queued.get_by_test_id("claim").click()
    await expect(console.locator("#conversation-title")).to_contain_text("Malay", timeout=10_000)

    # The agent looks at the Malay chat: the English customer's message alerts, the Malay one's does not.
    await send(page, "it was due on Monday")
    await notified(console, "New message from a customer", "it was due on Monday")
    await send(second_customer, "barang saya rosak")
    transcript = console.get_by_test_id("transcript")
    await expect(transcript).to_contain_text("barang saya rosak", timeout=10_000)
    messages = [n for n in (await alerts_of(console))["notifications"] if n["title"] == "New message from a customer"]
    assert [n["body"] for n in messages] == ["it was due on Monday"]
