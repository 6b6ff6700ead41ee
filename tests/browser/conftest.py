"""Real headless Chromium (Debian's package) driven by Playwright, against the shared stack."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian's chromium is not installed; run `make setup`")
    return path


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    created = await browser.new_context(viewport={"width": 1100, "height": 800})
    yield created
    await created.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    assert errors == [], f"uncaught errors in the page: {errors}"


@contextlib.asynccontextmanager
async def window(
    browser: Browser,
    width: int,
    height: int,
    prepare: Callable[[BrowserContext], Awaitable[None]] | None = None,
    ignore_https_errors: bool = False,
) -> AsyncIterator[Page]:
    """A browser window of its own (cookies, storage, permissions); an uncaught error in its page fails the test.

    ``prepare``: what to set on the window before its page opens (permissions, init scripts).
    ``ignore_https_errors``: accept a certificate made for the test (the deployment's nginx).
    """
    created = await browser.new_context(
        viewport={"width": width, "height": height}, ignore_https_errors=ignore_https_errors
    )
    if prepare is not None:
        await prepare(created)
    opened = await created.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    await created.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


@pytest_asyncio.fixture(loop_scope="session")
async def console(browser: Browser) -> AsyncIterator[Page]:
    """A second browser window, for the agent (the customer has ``page``)."""
    async with window(browser, 1280, 800) as opened:
        yield opened
