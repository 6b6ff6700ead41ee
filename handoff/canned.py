"""Canned answers: ready replies an agent inserts, one JSON file per language in ``handoff/canned/``.

Each answer names the intents it answers (``greet``, ``faq/order_tracking``…),
so agent assist can offer it when the model reads one of them in a customer's message.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.core.languages import Language

__all__ = ["CANNED_DIR", "CannedAnswer", "canned_answers", "signed_canned_answers"]

CANNED_DIR: Final = Path(__file__).parent / "canned"


@dataclass(frozen=True)
class CannedAnswer:
    title: str
    text: str
    #: The intents (a ``faq`` one by its key) this answer replies to.
    intents: tuple[str, ...] = ()


@functools.cache
def _load(language: Language) -> tuple[CannedAnswer, ...]:
    answers = json.loads((CANNED_DIR / f"{language}.json").read_text(encoding="utf-8"))
    return tuple(
        CannedAnswer(str(answer["title"]), str(answer["text"]), tuple(str(i) for i in answer.get("intents", ())))
        for answer in answers
    )


def signed_canned_answers(language: Language, agent_name: str) -> list[CannedAnswer]:
    """The answers in the customer's language, signed with the agent's name."""
    return [
        CannedAnswer(answer.title, answer.text.replace("{agent}", agent_name), answer.intents)
        for answer in _load(language)
    ]


def canned_answers(language: Language, agent_name: str) -> list[dict[str, str]]:
    """The answers as the console's canned menu shows them."""
    return [{"title": answer.title, "text": answer.text} for answer in signed_canned_answers(language, agent_name)]
