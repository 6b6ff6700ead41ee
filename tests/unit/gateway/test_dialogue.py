"""The dialogue core over a real Redis, with Rasa replaced by a scripted fake."""

import logging

import pytest
from redis.asyncio import Redis

from bot.core.conversations import ConversationState, Sender
from bot.core.customer_protocol import UserMessage
from bot.core.customer_text import customer_text
from bot.core.identity import Customer
from bot.core.signals import HandoffReason, HandoffSignal, low_confidence_payload
from bot.gateway.dialogue import Dialogue, NewSessionRefused, UnknownConversation
from bot.gateway.sessions import is_signed_session_id, issue_session_id
from bot.trainer.inbox import NluInbox
from tests import fakes
from tests.fakes import SECRET, RecordingEmitter, ScriptedRasa, user_message


def message(text: str, language: str | None = None, client_id: str | None = None) -> UserMessage:
    return user_message(text, language, client_id)  # type: ignore[arg-type]


async def open_dialogue(
    redis: Redis, rasa: ScriptedRasa, emitter: RecordingEmitter | None = None
) -> tuple[Dialogue, str]:
    dialogue = fakes.dialogue(redis, rasa, emitter=emitter)
    opened = await dialogue.open_session(None)
    return dialogue, opened.conversation_id


async def test_message_goes_to_rasa_with_language_and_both_sides_are_stored(redis_client: Redis) -> None:
    rasa = ScriptedRasa([{"recipient_id": "x", "text": "پاسخ"}])
    dialogue, cid = await open_dialogue(redis_client, rasa)
    _, outcome = await dialogue.handle_customer_message(cid, message("سفارشم کجاست"))
    assert rasa.sent == [(cid, "سفارشم کجاست", {"language": "fa"})]
    assert [r.text for r in outcome.replies] == ["پاسخ"]
    transcript = await dialogue.store.transcript(cid)
    assert [(e.sender, e.text, e.language) for e in transcript] == [
        (Sender.CUSTOMER, "سفارشم کجاست", "fa"),
        (Sender.BOT, "پاسخ", "fa"),
    ]


async def test_language_switch_is_kept_on_the_conversation(redis_client: Redis) -> None:
    dialogue, cid = await open_dialogue(redis_client, ScriptedRasa())
    await dialogue.handle_customer_message(cid, message("Ինչպե՞ս հետևել իմ ծանրոցին"))
    await dialogue.handle_customer_message(cid, message("ok"))
    conversation = await dialogue.store.get(cid)
    assert conversation is not None and conversation.language == "hy"


async def test_handoff_payload_is_recorded_and_not_shown(redis_client: Redis) -> None:
    signal = HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST)
    rasa = ScriptedRasa([{"text": "Connecting you"}, {"custom": signal.to_payload()}])
    dialogue, cid = await open_dialogue(redis_client, rasa)
    _, outcome = await dialogue.handle_customer_message(cid, message("I want a person"))
    assert outcome.handoff == signal
    assert [r.text for r in outcome.replies] == ["Connecting you"]
    conversation = await dialogue.store.get(cid)
    assert conversation is not None and conversation.state is ConversationState.QUEUED


async def test_a_handoff_signalled_twice_in_one_turn_is_logged_once(
    redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    signal = HandoffSignal.for_reason(HandoffReason.CUSTOMER_REQUEST)
    # The response and the action both carry it (domain.yml and actions/).
    rasa = ScriptedRasa([{"text": "Connecting you", "custom": signal.to_payload()}, {"custom": signal.to_payload()}])
    dialogue, cid = await open_dialogue(redis_client, rasa)
    with caplog.at_level(logging.INFO, logger="bot.gateway.dialogue"):
        await dialogue.handle_customer_message(cid, message("I want a person"))
    assert [record.getMessage() for record in caplog.records].count("handoff signalled") == 1


async def test_messages_while_waiting_for_a_person_are_kept_not_sent_to_rasa(redis_client: Redis) -> None:
    rasa = ScriptedRasa([{"custom": HandoffSignal.for_reason(HandoffReason.COMPLAINT).to_payload()}])
    dialogue, cid = await open_dialogue(redis_client, rasa)
    await dialogue.handle_customer_message(cid, message("TERRIBLE SERVICE"))
    waiting, outcome = await dialogue.handle_customer_message(cid, message("hello?? anyone"))
    assert not waiting.for_assistant and outcome.replies == []
    assert len(rasa.sent) == 1
    assert [e.text for e in await dialogue.store.transcript(cid)] == ["TERRIBLE SERVICE", "hello?? anyone"]


async def test_assistant_down_apologises_in_language_and_hands_off(redis_client: Redis) -> None:
    dialogue, cid = await open_dialogue(redis_client, ScriptedRasa(fail=True))
    _, outcome = await dialogue.handle_customer_message(cid, message("bila barang sampai", language="ms"))
    assert outcome.handoff is not None and outcome.handoff.reason is HandoffReason.ASSISTANT_UNAVAILABLE
    assert outcome.replies[0].text.startswith("Maaf")
    conversation = await dialogue.store.get(cid)
    assert conversation is not None and conversation.state is ConversationState.QUEUED
    assert [e.sender for e in await dialogue.store.transcript(cid)] == [Sender.CUSTOMER, Sender.BOT]


async def test_resent_client_message_is_ignored(redis_client: Redis) -> None:
    rasa = ScriptedRasa([{"text": "ok"}])
    dialogue, cid = await open_dialogue(redis_client, rasa)
    first, _ = await dialogue.handle_customer_message(cid, message("hi there", client_id="m1"))
    again, _ = await dialogue.handle_customer_message(cid, message("hi there", client_id="m1"))
    assert not first.duplicate and again.duplicate
    assert len(rasa.sent) == 1
    assert len(await dialogue.store.transcript(cid)) == 2


async def test_sessions_resume_only_when_issued_and_known(redis_client: Redis) -> None:
    dialogue = fakes.dialogue(redis_client, ScriptedRasa())
    opened = await dialogue.open_session(None)
    resumed = await dialogue.open_session(opened.session_id)
    assert resumed.resumed and resumed.session_id == opened.session_id
    assert resumed.conversation_id == opened.conversation_id
    # The conversation id (what staff see) does not open the conversation: it is not signed.
    for forged_id in ("someone-elses-id", opened.conversation_id):
        forged = await dialogue.open_session(forged_id)
        assert forged.conversation_id != opened.conversation_id and forged.replaced and not forged.resumed
    expired = await dialogue.open_session(issue_session_id(SECRET))
    assert expired.replaced and not expired.resumed


async def test_unknown_conversation_is_refused(redis_client: Redis) -> None:
    dialogue = fakes.dialogue(redis_client, ScriptedRasa())
    with pytest.raises(UnknownConversation):
        await dialogue.handle_customer_message("nope", message("hi"))


async def test_low_confidence_goes_to_the_inbox_with_the_guesses(redis_client: Redis) -> None:
    guesses = [{"name": "faq/warranty", "confidence": 0.42}]
    rasa = ScriptedRasa([{"text": "Sorry, could you rephrase?"}, {"custom": low_confidence_payload(guesses)}])
    dialogue, cid = await open_dialogue(redis_client, rasa)
    dialogue.inbox = NluInbox(redis_client)
    _, outcome = await dialogue.handle_customer_message(cid, message("is it guarantied", "en"))
    assert outcome.low_confidence and outcome.intents == guesses
    assert [r.text for r in outcome.replies] == ["Sorry, could you rephrase?"], "the notice is never shown"
    [item] = await dialogue.inbox.items()
    assert (item.text, item.reason, item.intents, item.seq) == ("is it guarantied", "low_confidence", guesses, 1)


async def test_an_unreachable_inbox_does_not_cost_the_customer_the_answer(redis_client: Redis) -> None:
    rasa = ScriptedRasa([{"text": "Sorry?"}, {"custom": low_confidence_payload([])}])
    dialogue, cid = await open_dialogue(redis_client, rasa)
    dialogue.inbox = NluInbox(Redis.from_url("redis://127.0.0.1:1/0"))
    _, outcome = await dialogue.handle_customer_message(cid, message("hmm", "en"))
    assert [r.text for r in outcome.replies] == ["Sorry?"]
    await dialogue.inbox.redis.aclose()


async def test_an_assistant_that_says_nothing_counts_as_down(redis_client: Redis) -> None:
    dialogue, cid = await open_dialogue(redis_client, ScriptedRasa([]))
    _, outcome = await dialogue.handle_customer_message(cid, message("asdfgh", language="fa"))
    assert outcome.handoff is not None and outcome.handoff.reason is HandoffReason.ASSISTANT_UNAVAILABLE
    assert outcome.replies[0].text == customer_text("fa", "assistant_unavailable")


async def test_without_room_only_sessions_in_progress_are_resumed(redis_client: Redis) -> None:
    dialogue = fakes.dialogue(redis_client, ScriptedRasa())
    opened = await dialogue.open_session(None)
    assert (await dialogue.open_session(opened.session_id, new_allowed=False)).resumed
    with pytest.raises(NewSessionRefused):
        await dialogue.open_session(None, new_allowed=False)


# --- verified customers ---------------------------------------------------------


def sara(name: str = "Sara") -> Customer:
    return Customer("customer-42", name, "sara@example.com")


async def test_a_verified_customers_conversation_follows_them_to_another_device(redis_client: Redis) -> None:
    dialogue = fakes.dialogue(redis_client, ScriptedRasa([{"text": "ok"}]))
    laptop = await dialogue.open_session(None, "fa", customer=sara())
    await dialogue.handle_customer_message(laptop.conversation_id, message("سفارشم کجاست"))
    phone = await dialogue.open_session(None, "fa", customer=sara())
    assert phone.conversation_id == laptop.conversation_id
    assert phone.resumed and not phone.replaced
    assert is_signed_session_id(SECRET, phone.session_id)
    conversation = await dialogue.store.get(phone.conversation_id)
    assert conversation is not None and conversation.customer == sara()
    # A phone with an empty anonymous chat of its own moves to the customer's conversation.
    anonymous = await dialogue.open_session(None)
    moved = await dialogue.open_session(anonymous.session_id, customer=sara("Sara K."))
    assert moved.conversation_id == laptop.conversation_id and moved.replaced
    refreshed = await dialogue.store.get(moved.conversation_id)
    assert refreshed is not None and refreshed.customer == sara("Sara K.")


async def test_signing_in_mid_chat_keeps_the_chat_and_links_it(redis_client: Redis) -> None:
    dialogue = fakes.dialogue(redis_client, ScriptedRasa([{"text": "ok"}]))
    earlier = await dialogue.open_session(None, customer=sara())  # an older conversation elsewhere
    anonymous = await dialogue.open_session(None)
    await dialogue.handle_customer_message(anonymous.conversation_id, message("where is my order"))
    signed_in = await dialogue.open_session(anonymous.session_id, customer=sara())
    assert signed_in.conversation_id == anonymous.conversation_id != earlier.conversation_id
    assert signed_in.session_id == anonymous.session_id and not signed_in.replaced
    # ...and from now on it is the one their other devices resume.
    assert (await dialogue.open_session(None, customer=sara())).conversation_id == anonymous.conversation_id


async def test_one_customers_chat_is_never_opened_for_another(redis_client: Redis) -> None:
    dialogue = fakes.dialogue(redis_client, ScriptedRasa([{"text": "ok"}]))
    hers = await dialogue.open_session(None, customer=sara())
    await dialogue.handle_customer_message(hers.conversation_id, message("my address is ..."))
    # The next customer on the same computer, signed in as themselves.
    his = await dialogue.open_session(hers.session_id, customer=Customer("customer-7", "Arman"))
    assert his.conversation_id != hers.conversation_id and his.replaced and not his.resumed
    conversation = await dialogue.store.get(his.conversation_id)
    assert conversation is not None and conversation.customer == Customer("customer-7", "Arman")


async def test_rasa_gets_the_pages_attributes_and_the_customer_but_not_the_email(redis_client: Redis) -> None:
    rasa = ScriptedRasa([{"text": "ok"}])
    dialogue = fakes.dialogue(redis_client, rasa)
    opened = await dialogue.open_session(None, customer=sara())
    metadata = {"language": "en", "plan": "gold", "orders": 3, "cart": {"x": 1}}
    msg = UserMessage("hello", None, "en", "c1", metadata)
    await dialogue.handle_customer_message(opened.conversation_id, msg)
    assert rasa.sent[-1][2] == {
        "language": "en",
        "attributes": {"plan": "gold", "orders": 3},
        "customer": {"id": "customer-42", "name": "Sara"},
    }
    conversation = await dialogue.store.get(opened.conversation_id)
    assert conversation is not None and conversation.attributes == {"plan": "gold", "orders": 3}
    # A later message without them: the conversation's last ones still go with it.
    await dialogue.handle_customer_message(opened.conversation_id, message("and another thing", "en"))
    assert rasa.sent[-1][2]["attributes"] == {"plan": "gold", "orders": 3}


async def test_an_expired_conversation_is_not_brought_back_as_a_bare_hash(redis_client: Redis) -> None:
    dialogue = fakes.dialogue(redis_client, ScriptedRasa())
    assert not await dialogue.store.identify("gone", sara())
    assert not await dialogue.store.remember_attributes("gone", {"plan": "gold"})
    assert await dialogue.store.get("gone") is None
    assert await dialogue.store.conversation_of(sara()) is None
