"""Customer in the widget, agent in the console: both in real Chromium, against the real stack."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest_asyncio
from playwright.async_api import Page, expect
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.core.paths import PROJECT_ROOT
from bot.supervisor.stack import Stack
from bot.trainer.inbox import NluInbox
from tests.browser.test_widget import FrameDropper, open_widget, send, stored_conversation_id
from tests.conftest import AGENT_PASSWORD
from tests.helpers import AgentClient, GatewayProcess, as_text

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
CreateAgent = Callable[..., Awaitable[str]]


@pytest_asyncio.fixture(loop_scope="session")
async def second_gateway(stack: Stack) -> AsyncIterator[str]:
    """Another gateway process sharing Redis with the first: a scaled-out deployment."""
    gateway = GatewayProcess.beside(stack.settings)
    gateway.start()
    yield gateway.url
    gateway.stop()


async def log_in(console: Page, url: str, username: str) -> None:
    await console.goto(f"{url}/console/")
    await console.get_by_test_id("login-username").fill(username)
    await console.get_by_test_id("login-password").fill(AGENT_PASSWORD)
    await console.get_by_test_id("login-submit").click()
    await expect(console.get_by_test_id("status-select")).to_be_visible()


async def handoff_round_trip(
    page: Page, console: Page, customer_url: str, agent_url: str, username: str, redis: Redis, screenshots: bool
) -> None:
    await log_in(console, agent_url, username)
    await open_widget(page, customer_url, "en")
    started = time.monotonic()
    await send(page, "I want to talk to a person")
    item = console.get_by_test_id("queue-item").first
    await expect(item).to_be_visible(timeout=10_000)
    print(f"queued to visible in the console: {time.monotonic() - started:.2f} s")
    conversation_id = await stored_conversation_id(page)
    queued = console.locator(f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]')
    await expect(queued).to_be_visible()
    await (
        console.locator(f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]')
        .get_by_test_id("claim")
        .click()
    )

    transcript = console.get_by_test_id("transcript")
    await expect(transcript.locator('[data-testid="entry"][data-sender="bot"]').first).to_be_visible(timeout=10_000)
    await expect(transcript).to_contain_text("I want to talk to a person")
    await expect(page.get_by_test_id("handoff-banner")).to_contain_text("joined", timeout=10_000)

    await console.get_by_test_id("reply-input").fill("Hello, this is a person. How can I help?")
    await console.get_by_test_id("reply-send").click()
    agent_message = page.locator('[data-testid="message"][data-sender="agent"]')
    await expect(agent_message).to_contain_text("Hello, this is a person", timeout=10_000)
    await expect(agent_message.get_by_test_id("agent-marker")).to_be_visible()

    await send(page, "My parcel 4711 is late")
    await expect(transcript).to_contain_text("My parcel 4711 is late", timeout=10_000)
    # The agent sends the customer's latest message to the trainers' inbox.
    latest = transcript.locator('[data-testid="entry"][data-sender="customer"]').last
    await latest.get_by_test_id("flag").click()
    await expect(latest.get_by_test_id("flag")).to_have_text("Flagged")
    inbox = await NluInbox(redis).items()
    flagged = [item for item in inbox if item.reason == "flagged" and item.conversation_id == conversation_id]
    assert [(item.text, item.detail) for item in flagged] == [("My parcel 4711 is late", username)]
    if screenshots:
        await console.screenshot(path=str(SCREENSHOTS / "console.png"))
        await page.screenshot(path=str(SCREENSHOTS / "widget-agent.png"))

    await console.get_by_test_id("resolve").click()
    await expect(page.get_by_test_id("rating-5")).to_be_visible(timeout=10_000)
    await page.get_by_test_id("rating-5").click()
    await page.get_by_test_id("rating-comment").fill("Fast and friendly")
    await page.get_by_test_id("rating-submit").click()
    await expect(page.get_by_test_id("rating-thanks")).to_be_visible(timeout=10_000)
    # The widget thanks the customer at once; the rating is stored a moment later.
    deadline = time.monotonic() + 10
    while True:
        episodes = [json.loads(e) for e in await redis.lrange(keys.episodes_key(conversation_id), 0, -1)]
        if (episodes and episodes[-1].get("rating")) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert episodes[-1]["rating"]["score"] == 5
    assert episodes[-1]["rating"]["comment"] == "Fast and friendly"


async def test_customer_asks_for_a_person_and_an_agent_helps(
    page: Page, console: Page, gateway_url: str, agent_account: CreateAgent, stack_redis: Redis
) -> None:
    username = await agent_account("anna.b", "Anna")
    await handoff_round_trip(page, console, gateway_url, gateway_url, username, stack_redis, screenshots=True)


async def test_customer_and_agent_on_different_gateways(
    page: Page, console: Page, gateway_url: str, second_gateway: str, agent_account: CreateAgent, stack_redis: Redis
) -> None:
    username = await agent_account("bob.b", "Bob")
    await handoff_round_trip(page, console, second_gateway, gateway_url, username, stack_redis, screenshots=False)


async def test_customer_markup_is_text_in_the_console(
    page: Page, console: Page, gateway_url: str, agent_account: CreateAgent
) -> None:
    dialogs: list[str] = []
    console.on("dialog", lambda dialog: dialogs.append(dialog.message))
    username = await agent_account("carol.b", "Carol")
    await log_in(console, gateway_url, username)
    await open_widget(page, gateway_url, "en")
    await send(page, "I want to talk to a person")
    await send(page, "<img src=x onerror=alert(1)>")
    conversation_id = await stored_conversation_id(page)
    item = console.locator(f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]')
    await expect(item).to_contain_text("<img src=x onerror=alert(1)>", timeout=10_000)
    await item.get_by_test_id("claim").click()
    transcript = console.get_by_test_id("transcript")
    await expect(transcript).to_contain_text("<img src=x onerror=alert(1)>", timeout=10_000)
    assert await transcript.locator("img").count() == 0
    assert await console.locator("body img").count() == 0
    assert dialogs == []
    response = await console.request.get(f"{gateway_url}/console/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"].split("script-src")[1].split(";")[0]


async def test_a_supervisor_sees_every_chat_and_reassigns_one(
    page: Page,
    console: Page,
    gateway_url: str,
    agent_account: CreateAgent,
    make_agent: Callable[..., Awaitable[AgentClient]],
    stack_redis: Redis,
) -> None:
    ann = await make_agent("ann.s", display_name="Ann")
    await make_agent("cy.s", display_name="Cy")
    await open_widget(page, gateway_url, "en")
    await send(page, "I want to talk to a person")
    conversation_id = await stored_conversation_id(page)
    await ann.wait_for_queue_with(conversation_id)
    assert (await ann.call("claim", {"conversation_id": conversation_id}))["ok"]
    await expect(page.get_by_test_id("handoff-banner")).to_contain_text("Ann", timeout=10_000)

    # The supervisor signs in after the claim and still sees the chat, with whose it is.
    supervisor = await agent_account("sue.s", "Sue", role=AgentRole.SUPERVISOR)
    await log_in(console, gateway_url, supervisor)
    chat = console.locator(f'[data-testid="my-conversation"][data-conversation-id="{conversation_id}"]')
    await expect(chat).to_contain_text("Taken by ann.s", timeout=10_000)
    await chat.locator(".my-conversation__open").click()
    await expect(console.get_by_test_id("transcript")).to_contain_text("I want to talk to a person")

    select = console.get_by_test_id("reassign-select")
    await expect(select.locator('option[value="cy.s"]')).to_have_count(1, timeout=10_000)
    assert await select.locator('option[value="ann.s"]').count() == 0, "the chat's own agent is not offered"
    await select.select_option("cy.s")
    await console.get_by_test_id("reassign").click()
    await expect(page.get_by_test_id("handoff-banner")).to_contain_text("Cy", timeout=10_000)
    assert as_text(await stack_redis.hget(keys.conversation_key(conversation_id), "agent")) == "cy.s"
    await expect(chat).to_contain_text("Taken by cy.s")


async def test_a_customer_message_lost_on_its_way_to_the_console_is_fetched_again(
    page: Page, console: Page, gateway_url: str, agent_account: CreateAgent
) -> None:
    dropper = FrameDropper()
    await console.route_web_socket(re.compile(r"/socket\.io/"), dropper.route)
    await log_in(console, gateway_url, await agent_account("gap.agent"))
    await open_widget(page, gateway_url, "en")
    await send(page, "I want to talk to a person")
    conversation_id = await stored_conversation_id(page)
    queued = console.locator(f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]')
    await queued.get_by_test_id("claim").click()
    transcript = console.get_by_test_id("transcript")
    await expect(transcript).to_contain_text("I want to talk to a person", timeout=10_000)
    await expect(page.get_by_test_id("handoff-banner")).to_contain_text("joined", timeout=10_000)

    dropper.arm('42/agent,["message"')
    await send(page, "my order number is 4471")
    await dropper.wait_for_drop()
    assert len(dropper.dropped) == 1 and "4471" in dropper.dropped[0]
    await send(page, "it was due on Monday")
    customer = transcript.locator('[data-testid="entry"][data-sender="customer"]')
    await expect(customer.last).to_contain_text("it was due on Monday", timeout=10_000)
    # The seq of the second did not follow on from what the console had: it read the transcript again.
    await expect(customer).to_have_text(
        [re.compile("talk to a person"), re.compile("4471"), re.compile("due on Monday")], timeout=10_000
    )


async def test_an_agents_markdown_is_rendered_and_markup_never_passes(
    page: Page, console: Page, gateway_url: str, agent_account: CreateAgent
) -> None:
    dialogs: list[str] = []
    for window in (page, console):
        window.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await log_in(console, gateway_url, await agent_account("md.agent", "Mina"))
    await open_widget(page, gateway_url, "en")
    await send(page, "I want to talk to a person about **my** order")
    conversation_id = await stored_conversation_id(page)
    queued = console.locator(f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]')
    await queued.get_by_test_id("claim").click()
    await expect(page.get_by_test_id("handoff-banner")).to_have_attribute("data-state", "assigned", timeout=10_000)

    reply = (
        "Your refund is **on its way**, *5 days* at most:\n"
        "- track it at [your orders](https://shop.example/orders)\n"
        "- or https://shop.example/help\n"
        "[click me](javascript:alert(1)) <img src=x onerror=alert(2)>"
    )
    await console.get_by_test_id("reply-input").fill(reply)
    await console.get_by_test_id("reply-send").click()
    in_widget = page.locator('[data-testid="message"][data-sender="agent"]').last.locator(".msg__bubble")
    in_console = console.get_by_test_id("transcript").locator('[data-testid="entry"][data-sender="agent"] .entry__text')
    for bubble in (in_widget, in_console):
        await expect(bubble.locator("strong")).to_have_text("on its way", timeout=10_000)
        await expect(bubble.locator("em")).to_have_text("5 days")
        await expect(bubble.locator("li")).to_have_count(2)
        links = bubble.locator("a")
        await expect(links).to_have_count(2)
        assert [await link.get_attribute("href") for link in await links.all()] == [
            "https://shop.example/orders",
            "https://shop.example/help",
        ]
        assert {await link.get_attribute("rel") for link in await links.all()} == {"noopener noreferrer nofollow"}
        await expect(bubble).to_contain_text("[click me](javascript:alert(1)) <img src=x onerror=alert(2)>")
        assert await bubble.locator("img").count() == 0
    # A customer's text is shown as written.
    customer_entry = console.get_by_test_id("transcript").locator('[data-testid="entry"][data-sender="customer"]').first
    await expect(customer_entry).to_contain_text("about **my** order")
    assert await customer_entry.locator("strong").count() == 0
    await page.screenshot(path=str(SCREENSHOTS / "widget-markdown.png"))
    assert dialogs == []
