"""Agent assist with the real parts: the served model reads what customers write to an
agent, over real sockets; and how often the right answer is among the three suggestions.

``make evaluate-assist`` runs the accuracy test alone and prints its table.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from bot.core.languages import LANGUAGES, Language
from bot.nlu.rasa_client import RasaClient
from bot.supervisor.stack import Stack
from handoff.canned import signed_canned_answers
from handoff.suggestions import AnswerBook, SuggestionSource, rank_suggestions
from tests.helpers import AgentClient, CustomerClient, domain_responses, held_out_examples, low_confidence_texts

MakeAgent = Callable[..., Awaitable[AgentClient]]
MALAY_QUESTIONS = [
    "berapa lama penghantaran ke sabah?",
    "boleh bayar guna fpx tak",
    "macam mana nak batalkan pesanan",
    "waranti berapa lama untuk blender ni",
    "pukul berapa korang buka",
]
RESPONSES = domain_responses()
#: The goal of issue 13: the right answer among the three suggestions this often, per language.
GOAL = 0.85


async def handed_to(agent: AgentClient, customer: CustomerClient, ask: str, language: str) -> str:
    """The customer asks for a person; the agent claims the conversation."""
    await customer.send(ask, customData={"language": language})
    await customer.replies_until_quiet()
    conversation_id = customer.conversation_id
    await agent.wait_for_queue_with(conversation_id)
    assert (await agent.call("claim", {"conversation_id": conversation_id}))["ok"]
    return conversation_id


async def stored_seq(customer: CustomerClient, text: str) -> int:
    """Send ``text``; its number in the transcript once stored."""
    acks = customer.queues["message_ack"]
    while not acks.empty():
        acks.get_nowait()  # earlier messages' acknowledgements
    await customer.send(text)
    ack = await customer.next("message_ack")
    return int(ack["seq"])


async def test_a_malay_refund_question_after_a_handoff_brings_the_malay_refund_answer(
    customer: CustomerClient, make_agent: MakeAgent
) -> None:
    siti = await make_agent("siti", display_name="Siti")
    conversation_id = await handed_to(siti, customer, "saya nak cakap dengan orang", "ms")
    sent_at = time.monotonic()
    seq = await stored_seq(customer, "duit refund saya belum masuk lagi, bila akan dapat?")
    entry = await siti.next_message(conversation_id, "customer")
    suggestions = (await siti.next_suggestions(conversation_id, seq))["suggestions"]
    took_s = time.monotonic() - sent_at
    assert entry["seq"] == seq  # the message itself came first
    assert 1 <= len(suggestions) <= 3
    texts = [s["text"] for s in suggestions]
    assert any(text in RESPONSES["utter_faq/refund_status"]["ms"] for text in texts), texts
    assert all(s["confidence"] >= suggestions[-1]["confidence"] for s in suggestions)
    print(f"\nsuggestions {took_s * 1000:.0f} ms after the customer sent: {[s['label'] for s in suggestions]}")
    # A console opened later (another tab, a reload) gets them with the transcript.
    opened = await siti.call("open", {"conversation_id": conversation_id})
    assert opened["suggestions"]["seq"] == seq

    # How long suggestions take, measured (no timed assertion: the machine is shared).
    waits = []
    for question in MALAY_QUESTIONS * 4:
        sent_at = time.monotonic()
        seq = await stored_seq(customer, question)
        await siti.next_suggestions(conversation_id, seq)
        waits.append((time.monotonic() - sent_at) * 1000)
    waits.sort()
    p99 = waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))]
    print(f"send to suggestions, {len(waits)} messages: p50 {statistics.median(waits):.0f} ms, p99 {p99:.0f} ms")


async def test_the_summary_of_a_conversation_handed_off_after_two_unsure_turns(
    customer: CustomerClient, make_agent: MakeAgent, stack: Stack
) -> None:
    tomas = await make_agent("tomas", display_name="Tomas")
    first, second = await low_confidence_texts(stack, 2)
    for text in (first, second):
        await customer.send(text, customData={"language": "hy"})
        await customer.replies_until_quiet()
    conversation_id = customer.conversation_id
    await tomas.wait_for_queue_with(conversation_id)
    assert (await tomas.call("claim", {"conversation_id": conversation_id}))["ok"]
    answer = await tomas.call("summary", {"conversation_id": conversation_id})
    assert answer["ok"], answer
    summary = answer["summary"]
    assert (summary["reason"], summary["language"], summary["complete"]) == ("low_confidence", "hy", True)
    assert summary["unsure_turns"] == 2 and summary["waited_s"] >= 0
    assert [q["text"] for q in summary["questions"]] == [first, second]
    asked_to_rephrase, handed_off = (q["answers"][0] for q in summary["questions"])
    assert asked_to_rephrase in RESPONSES["utter_ask_rephrase"]["hy"]
    assert handed_off in RESPONSES["utter_handoff_low_confidence"]["hy"]


async def test_a_stranger_gets_no_summary(customer: CustomerClient, make_agent: MakeAgent) -> None:
    vera, walt = await make_agent("vera"), await make_agent("walt")
    conversation_id = await handed_to(vera, customer, "I want to talk to a person", "en")
    refused = await walt.call("summary", {"conversation_id": conversation_id})
    assert (refused["ok"], refused["error"]) == (False, "not_yours")
    assert (await walt.call("summary", {"conversation_id": "no-such-conversation"}))["error"] == "not_found"


# --- how often the right answer is among the three -----------------------------------
def right_answers(intent: str, language: Language) -> set[str]:
    """What an agent should send for a message of ``intent``: the FAQ answer, or the canned answers for it."""
    if intent.startswith("faq/"):
        return set(RESPONSES[f"utter_{intent}"][language])
    return {answer.text for answer in signed_canned_answers(language, "Anna") if intent in answer.intents}


async def test_the_right_answer_is_among_three_suggestions(stack: Stack) -> None:
    settings = stack.settings
    async with aiohttp.ClientSession() as http:
        rasa = RasaClient(http, settings.resolved_rasa_url, settings.rasa_token, timeout_s=15)
        answers = AnswerBook.from_domain(await rasa.domain())
        report: dict[str, dict[str, Any]] = {}
        for language in LANGUAGES:
            canned = signed_canned_answers(language, "Anna")
            hits: Counter[str] = Counter()
            totals: Counter[str] = Counter()
            first: list[bool] = []
            took_ms = []
            for held in held_out_examples(language, latin=False):
                text, intent = held.text, held.label
                expected = right_answers(intent, language)
                if not expected:
                    continue  # no reply an agent would send (out of scope, asking for a person…)
                started = time.perf_counter()
                suggestions = rank_suggestions(await rasa.parse(text), language, answers, canned)
                took_ms.append((time.perf_counter() - started) * 1000)
                kind = "faq" if intent.startswith("faq/") else "other"
                totals[kind] += 1
                hits[kind] += any(s.text in expected for s in suggestions)
                first.append(bool(suggestions) and suggestions[0].text in expected)
                assert all(s.source in (SuggestionSource.ASSISTANT, SuggestionSource.CANNED) for s in suggestions)
            total = sum(totals.values())
            report[language] = {
                "messages": total,
                "top3": sum(hits.values()) / total,
                "top1": sum(first) / total,
                "faq_top3": hits["faq"] / totals["faq"],
                "other_top3": hits["other"] / totals["other"],
                "p50_ms": statistics.median(took_ms),
            }
    print("\nlanguage  messages  top-3  top-1  faq top-3  canned top-3  p50 parse+rank")
    for name, row in report.items():
        print(
            f"{name:8}  {row['messages']:8}  {row['top3']:.2f}   {row['top1']:.2f}   {row['faq_top3']:.2f}"
            f"       {row['other_top3']:.2f}          {row['p50_ms']:.0f} ms"
        )
    for name, row in report.items():
        assert row["top3"] >= GOAL, (name, row)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_faq_answer_and_canned_answer_exists_in_each_language(language: Language) -> None:
    intents = {held.label for held in held_out_examples(language, latin=False)}
    assert all(right_answers(intent, language) for intent in intents if intent.startswith("faq/")), language
    assert right_answers("complain", language) and right_answers("greet", language)
