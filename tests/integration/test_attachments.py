"""Attachments over real HTTP, sockets, Redis and files: the customer's and the agent's, what the browser is
allowed to do with them, who may fetch them, and what is refused."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable

import aiohttp
from redis.asyncio import Redis

from bot.core.agent_protocol import AgentRole
from bot.supervisor.stack import Stack
from tests import files
from tests.helpers import AgentClient, CustomerClient

MakeAgent = Callable[..., Awaitable[AgentClient]]


def form(session_id: str | None, data: bytes | None, name: str = "photo.png") -> aiohttp.FormData:
    body = aiohttp.FormData()
    if session_id is not None:
        body.add_field("session_id", session_id)
    if data is not None:
        # A stream: aiohttp sends large bytes values only as a file-like object.
        body.add_field("file", io.BytesIO(data), filename=name, content_type="application/octet-stream")
    return body


async def test_a_customer_sends_a_photo_and_the_agent_a_pdf(
    stack: Stack, gateway_url: str, customer: CustomerClient, make_agent: MakeAgent
) -> None:
    anna = await make_agent("anna-files", display_name="Anna")
    await customer.send("/request_human", customData={"language": "en"})
    await customer.replies_until_quiet()
    assert customer.session_id
    photo = files.image_bytes("PNG", (900, 600))
    async with aiohttp.ClientSession(gateway_url) as http:
        headers = {"Origin": "https://shop.example"}
        async with http.post("/api/attachments", data=form(customer.session_id, photo), headers=headers) as response:
            assert response.status == 201
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            entry = (await response.json())["entry"]
        attachment = entry["extra"]["attachment"]
        assert entry["sender"] == "customer" and attachment["kind"] == "image" and attachment["name"] == "photo.png"

        # The agent who claims the chat sees it in the transcript, and fetches it.
        await anna.wait_for_queue_with(customer.conversation_id)
        assert (await anna.call("claim", {"conversation_id": customer.conversation_id}))["ok"]
        opened = await anna.call("open", {"conversation_id": customer.conversation_id})
        assert any(e["extra"].get("attachment", {}).get("id") == attachment["id"] for e in opened["transcript"])
        async with http.get(attachment["url"]) as response:
            assert response.status == 200 and await response.read() == photo
            assert response.headers["Content-Type"] == "image/png"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in response.headers["Content-Security-Policy"]
        async with http.get(attachment["thumb_url"]) as response:
            assert response.status == 200 and response.headers["Content-Type"] == "image/jpeg"
        # Without its conversation's signature, or with another conversation's, nothing.
        base = attachment["url"].split("?")[0]
        for bad in (base, f"{base}?c={customer.conversation_id}&s=AAAA", attachment["url"].replace("c=", "c=x")):
            async with http.get(bad) as response:
                assert response.status == 404

        # The agent sends an invoice; the customer gets it as Rasa's attachment shape.
        pdf = files.pdf_bytes()
        agent_form = aiohttp.FormData()
        agent_form.add_field("conversation_id", customer.conversation_id)
        agent_form.add_field("file", pdf, filename="invoice-4711.pdf")
        bearer = {"Authorization": f"Bearer {anna.token}"}
        async with http.post("/api/agent/attachments", data=agent_form, headers=bearer) as response:
            assert response.status == 201
        uttered = await customer.next("bot_uttered")
        while "attachment" not in uttered:
            uttered = await customer.next("bot_uttered")
        assert uttered["attachment"]["type"] == "file" and uttered["metadata"]["agent_name"] == "Anna"
        async with http.get(uttered["attachment"]["payload"]["src"]) as response:
            assert response.status == 200 and await response.read() == pdf
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.headers["Content-Disposition"].startswith("attachment;")  # downloaded, not run


async def test_what_is_refused_is_answered_clearly_and_nothing_is_kept(
    gateway_url: str, customer: CustomerClient, make_agent: MakeAgent, stack_redis: Redis
) -> None:
    async with aiohttp.ClientSession(gateway_url) as http:
        # With the assistant: files go to a person only.
        async with http.post("/api/attachments", data=form(customer.session_id, files.image_bytes())) as response:
            assert response.status == 409 and (await response.json())["error"] == "not_with_a_person"
        await customer.send("/request_human", customData={"language": "en"})
        await customer.replies_until_quiet()
        cases = [
            (form(customer.session_id, files.SVG, "logo.svg"), 415, "type_not_allowed"),
            (form(customer.session_id, files.HTML, "page.png"), 415, "type_not_allowed"),
            (form(customer.session_id, files.FAKE_PNG, "photo.png"), 415, "type_not_allowed"),
            (form(customer.session_id, b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)), 413, "too_large"),
            (form(customer.conversation_id, files.image_bytes()), 403, "unknown_session"),  # unsigned
            (form("forged.signature", files.image_bytes()), 403, "unknown_session"),
            (form(customer.session_id, None), 400, "malformed"),
        ]
        for body, status, code in cases:
            async with http.post("/api/attachments", data=body) as response:
                assert (response.status, (await response.json())["error"]) == (status, code)
        async with http.post("/api/attachments", data=b"not multipart") as response:
            assert response.status == 400
        # An agent may send only to their own chat; a stranger not at all.
        ben = await make_agent("ben-files", AgentRole.AGENT)
        agent_form = aiohttp.FormData()
        agent_form.add_field("conversation_id", customer.conversation_id)
        agent_form.add_field("file", files.pdf_bytes(), filename="x.pdf")
        async with http.post(
            "/api/agent/attachments", data=agent_form, headers={"Authorization": f"Bearer {ben.token}"}
        ) as response:
            assert response.status in (403, 409)
        async with http.post("/api/agent/attachments", data=agent_form) as response:
            assert response.status == 401
    assert await stack_redis.smembers(f"support:attachments-of:{customer.conversation_id}") == set()
