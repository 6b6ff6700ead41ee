"""The Rasa client against a small HTTP server that answers as Rasa would, or fails as Rasa can."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.nlu.rasa_client import AssistantUnavailable, RasaClient, with_language_entity
from tests.helpers import free_port


class FakeRasa:
    def __init__(self) -> None:
        self.webhook_status = 200
        self.delay_s = 0.0
        self.received: list[dict[str, Any]] = []
        self.tokens: list[str | None] = []
        self.in_flight = self.most_in_flight = 0

    async def webhook(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
        finally:
            self.in_flight -= 1
        if self.webhook_status != 200:
            return web.Response(status=self.webhook_status, text="boom")
        return web.json_response([{"recipient_id": "c1", "text": "hi"}, "not a reply"])

    async def parse(self, request: web.Request) -> web.Response:
        self.tokens.append(request.query.get("token"))
        ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "faq", "confidence": 0.35}]
        selector = {"faq": {"response": {"intent_response_key": "faq/warranty"}}}
        return web.json_response({"intent_ranking": ranking, "response_selector": selector})

    async def status(self, request: web.Request) -> web.Response:
        return web.json_response({"model_file": self.model})

    async def load(self, request: web.Request) -> web.Response:
        self.model = (await request.json())["model_file"]
        return web.Response(status=204)

    model = "model-x.tar.gz"


async def serve(fake: FakeRasa) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", fake.webhook)
    app.router.add_post("/model/parse", fake.parse)
    app.router.add_get("/status", fake.status)
    app.router.add_put("/model", fake.load)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[FakeRasa, RasaClient]]:
    fake = FakeRasa()
    runner, url = await serve(fake)
    async with aiohttp.ClientSession() as session:
        yield fake, RasaClient(session, f"{url}/", "secret-token", timeout_s=0.5)
    await runner.cleanup()


async def test_replies_come_back_in_order_and_junk_is_dropped(rasa: tuple[FakeRasa, RasaClient]) -> None:
    fake, client = rasa
    assert await client.send_message("c1", "سلام", {"language": "fa"}) == [{"recipient_id": "c1", "text": "hi"}]
    assert fake.received == [{"sender": "c1", "message": "سلام", "metadata": {"language": "fa"}}]


async def test_an_error_or_a_slow_answer_is_assistant_unavailable(rasa: tuple[FakeRasa, RasaClient]) -> None:
    fake, client = rasa
    fake.webhook_status = 500
    with pytest.raises(AssistantUnavailable, match="HTTP 500"):
        await client.send_message("c1", "hi", {})
    fake.webhook_status, fake.delay_s = 200, 2.0
    with pytest.raises(AssistantUnavailable, match="Timeout"):
        await client.send_message("c1", "hi", {})


async def test_turns_go_to_rasa_a_few_at_a_time_first_come_first_served(rasa: tuple[FakeRasa, RasaClient]) -> None:
    fake, client = rasa
    fake.delay_s = 0.05
    client.workers[0].turns = asyncio.Semaphore(2)
    sends = [asyncio.create_task(client.send_message(f"c{i}", "hi", {})) for i in range(8)]
    await asyncio.gather(*sends)
    assert fake.most_in_flight == 2
    assert [body["sender"] for body in fake.received] == [f"c{i}" for i in range(8)]


async def test_guesses_use_the_token_and_name_faq_by_its_key(rasa: tuple[FakeRasa, RasaClient]) -> None:
    fake, client = rasa
    assert await client.guesses("is it covered") == [{"name": "faq/warranty", "confidence": 0.35}]
    assert fake.tokens == ["secret-token"]
    assert await client.is_ready()


async def test_nothing_listening_is_assistant_unavailable() -> None:
    async with aiohttp.ClientSession() as session:
        client = RasaClient(session, f"http://127.0.0.1:{free_port()}", "t", timeout_s=1)
        with pytest.raises(AssistantUnavailable):
            await client.send_message("c1", "hi", {})
        assert not await client.is_ready()


def test_quick_reply_payloads_carry_the_language_for_rasa() -> None:
    assert with_language_entity("/request_human", "fa") == '/request_human{"language": "fa"}'
    assert with_language_entity(" /faq/refund_status ", "hy") == '/faq/refund_status{"language": "hy"}'
    assert with_language_entity('/inform{"order": "4711"}', "ms") == '/inform{"order": "4711", "language": "ms"}'
    assert with_language_entity('/inform{"language": "en"}', "ms") == '/inform{"language": "en"}'
    # Anything else goes as the customer wrote it.
    for text in ("where is my order?", "/ nothing", "/inform{not json}", '/inform["a"]', "a /request_human"):
        assert with_language_entity(text, "fa") == text


async def test_a_pool_keeps_each_conversation_on_one_worker_and_passes_over_one_that_is_down() -> None:
    first, second = FakeRasa(), FakeRasa()
    (runner_1, url_1), (runner_2, url_2) = await serve(first), await serve(second)
    gone = f"http://127.0.0.1:{free_port()}"  # a worker that died
    async with aiohttp.ClientSession() as session:
        client = RasaClient(session, [url_1, url_2, gone], "t", timeout_s=2)
        conversations = [f"conversation-{i}" for i in range(30)]
        for _ in range(2):
            for conversation in conversations:
                assert await client.send_message(conversation, "hi", {}) == [{"recipient_id": "c1", "text": "hi"}]
        # Every turn was answered; each conversation by one worker, and both workers had some.
        on_first = {body["sender"] for body in first.received}
        on_second = {body["sender"] for body in second.received}
        assert on_first | on_second == set(conversations) and not on_first & on_second
        assert on_first and on_second
        assert len(first.received) + len(second.received) == 60

        # A worker failing during a turn is not asked again elsewhere: Rasa may have acted on it.
        first.webhook_status = 500
        sender = next(iter(on_first))
        with pytest.raises(AssistantUnavailable, match="HTTP 500"):
            await client.send_message(sender, "hi", {})
        assert {body["sender"] for body in second.received} == on_second

        # A new model goes to every worker; the pool is ready while one is.
        await RasaClient(session, [url_1, url_2], "t", timeout_s=2).load_model("model-y.tar.gz")
        assert first.model == second.model == "model-y.tar.gz"
        await runner_1.cleanup()
        with pytest.raises(AssistantUnavailable):
            await client.load_model("model-y.tar.gz")
        assert await client.is_ready()
        assert await client.send_message(sender, "hi", {})  # its worker is gone: the next one answers
    await runner_2.cleanup()
