"""The staff pages in the agent's language (real Chromium, the real stack): Persian right to left,
Armenian and Malay; the choice kept on the account, so it follows the agent to a new browser."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

from playwright.async_api import Browser, Page, expect

from bot.core.agent_protocol import AgentRole
from bot.core.paths import PROJECT_ROOT
from bot.staff.web import LOCALE_FILES
from tests.browser.conftest import window
from tests.browser.test_console import log_in
from tests.browser.test_widget import open_widget, send, stored_conversation_id
from tests.conftest import AGENT_PASSWORD

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
CreateAgent = Callable[..., Awaitable[str]]
CATALOGS = {code: json.loads(path.read_text(encoding="utf-8")) for code, path in LOCALE_FILES.items()}
FA, HY, MS = CATALOGS["fa"], CATALOGS["hy"], CATALOGS["ms"]
#: A catalog key shown as itself: the page asked for a text no catalog has.
KEY_SHOWN = re.compile(r"\b(?:" + "|".join(sorted({key.split(".")[0] for key in CATALOGS["en"]})) + r")\.[a-z_]+\b")

# The visible text of the page that is the console's own (not customers' words, names
# or data such as intents, not the language pickers' native names), one string a text node.
OWN_TEXT = """() => {
  const skipped = "[dir=auto], .language-picker, #agent-name, .intent__name, bdi, "
    + ".entry__author, .tag, .entry__text, .entry__time, .assist-question__intent, .suggestion__meta";
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent || parent.closest(skipped) || !parent.checkVisibility()) continue;
    texts.push(node.textContent.trim());
  }
  for (const select of document.querySelectorAll("select:not(.language-picker)")) {
    if (select.checkVisibility()) texts.push(...[...select.options].map((option) => option.textContent.trim()));
  }
  return texts;
}"""
#: Latin words a Persian console may show: keyboard keys, and language codes (data, as the intents are).
LATIN_ALLOWED = {"Enter", "Shift", "HTTP", "en", "hy", "fa", "ms"}


async def expect_no_untranslated_text(page: Page, names: set[str]) -> None:
    texts: list[str] = await page.evaluate(OWN_TEXT)
    assert texts, "nothing visible"
    shown_keys = [text for text in texts if KEY_SHOWN.search(text)]
    assert shown_keys == [], "catalog keys shown instead of text"
    latin = [
        word
        for text in texts
        for word in re.findall(r"[A-Za-z]{2,}", text)
        if word not in LATIN_ALLOWED and word not in names
    ]
    assert latin == [], f"English left on a Persian page: {texts}"


async def sign_in(page: Page, url: str, path: str, username: str, *, go: bool = True) -> None:
    if go:
        await page.goto(f"{url}/{path}/")
    await page.get_by_test_id("login-username").fill(username)
    await page.get_by_test_id("login-password").fill(AGENT_PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("logout")).to_be_visible(timeout=10_000)


async def test_an_agent_works_in_persian_right_to_left_and_it_follows_her_to_another_browser(
    page: Page, console: Page, browser: Browser, gateway_url: str, agent_account: CreateAgent
) -> None:
    username = await agent_account("parisa.fa", "Parisa")
    await log_in(console, gateway_url, username)
    html = console.locator("html")
    await expect(html).to_have_attribute("dir", "ltr")
    await expect(console.get_by_test_id("take-next")).to_have_text("Take next")

    # She picks Persian in the top bar: the page turns at once, without a reload.
    await console.get_by_test_id("language-picker").select_option("fa")
    await expect(html).to_have_attribute("dir", "rtl")
    await expect(html).to_have_attribute("lang", "fa")
    await expect(console.get_by_test_id("take-next")).to_have_text(FA["queue.take_next"])
    await expect(console.locator("#queue-heading")).to_contain_text(FA["queue.heading"])
    await expect(console.get_by_test_id("logout")).to_have_text(FA["shell.logout"])
    await expect(console.get_by_test_id("agent-name")).to_have_text(f"Parisa ({FA['role.agent']})")
    await expect(console.locator("#connection-state")).to_have_text(FA["connection.online"])

    # A Persian customer asks for a person and writes markup, which stays text.
    await open_widget(page, gateway_url, "fa")
    await page.get_by_test_id("chip").last.click()  # the welcome's "talk to a person"
    conversation_id = await stored_conversation_id(page)
    queued = console.locator(f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]')
    await expect(queued.get_by_test_id("claim")).to_have_text(FA["queue.claim"], timeout=10_000)
    await expect(queued).to_contain_text(FA["reason.customer_request"])
    await queued.get_by_test_id("claim").click()
    await expect(page.get_by_test_id("handoff-banner")).to_have_attribute("data-state", "assigned", timeout=10_000)
    await send(page, "سفارشم هنوز نرسیده، شمارهٔ سفارش ۴۷۱۱ است")
    await send(page, "<b>x</b>")
    transcript = console.get_by_test_id("transcript")
    customer = transcript.locator('[data-testid="entry"][data-sender="customer"]')
    await expect(customer.last).to_contain_text("<b>x</b>", timeout=10_000)
    assert await customer.last.locator(".entry__text b").count() == 0
    await expect(customer.last.locator(".entry__text")).to_have_attribute("dir", "auto")
    await expect(transcript).to_have_attribute("dir", "rtl")
    await expect(customer.last.get_by_test_id("flag")).to_have_text(FA["transcript.flag"])
    await expect(console.get_by_test_id("resolve")).to_have_text(FA["conversation.resolve"])
    await expect(console.get_by_test_id("reply-send")).to_have_text(FA["composer.send"])
    await expect(console.get_by_test_id("reply-input")).to_have_attribute(
        "placeholder", FA["composer.placeholder_reply"]
    )
    await expect(console.get_by_test_id("conversation-state")).to_have_text(FA["state.assigned"])
    await console.get_by_test_id("reply-input").fill("سلام، من پریسا هستم. بررسی می‌کنم.")
    await console.get_by_test_id("reply-send").click()
    await expect(transcript.locator('[data-testid="entry"][data-sender="agent"]')).to_be_visible(timeout=10_000)
    await expect_no_untranslated_text(console, {"Parisa"})
    await transcript.evaluate("element => { element.scrollTop = element.scrollHeight; }")
    await console.screenshot(path=str(SCREENSHOTS / "console-fa.png"))

    # A reload, then another browser with nothing stored: still Persian, from her account.
    await console.reload()
    await expect(console.get_by_test_id("take-next")).to_have_text(FA["queue.take_next"], timeout=10_000)
    async with window(browser, 1280, 800) as elsewhere:
        await elsewhere.goto(f"{gateway_url}/console/")
        await expect(elsewhere.get_by_test_id("login-submit")).to_have_text("Sign in")  # the browser's English
        await log_in(elsewhere, gateway_url, username)
        await expect(elsewhere.locator("html")).to_have_attribute("dir", "rtl", timeout=10_000)
        await expect(elsewhere.get_by_test_id("take-next")).to_have_text(FA["queue.take_next"])
        await expect(elsewhere.get_by_test_id("language-picker")).to_have_value("fa")
        await expect_no_untranslated_text(elsewhere, {"Parisa"})
        # Back to English there: the console follows, and so does her account.
        await elsewhere.get_by_test_id("language-picker").select_option("en")
        await expect(elsewhere.locator("html")).to_have_attribute("dir", "ltr")
        await expect(elsewhere.get_by_test_id("take-next")).to_have_text("Take next")
        response = await elsewhere.request.get(
            f"{gateway_url}/api/agent/me",
            headers={"Authorization": f"Bearer {await elsewhere.evaluate('sessionStorage.getItem(`console.token`)')}"},
        )
        assert (await response.json())["agent"]["language"] == "en"


async def test_a_trainer_chooses_armenian_on_the_sign_in_form_and_keeps_it(
    browser: Browser, gateway_url: str, agent_account: CreateAgent
) -> None:
    username = await agent_account("tigran.hy", "Tigran", role=AgentRole.TRAINER)
    async with window(browser, 1280, 900) as trainer:
        await trainer.goto(f"{gateway_url}/trainer/")
        # The form can be read before signing in.
        await trainer.get_by_test_id("login-language").select_option("hy")
        await expect(trainer.get_by_test_id("login-submit")).to_have_text(HY["signin.submit"])
        await expect(trainer.locator("#login-heading")).to_have_text(HY["trainer.title"])
        await sign_in(trainer, gateway_url, "trainer", username, go=False)
        await expect(trainer.locator("html")).to_have_attribute("lang", "hy")
        await expect(trainer.locator("html")).to_have_attribute("dir", "ltr")
        await expect(trainer.get_by_test_id("train")).to_have_text(HY["trainer.train"])
        await expect(trainer.locator("#inbox-heading")).to_contain_text(HY["trainer.inbox_heading"])
        await expect(trainer.get_by_test_id("model-state")).not_to_be_empty(timeout=10_000)
        state = await trainer.get_by_test_id("model-state").inner_text()
        assert HY["trainer.in_service"].split("{model}")[0] in state and "service" not in state, state
        await expect(trainer.get_by_test_id("language-filter").locator('option[value="fa"]')).to_have_text(
            HY["language.fa"]
        )
    # What was chosen on the form went to the account: a new browser opens in Armenian.
    async with window(browser, 1280, 900) as elsewhere:
        await sign_in(elsewhere, gateway_url, "trainer", username)
        await expect(elsewhere.get_by_test_id("train")).to_have_text(HY["trainer.train"], timeout=10_000)
        await expect(elsewhere).to_have_title(HY["trainer.title"])


async def test_a_supervisor_reads_the_dashboard_in_malay(
    browser: Browser, gateway_url: str, agent_account: CreateAgent
) -> None:
    username = await agent_account("mira.ms", "Mira", role=AgentRole.SUPERVISOR)
    async with window(browser, 1400, 900) as dashboard:
        await sign_in(dashboard, gateway_url, "dashboard", username)
        await expect(dashboard.get_by_test_id("download-csv")).to_have_text("Download CSV")
        await dashboard.get_by_test_id("language-picker").select_option("ms")
        await expect(dashboard.get_by_test_id("download-csv")).to_have_text(MS["dashboard.download"])
        await expect(dashboard.get_by_test_id("tile-handoff").locator("h2")).to_have_text(MS["dashboard.handoff_rate"])
        await expect(dashboard.get_by_test_id("report-total")).to_contain_text(MS["dashboard.all_days"])
        await expect(dashboard.get_by_test_id("range")).to_contain_text(MS["dashboard.all_languages"].lower())
        await expect(dashboard.get_by_test_id("tile-satisfaction-detail")).to_contain_text(
            MS["dashboard.ratings_other"].replace("{count}", "").strip()
        )
    async with window(browser, 1400, 900) as elsewhere:
        await sign_in(elsewhere, gateway_url, "dashboard", username)
        await expect(elsewhere.get_by_test_id("refresh")).to_have_text(MS["dashboard.show"], timeout=10_000)
        await expect(elsewhere.locator("html")).to_have_attribute("lang", "ms")
