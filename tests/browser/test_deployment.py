"""The widget and the console under https://…/support/, through nginx, in real Chromium (tests/deployment.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from bot.core.agent_protocol import AgentRole
from bot.core.redis_connection import connect as connect_redis
from bot.staff.accounts import AgentDirectory
from tests.browser.conftest import window
from tests.browser.test_console import handoff_round_trip
from tests.conftest import AGENT_PASSWORD
from tests.deployment import Deployment

# The first test waits for the deployment to start (Redis, Sentinel, Rasa, two gateways, nginx).
pytestmark = pytest.mark.timeout(400)


@pytest_asyncio.fixture(loop_scope="session")
async def shop_page(browser: Browser) -> AsyncIterator[Page]:
    """A window that accepts the deployment's own certificate (made by openssl for the test)."""
    async with window(browser, 1100, 800, ignore_https_errors=True) as page:
        yield page


@pytest_asyncio.fixture(loop_scope="session")
async def agent_page(browser: Browser) -> AsyncIterator[Page]:
    async with window(browser, 1100, 800, ignore_https_errors=True) as page:
        yield page


async def test_the_widget_and_the_console_work_under_a_sub_path_behind_nginx(
    shop_page: Page, agent_page: Page, deployment: Deployment
) -> None:
    """The demo page embeds widget.js from /support/; its socket, the console's and the APIs all go there."""
    redis = connect_redis(deployment.settings.redis_url)
    try:
        await AgentDirectory(redis).add("nina.d", AGENT_PASSWORD, AgentRole.AGENT, "Nina")
        base = deployment.nginx.base_url.rstrip("/")
        sockets: list[str] = []
        shop_page.on("websocket", lambda socket: sockets.append(socket.url))
        agent_page.on("websocket", lambda socket: sockets.append(socket.url))
        await handoff_round_trip(shop_page, agent_page, base, base, "nina.d", redis, screenshots=False)
        assert sockets and all(
            url.startswith(f"wss://127.0.0.1:{deployment.nginx.https_port}/support/socket.io/") for url in sockets
        ), sockets
    finally:
        await redis.aclose()
