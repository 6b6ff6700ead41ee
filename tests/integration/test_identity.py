"""Customer identity over real sockets, the real model and Redis: the shop's server vouches for its customer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.customer_text import customer_text
from bot.core.identity import identity_signature
from bot.supervisor.stack import Stack
from tests.helpers import AgentClient, CustomerClient, rasa_tracker

MakeAgent = Callable[..., Awaitable[AgentClient]]


def identity(
    stack: Stack, customer_id: str, name: str = "Sara Karimi", email: str = "sara@example.com"
) -> dict[str, object]:
    """What a shop's page passes to DemoShopSupport.identify, signed by the shop's server."""
    user = {"id": customer_id, "name": name, "email": email}
    return {"user": user, "signature": identity_signature(stack.settings.identity_secret, customer_id)}


async def test_a_signed_in_customer_continues_on_another_device_and_the_agent_knows_them(
    stack: Stack, gateway_url: str, make_agent: MakeAgent
) -> None:
    laptop, phone = CustomerClient(gateway_url), CustomerClient(gateway_url)
    try:
        await laptop.connect(language="en", identity=identity(stack, "shop-customer-1001"))
        custom_data = {"language": "en", "plan": "gold", "order": "4711", "cart": {"items": 2}}
        await laptop.send("I want to talk to a person", customData=custom_data)
        await laptop.replies_until_quiet()

        # The same customer opens the shop on their phone: the chat is there, with its transcript.
        await phone.connect(language="en", identity=identity(stack, "shop-customer-1001"))
        assert phone.conversation_id == laptop.conversation_id
        history = await phone.next("history")
        assert history["messages"][0]["text"] == "I want to talk to a person"

        # The agent sees who it is and what the page said about them.
        anna = await make_agent("anna-identity", display_name="Anna")
        await anna.wait_for_queue_with(laptop.conversation_id)
        opened = await anna.call("open", {"conversation_id": laptop.conversation_id})
        context = opened["context"]
        assert context["customer"] == {"id": "shop-customer-1001", "name": "Sara Karimi", "email": "sara@example.com"}
        assert context["attributes"] == {"plan": "gold", "order": "4711"}

        # Rasa's tracker got the attributes and who the customer is, not their email.
        tracker = await rasa_tracker(stack, laptop.conversation_id)
        user_event = next(e for e in tracker["events"] if e["event"] == "user")
        assert user_event["metadata"]["attributes"] == {"plan": "gold", "order": "4711"}
        assert user_event["metadata"]["customer"] == {"id": "shop-customer-1001", "name": "Sara Karimi"}
        assert "sara@example.com" not in str(tracker)
    finally:
        await laptop.close()
        await phone.close()


async def test_a_wrongly_signed_identity_is_refused_and_the_chat_goes_on(stack: Stack, gateway_url: str) -> None:
    owner, intruder = CustomerClient(gateway_url), CustomerClient(gateway_url)
    try:
        await owner.connect(language="en", identity=identity(stack, "shop-customer-2002"))
        await owner.send("hello")
        await owner.next("message_ack")

        # Someone who knows the id but not the shop's secret gets a chat of their own, in their language.
        guessed = identity_signature("guessed", "shop-customer-2002")
        forged = {"user": {"id": "shop-customer-2002"}, "signature": guessed}
        await intruder.connect(language="fa", identity=forged)
        assert intruder.conversation_id != owner.conversation_id
        error = await intruder.next("error_message")
        assert error == {"code": "identity_refused", "message": customer_text("fa", "identity_refused")}
        await intruder.send("سلام", client_message_id="m1", customData={"language": "fa"})
        assert (await intruder.next("message_ack"))["seq"] == 1
    finally:
        await owner.close()
        await intruder.close()
