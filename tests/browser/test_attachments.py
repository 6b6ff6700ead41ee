"""Attachments in real Chromium: the customer sends a picture from the widget and the agent sees it in the
console; the agent sends a PDF from the console and the customer sees it in the widget; a file that is not a
picture or a PDF is refused in the customer's language and never reaches the agent."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable

from PIL import Image
from playwright.async_api import FilePayload, Locator, Page, expect

from bot.core.paths import PROJECT_ROOT
from tests.browser.test_console import SCREENSHOTS, CreateAgent, log_in
from tests.browser.test_widget import open_widget, send, stored_conversation_id
from tests.helpers import AgentClient

MakeAgent = Callable[..., Awaitable[AgentClient]]
WIDGET_LOCALES = PROJECT_ROOT / "web_widget" / "src" / "locales"


def widget_text(language: str, key: str) -> str:
    """One of the widget's strings, as the customer reads it."""
    strings: dict[str, str] = json.loads((WIDGET_LOCALES / f"{language}.json").read_text(encoding="utf-8"))
    return strings[key]


def png_bytes(width: int = 320, height: int = 200) -> bytes:
    """A real PNG: a photo-sized picture of a parcel (a brown box on a light background)."""
    picture = Image.new("RGB", (width, height), (235, 240, 245))
    picture.paste((176, 124, 72), (width // 4, height // 4, 3 * width // 4, 3 * height // 4))
    picture.paste((120, 80, 40), (width // 2 - 6, height // 4, width // 2 + 6, 3 * height // 4))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(text: str = "Invoice 4711") -> bytes:
    """A small valid one-page PDF (header, objects, cross-reference table, trailer)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    table = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{table}\n%%EOF\n".encode()
    return bytes(out)


def upload(name: str, mime: str, data: bytes) -> FilePayload:
    """A file for Playwright's ``set_input_files``."""
    return FilePayload(name=name, mimeType=mime, buffer=data)


async def wait_until_loaded(image: Locator) -> None:
    """The picture was fetched and decoded (a broken or refused image has no natural width)."""
    await expect(image).to_be_visible(timeout=15_000)
    handle = await image.element_handle()
    await image.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle, timeout=15_000)


async def test_customer_sends_a_picture_and_the_agent_a_pdf(
    page: Page, console: Page, gateway_url: str, agent_account: CreateAgent
) -> None:
    await log_in(console, gateway_url, await agent_account("ada.a", "Ada"))
    await open_widget(page, gateway_url, "en")
    # With the assistant there is nothing to attach to.
    await send(page, "hello")
    await expect(page.locator('[data-testid="message"][data-sender="bot"]').first).to_be_visible(timeout=20_000)
    await expect(page.get_by_test_id("attach")).to_be_hidden()

    await page.get_by_test_id("request-human").click()
    await expect(page.get_by_test_id("handoff-banner")).to_be_visible(timeout=20_000)
    await expect(page.get_by_test_id("attach")).to_be_visible()
    await expect(page.get_by_test_id("attach")).to_have_attribute("aria-label", widget_text("en", "attach"))
    conversation_id = await stored_conversation_id(page)
    queued = console.locator(f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]')
    await queued.get_by_test_id("claim").click()
    await expect(page.get_by_test_id("handoff-banner")).to_contain_text("joined", timeout=10_000)

    # The customer's picture: a thumbnail in the widget and in the console.
    await page.get_by_test_id("attach-input").set_input_files(upload("broken-mug.png", "image/png", png_bytes()))
    mine = page.locator('[data-testid="message"][data-sender="customer"]').get_by_test_id("attachment-image")
    await wait_until_loaded(mine.locator("img"))
    await expect(mine.locator("img")).to_have_attribute("alt", "broken-mug.png")
    await expect(mine.locator("img")).to_have_attribute("loading", "lazy")
    href = await mine.get_attribute("href")
    assert href is not None and href.startswith(f"{gateway_url}/attachments/"), href
    await expect(mine).to_have_attribute("target", "_blank")
    await expect(mine).to_have_attribute("rel", "noopener noreferrer")
    await expect(page.get_by_test_id("error")).to_be_hidden()
    transcript = console.get_by_test_id("transcript")
    theirs = transcript.locator('[data-testid="entry"][data-sender="customer"]').get_by_test_id("attachment-image")
    await wait_until_loaded(theirs.locator("img"))
    await expect(theirs.locator("img")).to_have_attribute("alt", "broken-mug.png")
    # The full picture is served as the picture it is, and nothing else.
    full = await page.request.get(href)
    assert full.status == 200
    assert full.headers["content-type"].startswith("image/png")
    assert full.headers["x-content-type-options"] == "nosniff"

    # The agent's PDF: a file chip with its name on both sides.
    await console.get_by_test_id("attach-input").set_input_files(
        upload("invoice-4711.pdf", "application/pdf", pdf_bytes())
    )
    sent = transcript.locator('[data-testid="entry"][data-sender="agent"]').get_by_test_id("attachment-file")
    await expect(sent).to_contain_text("invoice-4711.pdf", timeout=15_000)
    chip = page.locator('[data-testid="message"][data-sender="agent"]').get_by_test_id("attachment-file")
    await expect(chip).to_contain_text("invoice-4711.pdf", timeout=15_000)
    await expect(chip).to_contain_text("KB")
    chip_href = await chip.get_attribute("href")
    assert chip_href is not None and chip_href.startswith(f"{gateway_url}/attachments/"), chip_href
    await expect(console.get_by_test_id("attach")).to_be_enabled()
    # The screenshot shows the conversation as an agent works in it, not half loaded.
    await expect(console.get_by_test_id("context")).not_to_contain_text("Loading context", timeout=15_000)
    await expect(console.get_by_test_id("assist-summary")).not_to_contain_text(
        "Reading the conversation", timeout=15_000
    )
    # Both files in view: a taller window, the summary folded, the transcript at its end.
    await console.set_viewport_size({"width": 1280, "height": 1000})
    await console.get_by_test_id("assist-summary").locator("summary").click()
    await console.get_by_test_id("transcript").evaluate("element => { element.scrollTop = element.scrollHeight; }")
    await console.screenshot(path=str(SCREENSHOTS / "console-attachment.png"))
    await page.screenshot(path=str(SCREENSHOTS / "widget-attachment.png"))

    # Back with the assistant, the paperclip goes.
    await console.get_by_test_id("handback").click()
    await expect(page.get_by_test_id("attach")).to_be_hidden(timeout=10_000)


async def test_files_that_are_not_pictures_or_pdfs_are_refused_in_the_customers_language(
    page: Page, gateway_url: str, make_agent: MakeAgent
) -> None:
    nasrin = await make_agent("nasrin.a", display_name="Nasrin")
    await open_widget(page, gateway_url, "fa")
    await page.get_by_test_id("request-human").click()
    await expect(page.get_by_test_id("handoff-banner")).to_be_visible(timeout=20_000)
    conversation_id = await stored_conversation_id(page)
    await nasrin.wait_for_queue_with(conversation_id)
    assert (await nasrin.call("claim", {"conversation_id": conversation_id}))["ok"]
    await expect(page.get_by_test_id("handoff-banner")).to_contain_text("Nasrin", timeout=10_000)

    refused = widget_text("fa", "attachment_type_not_allowed")
    error = page.get_by_test_id("error")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="9"/></svg>'
    # An SVG: the widget knows at once.
    await page.get_by_test_id("attach-input").set_input_files(upload("drawing.svg", "image/svg+xml", svg))
    await expect(error).to_contain_text(refused, timeout=10_000)
    await page.get_by_test_id("error-dismiss").click()
    # HTML dressed as a picture: only its bytes tell, and the server reads them.
    html = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
    await page.get_by_test_id("attach-input").set_input_files(upload("photo.png", "image/png", html))
    await expect(error).to_contain_text(refused, timeout=15_000)
    assert await error.evaluate("element => getComputedStyle(element).direction") == "rtl"
    # Nothing is left pending or shown, and nothing else was lost.
    customer_messages = page.locator('[data-testid="message"][data-sender="customer"]')
    await expect(customer_messages.get_by_test_id("attachment-image")).to_have_count(0)
    await expect(page.locator('[data-testid="message"][data-status="sending"]')).to_have_count(0)
    await send(page, "عکس را نتوانستم بفرستم")
    # The next thing the agent hears from the customer is that message: no attachment came before it.
    entry = await nasrin.next_message(conversation_id, "customer")
    while entry["text"] != "عکس را نتوانستم بفرستم":
        assert "attachment" not in (entry.get("extra") or {}), entry
        entry = await nasrin.next_message(conversation_id, "customer")
    opened = await nasrin.call("open", {"conversation_id": conversation_id})
    assert opened["ok"]
    assert [e for e in opened["transcript"] if "attachment" in (e.get("extra") or {})] == []
