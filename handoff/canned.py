"""Canned answers: ready replies an agent inserts, one JSON file per language in ``handoff/canned/``."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Final

from bot.core.languages import Language

__all__ = ["CANNED_DIR", "canned_answers"]

CANNED_DIR: Final = Path(__file__).parent / "canned"


@functools.cache
def _load(language: Language) -> tuple[tuple[str, str], ...]:
    answers = json.loads((CANNED_DIR / f"{language}.json").read_text(encoding="utf-8"))
    return tuple((str(answer["title"]), str(answer["text"])) for answer in answers)


def canned_answers(language: Language, agent_name: str) -> list[dict[str, str]]:
    """The answers in the customer's language, signed with the agent's name."""
    return [{"title": title, "text": text.replace("{agent}", agent_name)} for title, text in _load(language)]
