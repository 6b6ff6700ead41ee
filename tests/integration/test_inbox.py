"""The trainers' inbox through the real stack: what lands in it, flags from the console, the trainer API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from redis.asyncio import Redis
from ruamel.yaml import YAML

from bot.core.agent_protocol import AgentRole
from bot.supervisor.stack import Stack
from bot.trainer.inbox import InboxItem, InboxReason, NluInbox
from tests.conftest import AGENT_PASSWORD
from tests.helpers import AgentClient, CustomerClient, low_confidence_texts


async def inbox_items_of(redis: Redis, conversation_id: str | None) -> list[InboxItem]:
    return [item for item in await NluInbox(redis).items() if item.conversation_id == conversation_id]


async def trainer_token(gateway_url: str, agent_account: Callable[..., Awaitable[str]], name: str) -> str:
    await agent_account(name, role=AgentRole.TRAINER)
    client = AgentClient(gateway_url)
    body = await client.login(name, AGENT_PASSWORD)
    return str(body["token"])


async def api(gateway_url: str, method: str, path: str, token: str | None, body: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, f"{gateway_url}{path}", headers=headers, json=body) as response,
    ):
        data = await response.json() if response.content_type == "application/json" else None
        return response.status, data


async def test_a_message_the_assistant_did_not_understand_lands_in_the_inbox(
    customer: CustomerClient, stack_redis: Redis, stack: Stack
) -> None:
    [text] = await low_confidence_texts(stack, 1)
    await customer.send(text, customData={"language": "ms"})
    await customer.replies_until_quiet()
    [item] = await inbox_items_of(stack_redis, customer.conversation_id)
    assert (item.text, item.language, item.reason) == (text, "ms", "low_confidence")
    assert item.seq == 1
    assert item.intents and all(guess["name"] != "nlu_fallback" for guess in item.intents)


async def test_a_message_that_led_to_a_person_lands_in_the_inbox(customer: CustomerClient, stack_redis: Redis) -> None:
    await customer.send("I want to talk to a real person please")
    await customer.replies_until_quiet()
    [item] = await inbox_items_of(stack_redis, customer.conversation_id)
    assert (item.reason, item.detail, item.predicted) == ("handoff", "customer_request", "request_human")


async def test_understood_messages_stay_out_of_the_inbox(customer: CustomerClient, stack_redis: Redis) -> None:
    await customer.send("How long does shipping take?")
    await customer.replies_until_quiet()
    assert await inbox_items_of(stack_redis, customer.conversation_id) == []


async def test_an_agent_flags_a_customer_message(
    customer: CustomerClient, stack_redis: Redis, make_agent: Callable[..., Awaitable[AgentClient]]
) -> None:
    agent = await make_agent("flagger")
    other = await make_agent("bystander")
    await customer.send("How long does shipping take?")
    await customer.replies_until_quiet()
    await customer.send("I want to talk to a real person please")
    await customer.replies_until_quiet()
    conversation_id = customer.conversation_id
    assert (await agent.call("claim", {"conversation_id": conversation_id}))["ok"]

    flagged = await agent.call("flag", {"conversation_id": conversation_id, "seq": 1})
    assert flagged == {"ok": True, "added": True}
    items = {item.seq: item for item in await inbox_items_of(stack_redis, conversation_id)}
    assert items[1].reason == "flagged" and items[1].detail == "flagger"
    assert items[1].text == "How long does shipping take?"
    # The guesses come from the served model.
    assert items[1].predicted == "faq/shipping_time"

    assert (await agent.call("flag", {"conversation_id": conversation_id, "seq": 1}))["added"] is False
    bot_reply = await agent.call("flag", {"conversation_id": conversation_id, "seq": 2})
    assert (bot_reply["ok"], bot_reply["error"]) == (False, "bad_request")
    not_theirs = await other.call("flag", {"conversation_id": conversation_id, "seq": 1})
    assert (not_theirs["ok"], not_theirs["error"]) == (False, "not_yours")
    assert (await agent.call("flag", {"conversation_id": conversation_id, "seq": "1"}))["error"] == "bad_request"


async def test_trainers_refuse_anyone_without_the_role(
    gateway_url: str, agent_account: Callable[..., Awaitable[str]]
) -> None:
    assert (await api(gateway_url, "GET", "/api/trainer/inbox", None))[0] == 401
    assert (await api(gateway_url, "GET", "/api/trainer/inbox", "forged-token"))[0] == 401
    await agent_account("plainagent")
    body = await AgentClient(gateway_url).login("plainagent", AGENT_PASSWORD)
    assert (await api(gateway_url, "GET", "/api/trainer/inbox", body["token"]))[0] == 403
    assert (await api(gateway_url, "POST", "/api/trainer/train", body["token"]))[0] == 403


async def test_a_trainer_socket_is_refused_on_the_agent_namespace(
    gateway_url: str, agent_account: Callable[..., Awaitable[str]]
) -> None:
    token = await trainer_token(gateway_url, agent_account, "nochats")
    client = AgentClient(gateway_url)
    try:
        await client.connect(token)
    except Exception as error:  # socketio.exceptions.ConnectionError
        assert "forbidden" in str(error) or "ConnectionError" in type(error).__name__
    else:
        await client.close()
        raise AssertionError("a trainer's socket was accepted on /agent")


async def test_a_trainer_labels_and_discards_inbox_messages(
    gateway_url: str, stack: Stack, stack_redis: Redis, agent_account: Callable[..., Awaitable[str]]
) -> None:
    inbox = NluInbox(stack_redis)
    text = "گارانتی این گوشی چند وقته؟ برای تست"
    labelled = await inbox.add(text=text, language="fa", reason="low_confidence", conversation_id="c-label", seq=1)  # type: ignore[arg-type]
    dropped = await inbox.add(text="asdf", language="en", reason="low_confidence", conversation_id="c-label", seq=2)  # type: ignore[arg-type]
    assert labelled is not None and dropped is not None
    token = await trainer_token(gateway_url, agent_account, "tina")

    status, listing = await api(gateway_url, "GET", "/api/trainer/inbox", token)
    assert status == 200
    assert {labelled.item_id, dropped.item_id} <= {item["item_id"] for item in listing["items"]}
    assert "faq/warranty" in listing["labels"] and "greet" in listing["labels"]

    path = f"/api/trainer/inbox/{labelled.item_id}/label"
    assert (await api(gateway_url, "POST", path, token, {"label": "faq/no_such_key"}))[0] == 400
    assert (await api(gateway_url, "POST", path, token, "not an object"))[0] == 400
    assert await inbox.get(labelled.item_id) is not None, "a refused label keeps the message in the inbox"
    status, result = await api(gateway_url, "POST", path, token, {"label": "faq/warranty"})
    assert (status, result["added"], result["language"]) == (200, True, "fa")
    assert (await api(gateway_url, "POST", path, token, {"label": "faq/warranty"}))[0] == 404

    faq_file = stack.settings.training_data_dir / "nlu" / "fa" / "faq.yml"
    blocks = YAML(typ="safe").load(faq_file.read_text(encoding="utf-8"))["nlu"]
    [warranty] = [block for block in blocks if block["intent"] == "faq/warranty"]
    assert f"- {text}" in warranty["examples"].splitlines()

    discard = f"/api/trainer/inbox/{dropped.item_id}/discard"
    assert (await api(gateway_url, "POST", discard, token))[0] == 204
    assert (await api(gateway_url, "POST", discard, token))[0] == 404
    assert await inbox.get(dropped.item_id) is None

    status, state = await api(gateway_url, "GET", "/api/trainer/status", token)
    assert status == 200
    assert state["data_changed"] is True, "the labelled example is not in the served model yet"
    assert state["serving_model"].startswith("model-")


async def test_a_message_that_cannot_be_an_example_stays_in_the_inbox(
    gateway_url: str, stack_redis: Redis, agent_account: Callable[..., Awaitable[str]]
) -> None:
    inbox = NluInbox(stack_redis)
    long_text = "where is my order " * 60  # a customer may write 2000 characters; an example is one request
    item = await inbox.add(text=long_text, language="en", reason=InboxReason.FLAGGED, conversation_id="c-long", seq=1)
    assert item is not None
    token = await trainer_token(gateway_url, agent_account, "tom")
    status, body = await api(gateway_url, "POST", f"/api/trainer/inbox/{item.item_id}/label", token, {"label": "greet"})
    assert status == 400 and "long" in body["error"]
    assert await inbox.get(item.item_id) is not None
    assert (await api(gateway_url, "POST", "/api/trainer/inbox/not-an-id!/discard", token))[0] == 404
    assert (await api(gateway_url, "POST", "/api/trainer/inbox/abc123/discard", token))[0] == 404
