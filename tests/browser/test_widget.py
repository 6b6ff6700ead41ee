"""The widget on the demo shop page, in real Chromium against the real stack."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from playwright.async_api import BrowserContext, Page, WebSocketRoute, expect
from redis.asyncio import Redis

from bot.core import keys
from bot.core.languages import Language
from bot.core.paths import PROJECT_ROOT
from bot.gateway.sessions import conversation_id_of
from bot.nlu.responses import first_variation
from tests.helpers import domain, domain_responses

RESPONSES = domain_responses()
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
QUESTIONS = {
    "en": "how can I track my parcel",
    "hy": "Ինչպե՞ս հետևել իմ ծանրոցին",
    "fa": "چطور سفارشم رو پیگیری کنم؟",
    "ms": "macam mana nak jejak bungkusan saya",
}


async def open_widget(page: Page, gateway_url: str, language: str) -> None:
    await page.goto(f"{gateway_url}/?lang={language}")
    await page.get_by_test_id("launcher").click()
    await expect(page.get_by_test_id("input")).to_be_focused()


async def send(page: Page, text: str) -> None:
    await page.get_by_test_id("input").fill(text)
    await page.get_by_test_id("input").press("Enter")


async def stored_session_id(page: Page) -> str:
    """The session id the widget keeps in localStorage (key ending in ":session"), once the server confirmed one."""
    stored = "() => Object.keys(localStorage).filter(k => k.endsWith(':session')).map(k => localStorage.getItem(k))[0]"
    # A busy machine may confirm the session a moment after the first message is sent.
    await page.wait_for_function(f"() => typeof ({stored})() === 'string'", timeout=15_000)
    raw = await page.evaluate(stored)
    assert isinstance(raw, str), "the widget stored no session"
    session_id = json.loads(raw)["id"]
    assert isinstance(session_id, str)
    return session_id


async def stored_conversation_id(page: Page) -> str:
    """The widget's conversation as staff and Redis name it (the session id without its signature)."""
    return conversation_id_of(await stored_session_id(page))


@pytest.mark.parametrize("language", ["en", "hy", "fa", "ms"])
async def test_chat_in_each_language(page: Page, gateway_url: str, language: str) -> None:
    await open_widget(page, gateway_url, language)
    await send(page, QUESTIONS[language])
    bot = page.locator('[data-testid="message"][data-sender="bot"]')
    await expect(bot.last).to_be_visible(timeout=20_000)
    text = await bot.last.inner_text()
    assert any(answer in text for answer in RESPONSES["utter_faq/order_tracking"][language]), text
    direction = await page.get_by_test_id("panel").evaluate("element => getComputedStyle(element).direction")
    assert direction == ("rtl" if language == "fa" else "ltr")
    await page.screenshot(path=str(SCREENSHOTS / f"widget-{language}.png"))


# Per word of an element's text: on how many lines it lies (a word broken in the middle lies on two).
WORD_LINES = """(element) => {
  const lineCount = (range) => new Set(Array.from(range.getClientRects()).map((rect) => Math.round(rect.top))).size;
  const texts = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) texts.push(walker.currentNode);
  const words = [];
  for (const text of texts) {
    for (const match of text.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(text, match.index);
      range.setEnd(text, match.index + match[0].length);
      words.push([match[0], lineCount(range)]);
    }
  }
  const whole = document.createRange();
  whole.selectNodeContents(element);
  return { words, lines: lineCount(whole) };
}"""


@pytest.mark.parametrize("width", [1100, 360])
@pytest.mark.parametrize("language", ["hy", "ms", "fa", "en"])
async def test_the_header_never_breaks_a_word(page: Page, gateway_url: str, language: str, width: int) -> None:
    await page.set_viewport_size({"width": width, "height": 740})
    await open_widget(page, gateway_url, language)
    header = page.get_by_test_id("panel").locator(".header")
    for part in (header.locator(".header__title"), header.get_by_test_id("request-human")):
        laid_out = await part.evaluate(WORD_LINES)
        assert all(lines == 1 for _, lines in laid_out["words"]), laid_out
        assert laid_out["lines"] <= 2, laid_out
    if language == "hy" and width == 360:
        await page.screenshot(path=str(SCREENSHOTS / "widget-hy-phone.png"))


@pytest.mark.parametrize("language", ["en", "hy", "fa", "ms"])
async def test_the_served_welcome_and_its_quick_replies_start_the_chat(
    page: Page, gateway_url: str, language: Language
) -> None:
    await open_widget(page, gateway_url, language)
    welcome = first_variation(domain(), "utter_welcome", language)
    assert welcome is not None, f"no welcome in {language}"
    intro = page.get_by_test_id("intro")
    await expect(intro.locator("strong").first).to_be_visible(timeout=10_000)  # the domain's Markdown
    chips = page.get_by_test_id("chip")
    await expect(chips).to_have_text([button["title"] for button in welcome["buttons"]])
    await chips.first.click()
    customer = page.locator('[data-testid="message"][data-sender="customer"]')
    await expect(customer.last).to_contain_text(welcome["buttons"][0]["title"])  # the title, not the payload
    bot = page.locator('[data-testid="message"][data-sender="bot"]')
    await expect(bot.last).to_be_visible(timeout=20_000)
    text = await bot.last.inner_text()
    assert any(answer in text for answer in RESPONSES["utter_faq/order_tracking"][language]), text
    await expect(page.get_by_test_id("chips")).to_be_hidden()


async def test_reload_brings_the_history_back(page: Page, gateway_url: str) -> None:
    await open_widget(page, gateway_url, "en")
    await send(page, "hello there")
    await expect(page.locator('[data-testid="message"][data-sender="bot"]')).to_have_count(1, timeout=20_000)
    await page.reload()
    customer = page.locator('[data-testid="message"][data-sender="customer"]')
    await expect(customer).to_have_count(1, timeout=10_000)
    await expect(customer.first).to_contain_text("hello there")
    await expect(page.locator('[data-testid="message"][data-sender="bot"]')).to_have_count(1)


async def test_html_in_a_message_is_shown_as_text_and_never_runs(page: Page, gateway_url: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    payload = '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2</script>'
    await open_widget(page, gateway_url, "en")
    await send(page, payload)
    customer = page.locator('[data-testid="message"][data-sender="customer"]')
    await expect(customer.last).to_contain_text("<img src=x", timeout=10_000)
    await expect(page.locator('[data-testid="message"][data-sender="bot"]').last).to_be_visible(timeout=20_000)
    assert await page.get_by_test_id("messages").locator("img, script").count() == 0
    assert await page.evaluate("window.__pwned") is None
    assert dialogs == []


class FrameDropper:
    """Between the page and the gateway: passes socket.io frames on, and loses the next
    server frame that starts with ``prefix`` once armed (as a Redis pub/sub blip would)."""

    def __init__(self) -> None:
        self.prefix: str | None = None
        self.dropped: list[str] = []

    def arm(self, prefix: str) -> None:
        self.prefix = prefix

    async def wait_for_drop(self, within_s: float = 20.0) -> None:
        """Until the armed frame has come by (and been lost), or ``within_s`` passed."""
        for _ in range(int(within_s * 10)):
            if self.dropped:
                return
            await asyncio.sleep(0.1)

    def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        ws.on_message(server.send)

        def from_server(message: str | bytes) -> None:
            if self.prefix and isinstance(message, str) and message.startswith(self.prefix):
                self.prefix = None
                self.dropped.append(message)
                return
            ws.send(message)

        server.on_message(from_server)


async def test_a_reply_lost_on_its_way_is_fetched_again(page: Page, gateway_url: str, stack_redis: Redis) -> None:
    dropper = FrameDropper()
    await page.route_web_socket(re.compile(r"/socket\.io/"), dropper.route)
    await open_widget(page, gateway_url, "en")
    bot = page.locator('[data-testid="message"][data-sender="bot"]')
    await send(page, "hello")
    await expect(bot).to_have_count(1, timeout=20_000)
    dropper.arm('42["bot_uttered"')
    await send(page, "what payment methods do you accept")
    await dropper.wait_for_drop()
    assert len(dropper.dropped) == 1, "the reply was on its way"
    await expect(bot).to_have_count(1)
    # The next stored message's seq does not follow on: the widget asks for what it missed.
    await send(page, "thanks, bye")
    await expect(bot).to_have_count(3, timeout=20_000)
    conversation_id = await stored_conversation_id(page)
    stored = [json.loads(raw) for raw in await stack_redis.lrange(keys.transcript_key(conversation_id), 0, -1)]
    shown = [await element.inner_text() for element in await page.locator('[data-testid="message"]').all()]
    assert len(shown) == len(stored) == 6, (shown, stored)
    for entry, text in zip(stored, shown, strict=True):
        assert entry["text"].split("\n")[0] in text, "each stored message shown once, in order"


async def test_messages_typed_offline_are_delivered_once(
    context: BrowserContext, page: Page, gateway_url: str, stack_redis: Redis
) -> None:
    await open_widget(page, gateway_url, "en")
    await send(page, "hello")
    await expect(page.locator('[data-testid="message"][data-sender="bot"]')).to_have_count(1, timeout=20_000)
    conversation_id = await stored_conversation_id(page)
    await context.set_offline(True)
    await expect(page.get_by_test_id("connection-banner")).to_be_visible(timeout=30_000)
    await send(page, "what payment methods do you accept")
    await context.set_offline(False)
    await expect(page.locator('[data-testid="message"][data-sender="bot"]')).to_have_count(2, timeout=40_000)
    await expect(page.get_by_test_id("connection-banner")).to_be_hidden()
    raw = await stack_redis.lrange(keys.transcript_key(conversation_id), 0, -1)
    texts = [json.loads(item)["text"] for item in raw]
    assert texts.count("what payment methods do you accept") == 1
    customer = page.locator('[data-testid="message"][data-sender="customer"]')
    await expect(customer).to_have_count(2)
