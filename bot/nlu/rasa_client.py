"""The gateway's client for its pool of Rasa servers (REST channel and HTTP API, on loopback or other hosts)."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from bot.core.signals import model_guesses

__all__ = ["AssistantUnavailable", "RasaClient", "RasaWorker", "WorkerUnreachable", "with_language_entity"]

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


class WorkerUnreachable(AssistantUnavailable):
    """No connection to a Rasa worker could be made: nothing was sent, so the turn may go to another."""


#: A worker that could not be reached is tried last for this long.
WORKER_DOWN_S: Final = 5.0


@dataclass
class RasaWorker:
    """One Rasa server of the pool, with the turns it is sent at once."""

    url: str
    turns: asyncio.Semaphore
    #: Until when (monotonic seconds) it is tried after the others: it could not be reached.
    down_until: float = 0.0


class RasaClient:
    """Sends customer messages to a pool of Rasa servers, and checks that they are up.

    Every worker shares the Redis tracker and lock stores, so any can answer
    any turn; a conversation's turns go to one worker (by a hash of its id)
    while it is up, and Rasa's lock store keeps them in order whichever
    answers. A worker that cannot be reached is passed over (the turn was not
    sent, so it goes to the next one); one that fails during a turn is not
    retried (Rasa may have acted on it), and the customer is told as before.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str | Sequence[str],
        token: str,
        timeout_s: float,
        turns_in_flight: int = 4,
    ) -> None:
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise ValueError("no Rasa server to send turns to")
        self.session = session
        # Rasa answers turns sent all at once unfairly (measured: most at once, one in
        # twenty after seconds); a few at a time per worker, the rest waiting here in
        # order, every turn waits about as long as the others.
        self.workers = [RasaWorker(url.rstrip("/"), asyncio.Semaphore(turns_in_flight)) for url in urls]
        self.base_url = self.workers[0].url
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._rotation = itertools.count()

    def _order(self, key: str | None = None) -> list[RasaWorker]:
        """The workers to try: from the key's own (or the next in rotation), the unreachable ones last."""
        n = len(self.workers)
        first = zlib.crc32(key.encode()) % n if key is not None else next(self._rotation) % n
        ordered = [self.workers[(first + i) % n] for i in range(n)]
        now = time.monotonic()
        return [w for w in ordered if w.down_until <= now] + [w for w in ordered if w.down_until > now]

    async def _call(
        self,
        method: str,
        path: str,
        *,
        worker: RasaWorker | None = None,
        json_body: Any = None,
        with_token: bool = True,
        expect: int = 200,
        client_timeout: aiohttp.ClientTimeout | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One request to a worker; its JSON answer (None for an empty one). Any failure is AssistantUnavailable."""
        worker = worker or self.workers[0]
        params = {**(params or {}), **({"token": self.token} if with_token else {})}
        try:
            async with self.session.request(
                method,
                f"{worker.url}{path}",
                params=params,
                json=json_body,
                headers=headers,
                timeout=client_timeout or self.timeout,
            ) as response:
                if response.status != expect:
                    detail = (await response.text())[:300]
                    raise AssistantUnavailable(f"rasa answered HTTP {response.status} {detail}".rstrip())
                return await response.json() if response.status != 204 else None
        except aiohttp.ClientConnectorError as error:
            worker.down_until = time.monotonic() + WORKER_DOWN_S
            raise WorkerUnreachable(f"{worker.url}: {error}") from error
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise AssistantUnavailable(f"{type(error).__name__}: {error}") from error

    async def _any_worker(self, method: str, path: str, **kwargs: Any) -> Any:
        """A request that changes nothing, to the first worker that answers it."""
        failure: AssistantUnavailable | None = None
        for worker in self._order():
            try:
                return await self._call(method, path, worker=worker, **kwargs)
            except AssistantUnavailable as error:
                failure = error
        assert failure is not None
        raise failure

    async def send_message(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """The assistant's replies to one customer message, in order."""
        body = {"sender": sender_id, "message": text, "metadata": metadata}
        try:
            # The wait for a turn counts towards the timeout: the customer waits either way.
            async with asyncio.timeout(self.timeout.total):
                replies = await self._turn(sender_id, body)
        except TimeoutError as error:
            waited = self.timeout.total
            raise AssistantUnavailable(f"TimeoutError: no answer within {waited} s, its turn included") from error
        if not isinstance(replies, list):
            raise AssistantUnavailable("rasa answered something that is not a list")
        return [reply for reply in replies if isinstance(reply, dict)]

    async def _turn(self, sender_id: str, body: dict[str, Any]) -> Any:
        """The turn to the conversation's worker, or the next one up when it cannot be reached."""
        unreachable: WorkerUnreachable | None = None
        for worker in self._order(sender_id):
            try:
                async with worker.turns:
                    return await self._call(
                        "POST", "/webhooks/rest/webhook", worker=worker, json_body=body, with_token=False
                    )
            except WorkerUnreachable as error:
                unreachable = error
        assert unreachable is not None
        raise unreachable

    async def parse(self, text: str) -> dict[str, Any]:
        """What the served model makes of ``text`` (Rasa's parse data), without touching any conversation."""
        parsed = await self._any_worker("POST", "/model/parse", json_body={"text": text})
        if not isinstance(parsed, dict):
            raise AssistantUnavailable("rasa parsed the text into something that is not an object")
        return parsed

    async def guesses(self, text: str, limit: int = 3) -> list[dict[str, Any]]:
        """The model's best intents for ``text`` (``faq`` named by its key), without touching any conversation."""
        return model_guesses(await self.parse(text), limit)

    async def domain(self) -> dict[str, Any]:
        """The served model's domain (its responses among others), as JSON."""
        domain = await self._any_worker("GET", "/domain", headers={"Accept": "application/json"})
        if not isinstance(domain, dict):
            raise AssistantUnavailable("rasa's domain is not an object")
        return domain

    async def tracker_events(self, sender_id: str) -> list[dict[str, Any]]:
        """Every event of a conversation's tracker (each session's), oldest first."""
        tracker = await self._any_worker(
            "GET", f"/conversations/{quote(sender_id, safe='')}/tracker", params={"include_events": "ALL"}
        )
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return [event for event in events if isinstance(event, dict)] if isinstance(events, list) else []

    async def status(self, timeout_s: float = 5.0) -> dict[str, Any]:
        """Rasa's ``/status``: the loaded model's file among others."""
        status = await self._any_worker("GET", "/status", client_timeout=aiohttp.ClientTimeout(total=timeout_s))
        return status if isinstance(status, dict) else {}

    async def load_model(self, model_file: str, timeout_s: float = 300.0) -> None:
        """Replace the served model (``PUT /model``) on every worker, one after the other, so the others answer
        meanwhile; conversations live on in the tracker store."""
        for worker in self.workers:
            await self._call(
                "PUT",
                "/model",
                worker=worker,
                json_body={"model_file": model_file},
                expect=204,
                client_timeout=aiohttp.ClientTimeout(total=timeout_s),
            )

    async def is_ready(self) -> bool:
        """Whether a worker is up with a model loaded (the others may be restarting)."""
        try:
            return bool((await self.status(timeout_s=3.0)).get("model_file"))
        except AssistantUnavailable:
            return False
