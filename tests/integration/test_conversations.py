"""Customers talking to the real stack: Redis, a trained model under `rasa run`, actions, gateway."""

from __future__ import annotations

import json

import pytest
from redis.asyncio import Redis

from bot.core import keys
from tests.helpers import CustomerClient, domain_responses

RESPONSES = domain_responses()

TRACKING_QUESTIONS = {
    "hy": "Ինչպե՞ս հետևել իմ ծանրոցին",
    "fa": "چطور می‌تونم بسته‌ام رو پیگیری کنم؟",
    "ms": "macam mana nak jejak bungkusan saya",
    "en": "how can I track my parcel",
}


@pytest.mark.parametrize("language", ["hy", "fa", "ms", "en"])
async def test_tracking_question_is_answered_in_the_customers_language(
    customer: CustomerClient, stack_redis: Redis, language: str
) -> None:
    await customer.send(TRACKING_QUESTIONS[language])
    replies = await customer.replies_until_quiet()
    assert [r["text"] for r in replies] == [replies[0]["text"]]
    assert replies[0]["text"] in RESPONSES["utter_faq/order_tracking"][language]
    assert replies[0]["metadata"]["language"] == language
    # Both sides of the turn are in the transcript in Redis.
    raw = await stack_redis.lrange(keys.transcript_key(customer.conversation_id), 0, -1)
    entries = [json.loads(item) for item in raw]
    assert [(e["sender"], e["text"]) for e in entries] == [
        ("customer", TRACKING_QUESTIONS[language]),
        ("bot", replies[0]["text"]),
    ]


@pytest.mark.parametrize(
    ("language", "question", "response"),
    [
        ("fa", "هزینه رو با پی پال میشه پرداخت کرد؟", "utter_faq/payment_methods"),
        ("hy", "Ե՞րբ կվերադարձնեք իմ գումարը", "utter_faq/refund_status"),
        ("ms", "brp lama penghantaran ke Johor", "utter_faq/shipping_time"),
        ("en", "can i still cancel my order", "utter_faq/cancel_order"),
    ],
)
async def test_other_questions_in_each_language(
    customer: CustomerClient, language: str, question: str, response: str
) -> None:
    await customer.send(question)
    replies = await customer.replies_until_quiet()
    assert replies[0]["text"] in RESPONSES[response][language]


async def test_customer_switching_language_is_answered_in_the_new_one(customer: CustomerClient) -> None:
    await customer.send("hello there")
    english = await customer.replies_until_quiet()
    assert english[0]["text"] in RESPONSES["utter_greet"]["en"]
    await customer.send("سلام، وقت بخیر")
    persian = await customer.replies_until_quiet()
    assert persian[0]["text"] in RESPONSES["utter_greet"]["fa"]


async def test_page_language_from_metadata_wins(customer: CustomerClient) -> None:
    await customer.send("hello", customData={"language": "ms"})
    replies = await customer.replies_until_quiet()
    assert replies[0]["text"] in RESPONSES["utter_greet"]["ms"]


@pytest.mark.parametrize("language", ["fa", "hy", "ms"])
async def test_a_quick_reply_is_answered_in_the_pages_language(customer: CustomerClient, language: str) -> None:
    """Rasa reads "/intent" payloads without the NLU pipeline: the gateway adds the language to them."""
    await customer.send("/request_human", customData={"language": language})
    replies = await customer.replies_until_quiet()
    assert replies[0]["text"] in RESPONSES["utter_handoff_request"][language]


async def test_short_message_keeps_the_conversations_language(customer: CustomerClient) -> None:
    await customer.send("Բարև ձեզ")
    await customer.replies_until_quiet()
    await customer.send("ok")
    replies = await customer.replies_until_quiet()
    assert replies[0]["metadata"]["language"] == "hy"


#: Questions no shop assistant should answer, in no training or test file.
OUT_OF_SCOPE = {
    "en": "who won the football world cup in 1998",
    "hy": "Ինչպե՞ս պատրաստել խորոված տանը",
    "fa": "بهترین فیلم سال ۲۰۲۴ چی بود؟",
    "ms": "siapa perdana menteri pertama Malaysia",
}


@pytest.mark.parametrize("language", ["en", "hy", "fa", "ms"])
async def test_a_question_outside_the_shop_is_declined_and_a_person_offered(
    customer: CustomerClient, language: str
) -> None:
    await customer.send(OUT_OF_SCOPE[language], customData={"language": language})
    replies = await customer.replies_until_quiet()
    assert [r["text"] for r in replies] == [replies[0]["text"]], "one answer, never an FAQ beside it"
    assert replies[0]["text"] in RESPONSES["utter_out_of_scope"][language]
    [offer] = replies[0]["quick_replies"]
    assert offer["payload"] == "/request_human"
    await customer.send(offer["payload"], customData={"language": language})
    await customer.replies_until_quiet()
    status = await customer.next("handoff_status")
    assert (status["state"], status["reason"]) == ("queued", "customer_request")
