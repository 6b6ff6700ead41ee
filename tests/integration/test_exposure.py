"""What is reachable, and by whom: Rasa's API needs its token; staff never see a customer's credential."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import aiohttp

from bot.supervisor.stack import Stack
from tests.helpers import AgentClient, CustomerClient
from tests.integration.test_inbox import api, trainer_token


async def test_rasa_refuses_to_load_a_model_without_its_token(stack: Stack) -> None:
    rasa = stack.settings.resolved_rasa_url
    assert rasa.startswith("http://127.0.0.1:"), "Rasa listens on loopback only"
    body = {"model_file": "/tmp/crafted-model.tar.gz"}
    async with aiohttp.ClientSession() as http:
        async with http.put(f"{rasa}/model", json=body) as response:
            assert response.status == 401
        async with http.put(f"{rasa}/model", params={"token": "guessed"}, json=body) as response:
            assert response.status == 401
        async with http.get(f"{rasa}/status", params={"token": stack.settings.rasa_token}) as response:
            assert response.status == 200, "the token the gateway holds works"


async def test_staff_and_logs_see_the_conversation_never_the_customers_session_id(
    stack: Stack,
    gateway_url: str,
    customer: CustomerClient,
    make_agent: Callable[..., Awaitable[AgentClient]],
    agent_account: Callable[..., Awaitable[str]],
) -> None:
    """The session id opens the conversation as the customer: it stays between the widget and the gateway."""
    agent = await make_agent("exposure.agent")
    await customer.send("I want to talk to a real person please")
    await customer.replies_until_quiet()
    session_id, conversation_id = str(customer.session_id), customer.conversation_id
    queued = await agent.wait_for_queue_with(conversation_id)
    claimed = await agent.call("claim", {"conversation_id": conversation_id})
    opened = await agent.call("open", {"conversation_id": conversation_id})
    await customer.send("my order number is 4471")
    await agent.next_message(conversation_id, "customer")
    token = await trainer_token(gateway_url, agent_account, "exposure.trainer")
    status, inbox = await api(gateway_url, "GET", "/api/trainer/inbox", token)
    assert status == 200 and conversation_id in json.dumps(inbox), "staff name the conversation by its id"
    seen_by_staff = json.dumps([queued, claimed, opened, inbox, agent.received], ensure_ascii=False)
    assert claimed["ok"] and opened["ok"]
    assert session_id not in seen_by_staff
    for log_file in sorted((stack.settings.var_dir / "logs").glob("*.log")):
        assert session_id not in log_file.read_text(errors="replace"), f"{log_file.name} holds a session id"
    # What staff see does not open the conversation as the customer.
    intruder = CustomerClient(gateway_url)
    try:
        assert await intruder.connect(conversation_id) != session_id
        assert intruder.conversation_id != conversation_id
    finally:
        await intruder.close()
