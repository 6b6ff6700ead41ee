"""The analytics dashboard in real Chromium: a supervisor sees the figures of a simulated day."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from redis.asyncio import Redis

from bot.core.agent_protocol import AgentRole
from bot.core.paths import PROJECT_ROOT
from bot.staff.accounts import AgentDirectory
from bot.supervisor.stack import Stack
from tests.browser.conftest import window
from tests.conftest import AGENT_PASSWORD
from tests.helpers import AgentClient, CustomerClient
from tests.integration.test_analytics import forget_analytics, simulate_day

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
MakeAgent = Callable[..., Awaitable[AgentClient]]
DURATION = re.compile(r"^\d+(\.\d)? s$|^\d+ min \d+ s$")

# Non-transparent pixels on a canvas: Chart.js really drew something.
PAINTED_PIXELS = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
}"""


async def sign_in(page: Page, url: str, username: str) -> None:
    await page.goto(f"{url}/dashboard/")
    await page.get_by_test_id("login-username").fill(username)
    await page.get_by_test_id("login-password").fill(AGENT_PASSWORD)
    await page.get_by_test_id("login-submit").click()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A wide window: the dashboard's screenshot shows every tile in one row."""
    async with window(browser, 1400, 900) as opened:
        yield opened


async def test_a_supervisor_sees_the_days_figures(
    page: Page,
    stack: Stack,
    gateway_url: str,
    customer: CustomerClient,
    make_agent: MakeAgent,
    stack_redis: Redis,
) -> None:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else None)
    await forget_analytics(stack_redis)
    anna = await make_agent("anna.dash", display_name="Anna")
    await simulate_day(stack, gateway_url, customer, anna)
    await AgentDirectory(stack_redis).add("sam.dash", AGENT_PASSWORD, AgentRole.SUPERVISOR, "Sam")

    # A plain agent is turned away at the door.
    await sign_in(page, gateway_url, "anna.dash")
    await expect(page.get_by_test_id("login-error")).to_contain_text("supervisors and trainers")

    await sign_in(page, gateway_url, "sam.dash")
    await expect(page.get_by_test_id("agent-name")).to_contain_text("Sam")
    tiles = {
        "conversations": "7",
        "containment": "71.4%",
        "handoff": "28.6%",
        "fallback": "12.5%",
        "satisfaction": "4.00 / 5",
    }
    for name, value in tiles.items():
        await expect(page.get_by_test_id(f"tile-{name}-value")).to_have_text(value, timeout=10_000)
    await expect(page.get_by_test_id("tile-handoff-detail")).to_contain_text("complaint 1")
    for name in ("wait", "first-response", "handling"):
        await expect(page.get_by_test_id(f"tile-{name}-value")).to_have_text(DURATION)

    for name in ("volume", "rates", "times", "reasons"):
        canvas = page.get_by_test_id(f"chart-{name}")
        await expect(canvas).to_have_attribute("data-state", "drawn")
        assert await canvas.evaluate(PAINTED_PIXELS) > 500, name
    assert await page.evaluate("Chart.getChart('chart-volume').data.labels.length") == 14

    rows = page.get_by_test_id("report-row")
    await expect(rows).to_have_count(14)
    await expect(rows.first.locator("td").first).to_have_text("7")  # newest day first
    await expect(page.get_by_test_id("report-total")).to_contain_text("All days")

    await page.get_by_test_id("language").select_option("hy")
    await expect(page.get_by_test_id("tile-conversations-value")).to_have_text("2")
    await expect(page.get_by_test_id("tile-containment-value")).to_have_text("50.0%")
    await page.get_by_test_id("language").select_option("all")

    async with page.expect_download() as download_info:
        await page.get_by_test_id("download-csv").click()
    download = await download_info.value
    assert download.suggested_filename.startswith("support-analytics-")
    path = await download.path()
    rows_csv = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    total = next(r for r in rows_csv if r["day"] == "total" and r["language"] == "all")
    assert (total["conversations"], total["handoffs"], total["mean_rating"]) == ("7", "2", "4.0")

    await page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    assert violations == []

    # The token stays with the tab: a reload shows the figures again without signing in.
    await page.reload()
    await expect(page.get_by_test_id("tile-conversations-value")).to_have_text("7", timeout=10_000)
    await page.get_by_test_id("logout").click()
    await expect(page.get_by_test_id("login-submit")).to_be_visible()
