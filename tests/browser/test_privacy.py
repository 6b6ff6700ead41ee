"""Data controls in real Chromium: a supervisor exports a customer's data as a JSON file and deletes it from
the dashboard; a trainer does not see the card."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from playwright.async_api import Page, expect
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.supervisor.stack import Stack
from tests.browser.test_console import CreateAgent
from tests.browser.test_dashboard import sign_in
from tests.helpers import AgentClient
from tests.integration.test_privacy import chat_as

MakeAgent = Callable[..., Awaitable[AgentClient]]


async def test_a_supervisor_exports_and_deletes_a_customers_data_from_the_dashboard(
    page: Page, stack: Stack, gateway_url: str, make_agent: MakeAgent, stack_redis: Redis
) -> None:
    conversation_id = await chat_as(stack, gateway_url, "shop-customer-7007", "I want my data deleted please")
    await make_agent("sara-dpo", AgentRole.SUPERVISOR)
    await sign_in(page, gateway_url, "sara-dpo")
    card = page.get_by_test_id("customer-data")
    await expect(card).to_be_visible(timeout=10_000)
    await page.get_by_test_id("customer-data-kind").select_option("customer_id")
    await page.get_by_test_id("customer-data-value").fill("shop-customer-7007")

    async with page.expect_download() as download_info:
        await page.get_by_test_id("customer-data-export").click()
    download = await download_info.value
    assert download.suggested_filename == "customer-data.json"
    exported = json.loads((await download.path()).read_text(encoding="utf-8"))
    assert exported["conversations"][0]["transcript"][0]["text"] == "I want my data deleted please"
    await expect(page.get_by_test_id("customer-data-result")).to_contain_text("1")

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_test_id("customer-data-delete").click()
    await expect(page.get_by_test_id("customer-data-result")).to_contain_text("Deleted", timeout=10_000)
    assert not await stack_redis.exists(keys.conversation_key(conversation_id))
    assert not await stack_redis.exists(f"rasa:tracker:{conversation_id}")


async def test_a_trainer_does_not_see_the_customer_data_card(
    page: Page, gateway_url: str, agent_account: CreateAgent
) -> None:
    await sign_in(page, gateway_url, await agent_account("tom-trainer", "Tom", AgentRole.TRAINER))
    await expect(page.get_by_test_id("tile-conversations")).to_be_visible(timeout=10_000)
    await expect(page.get_by_test_id("customer-data")).to_be_hidden()
