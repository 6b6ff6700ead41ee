"""The gateway's client for the Rasa server (REST channel and HTTP API, on loopback)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from bot.core.signals import model_guesses

__all__ = ["AssistantUnavailable", "RasaClient", "with_language_entity"]

#: A quick reply's intent payload, ``/request_human`` or ``/inform{"x": 1}``: Rasa reads it without the NLU pipeline.
INTENT_PAYLOAD: Final = re.compile(r"(/[\w/.-]+)(\{.*\})?", re.DOTALL)


def with_language_entity(text: str, language: str) -> str:
    """An intent payload with the ``language`` entity added, else ``text`` as it is.

    Rasa reads ``/intent`` payloads (quick replies) without the NLU pipeline,
    so the component that sets the language from the message's metadata never
    runs: the answer would come in the slot's old language, or English on a
    first turn. The entity in the payload sets the slot as the component would.
    """
    match = INTENT_PAYLOAD.fullmatch(text.strip())
    if match is None:
        return text
    intent, raw_entities = match.groups()
    try:
        entities = json.loads(raw_entities) if raw_entities else {}
    except ValueError:
        return text
    if not isinstance(entities, dict):
        return text
    entities.setdefault("language", language)
    return intent + json.dumps(entities, ensure_ascii=False)


class AssistantUnavailable(Exception):
    """Rasa did not answer in time, or answered with an error."""


class RasaClient:
    """Sends customer messages to Rasa and checks that Rasa is up."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, token: str, timeout_s: float, turns_in_flight: int = 4
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        # Rasa answers turns sent all at once unfairly (measured: most at once, one in
        # twenty after seconds); a few at a time, the rest waiting here in order, every
        # turn waits about as long as the others.
        self._turns = asyncio.Semaphore(turns_in_flight)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        with_token: bool = True,
        expect: int = 200,
        client_timeout: aiohttp.ClientTimeout | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One request to Rasa; its JSON answer (None for an empty one). Any failure is AssistantUnavailable."""
        params = {**(params or {}), **({"token": self.token} if with_token else {})}
        try:
            async with self.session.request(
                method,
                f"{self.base_url}{path}",
                params=params,
                json=json_body,
                headers=headers,
                timeout=client_timeout or self.timeout,
            ) as response:
                if response.status != expect:
                    detail = (await response.text())[:300]
                    raise AssistantUnavailable(f"rasa answered HTTP {response.status} {detail}".rstrip())
                return await response.json() if response.status != 204 else None
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise AssistantUnavailable(f"{type(error).__name__}: {error}") from error

    async def send_message(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """The assistant's replies to one customer message, in order."""
        body = {"sender": sender_id, "message": text, "metadata": metadata}
        try:
            # The wait for a turn counts towards the timeout: the customer waits either way.
            async with asyncio.timeout(self.timeout.total), self._turns:
                replies = await self._call("POST", "/webhooks/rest/webhook", json_body=body, with_token=False)
        except TimeoutError as error:
            waited = self.timeout.total
            raise AssistantUnavailable(f"TimeoutError: no answer within {waited} s, its turn included") from error
        if not isinstance(replies, list):
            raise AssistantUnavailable("rasa answered something that is not a list")
        return [reply for reply in replies if isinstance(reply, dict)]

    async def parse(self, text: str) -> dict[str, Any]:
        """What the served model makes of ``text`` (Rasa's parse data), without touching any conversation."""
        parsed = await self._call("POST", "/model/parse", json_body={"text": text})
        if not isinstance(parsed, dict):
            raise AssistantUnavailable("rasa parsed the text into something that is not an object")
        return parsed

    async def guesses(self, text: str, limit: int = 3) -> list[dict[str, Any]]:
        """The model's best intents for ``text`` (``faq`` named by its key), without touching any conversation."""
        return model_guesses(await self.parse(text), limit)

    async def domain(self) -> dict[str, Any]:
        """The served model's domain (its responses among others), as JSON."""
        domain = await self._call("GET", "/domain", headers={"Accept": "application/json"})
        if not isinstance(domain, dict):
            raise AssistantUnavailable("rasa's domain is not an object")
        return domain

    async def tracker_events(self, sender_id: str) -> list[dict[str, Any]]:
        """Every event of a conversation's tracker (each session's), oldest first."""
        tracker = await self._call(
            "GET", f"/conversations/{quote(sender_id, safe='')}/tracker", params={"include_events": "ALL"}
        )
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return [event for event in events if isinstance(event, dict)] if isinstance(events, list) else []

    async def status(self, timeout_s: float = 5.0) -> dict[str, Any]:
        """Rasa's ``/status``: the loaded model's file among others."""
        status = await self._call("GET", "/status", client_timeout=aiohttp.ClientTimeout(total=timeout_s))
        return status if isinstance(status, dict) else {}

    async def load_model(self, model_file: str, timeout_s: float = 300.0) -> None:
        """Replace the served model (``PUT /model``); conversations live on in the tracker store."""
        await self._call(
            "PUT",
            "/model",
            json_body={"model_file": model_file},
            expect=204,
            client_timeout=aiohttp.ClientTimeout(total=timeout_s),
        )

    async def is_ready(self) -> bool:
        """Whether Rasa is up with a model loaded."""
        try:
            return bool((await self.status(timeout_s=3.0)).get("model_file"))
        except AssistantUnavailable:
            return False
