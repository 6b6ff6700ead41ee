"""Customer identity in real Chromium: the shop's page says who is signed in, the chat follows them to
another device, and the agent's context card shows who they are and what the page sent about them."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from bot.core.identity import identity_signature
from bot.supervisor.stack import Stack
from tests.browser.conftest import window
from tests.browser.test_assist import claim_from_queue
from tests.browser.test_console import SCREENSHOTS, CreateAgent, log_in
from tests.browser.test_widget import open_widget, send, stored_session_id

CUSTOMER = {"id": "shop-customer-3003", "name": "Sara Karimi", "email": "sara@example.com"}


async def sign_in(page: Page, stack: Stack, user: dict[str, str], signature: str | None = None) -> None:
    """What a shop's page does for its signed-in customer, with the signature its server made."""
    signature = signature or identity_signature(stack.settings.identity_secret, user["id"])
    await page.evaluate(
        "([user, signature]) => { DemoShopSupport.identify(user, signature);"
        " DemoShopSupport.setCustomData({plan: 'gold', order: '4711', note: '<img src=x onerror=alert(1)>'}); }",
        [user, signature],
    )


async def test_a_signed_in_customer_is_known_to_the_agent_and_their_chat_follows_them(
    page: Page, console: Page, browser: Browser, gateway_url: str, stack: Stack, agent_account: CreateAgent
) -> None:
    await log_in(console, gateway_url, await agent_account("nare.i", "Nare"))
    await page.goto(f"{gateway_url}/?lang=en")
    await sign_in(page, stack, CUSTOMER)
    await page.get_by_test_id("launcher").click()
    await send(page, "I want to talk to a person")
    await claim_from_queue(console, page)

    card = console.get_by_test_id("customer")
    await expect(card.get_by_test_id("customer-name")).to_have_text("Sara Karimi", timeout=10_000)
    await expect(card.get_by_test_id("customer-email")).to_have_attribute("href", "mailto:sara@example.com")
    await expect(card.get_by_test_id("customer-id")).to_have_text("shop-customer-3003")
    attributes = console.get_by_test_id("customer-attributes")
    await expect(attributes).to_contain_text("gold")
    await expect(attributes).to_contain_text("4711")
    # The page's text is shown as text: no element was made of it.
    await expect(attributes).to_contain_text("<img src=x onerror=alert(1)>")
    assert await attributes.locator("img").count() == 0
    await console.screenshot(path=str(SCREENSHOTS / "console-identity.png"))

    # The same customer on their phone: the conversation, its transcript and the agent are there.
    async with window(browser, 400, 760) as phone:
        await phone.goto(f"{gateway_url}/?lang=en")
        await sign_in(phone, stack, CUSTOMER)
        await phone.get_by_test_id("launcher").click()
        mine = phone.locator('[data-testid="message"][data-sender="customer"]')
        await expect(mine.first).to_contain_text("I want to talk to a person", timeout=10_000)
        await console.get_by_test_id("reply-input").fill("Hi Sara, I see your order 4711.")
        await console.get_by_test_id("reply-send").click()
        for device in (page, phone):
            agent = device.locator('[data-testid="message"][data-sender="agent"]').last
            await expect(agent).to_contain_text("I see your order 4711", timeout=10_000)


async def test_a_forged_identity_is_refused_and_a_sign_out_forgets_the_chat(
    page: Page, gateway_url: str, stack: Stack
) -> None:
    await open_widget(page, gateway_url, "ms")
    await sign_in(page, stack, {"id": "shop-customer-4004", "name": "Aminah"}, signature="0" * 64)
    error = page.get_by_test_id("error")
    await expect(error).to_contain_text("Kami tidak dapat mengesahkan akaun anda", timeout=10_000)
    await send(page, "hai")
    await expect(page.locator('[data-testid="message"][data-sender="bot"]').last).to_be_visible(timeout=20_000)

    # The shop signs the customer out on a shared computer: the next person starts afresh.
    before = await stored_session_id(page)
    await page.evaluate("() => DemoShopSupport.reset()")
    await expect(page.locator('[data-testid="message"][data-sender="customer"]')).to_have_count(0)
    # A new session is issued and stored in place of the old one.
    await page.wait_for_function(
        "before => Object.keys(localStorage).filter(k => k.endsWith(':session'))"
        ".some(k => { const v = JSON.parse(localStorage.getItem(k)); return v && v.id && v.id !== before; })",
        arg=before,
        timeout=10_000,
    )
