"""The served model's responses, read from Rasa (``GET /domain``) rather than from domain.yml:
what the customer is greeted with and what agent assist suggests is what the model in service says.

Every response has an English variation without a condition and one per other
language, chosen by the ``language`` slot (domain.yml's rule).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, Final, Protocol

from bot.core.languages import DEFAULT_LANGUAGE, LANGUAGES, Language
from bot.nlu.rasa_client import AssistantUnavailable

__all__ = ["DomainReader", "ServedDomain", "first_variation", "variation_language"]

log = logging.getLogger(__name__)

#: The domain is read again after this long (a new model may be in service).
DOMAIN_TTL_S: Final = 60.0
#: After a failed read, the next try waits this long (the last good domain serves meanwhile).
RETRY_AFTER_S: Final = 10.0
#: A read waits at most this long: whoever asks (a customer opening the widget) must not wait on Rasa.
READ_TIMEOUT_S: Final = 1.5


class DomainReader(Protocol):
    async def domain(self) -> dict[str, Any]: ...


def variation_language(variation: object) -> Language | None:
    """The language a response variation is for; None for a condition on anything else."""
    conditions = variation.get("condition") if isinstance(variation, Mapping) else None
    if not conditions:
        return DEFAULT_LANGUAGE
    for condition in conditions if isinstance(conditions, list) else []:
        if isinstance(condition, Mapping) and condition.get("name") == "language":
            value = condition.get("value")
            return value if value in LANGUAGES else None
    return None


def first_variation(domain: Mapping[str, Any], name: str, language: Language) -> Mapping[str, Any] | None:
    """The first variation of response ``name`` in ``language``; None where it has none in it."""
    responses = domain.get("responses")
    variations = responses.get(name) if isinstance(responses, Mapping) else None
    for variation in variations if isinstance(variations, list) else []:
        if isinstance(variation, Mapping) and variation_language(variation) == language:
            return variation
    return None


class ServedDomain:
    """The served model's domain, kept ``DOMAIN_TTL_S``; the last good one while Rasa does not answer."""

    def __init__(self, reader: DomainReader) -> None:
        self.reader = reader
        self._domain: dict[str, Any] | None = None
        self._next_read = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> dict[str, Any] | None:
        """The domain; None only if it was never read (Rasa not up yet)."""
        async with self._lock:
            if time.monotonic() >= self._next_read:
                try:
                    async with asyncio.timeout(READ_TIMEOUT_S):
                        self._domain = await self.reader.domain()
                    self._next_read = time.monotonic() + DOMAIN_TTL_S
                except (AssistantUnavailable, TimeoutError) as error:
                    log.warning("the served domain could not be read: %s", error or "timed out")
                    self._next_read = time.monotonic() + RETRY_AFTER_S
            return self._domain
