"""The gateway's client for the Rasa server (REST channel and HTTP API, on loopback)."""

from __future__ import annotations

from typing import Any

import aiohttp

from handoff.reasons import model_guesses

__all__ = ["AssistantUnavailable", "RasaClient"]


class AssistantUnavailable(Exception):
    """Rasa did not answer in time, or answered with an error."""


class RasaClient:
    """Sends customer messages to Rasa and checks that Rasa is up."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str, timeout_s: float) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def send_message(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """The assistant's replies to one customer message, in order."""
        url = f"{self.base_url}/webhooks/rest/webhook"
        body = {"sender": sender_id, "message": text, "metadata": metadata}
        try:
            async with self.session.post(url, json=body, timeout=self.timeout) as response:
                if response.status != 200:
                    raise AssistantUnavailable(f"rasa answered HTTP {response.status}")
                replies = await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise AssistantUnavailable(f"{type(error).__name__}: {error}") from error
        if not isinstance(replies, list):
            raise AssistantUnavailable("rasa answered something that is not a list")
        return [reply for reply in replies if isinstance(reply, dict)]

    async def guesses(self, text: str, limit: int = 3) -> list[dict[str, Any]]:
        """The model's best intents for ``text`` (``faq`` named by its key), without touching any conversation."""
        url = f"{self.base_url}/model/parse"
        try:
            async with self.session.post(
                url, params={"token": self.token}, json={"text": text}, timeout=self.timeout
            ) as response:
                if response.status != 200:
                    raise AssistantUnavailable(f"rasa answered HTTP {response.status}")
                parsed = await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise AssistantUnavailable(f"{type(error).__name__}: {error}") from error
        return model_guesses(parsed, limit)

    async def status(self) -> dict[str, Any]:
        """Rasa's ``/status``: the loaded model's file among others."""
        try:
            async with self.session.get(
                f"{self.base_url}/status", params={"token": self.token}, timeout=aiohttp.ClientTimeout(total=5)
            ) as response:
                if response.status != 200:
                    raise AssistantUnavailable(f"rasa answered HTTP {response.status}")
                status = await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise AssistantUnavailable(f"{type(error).__name__}: {error}") from error
        return status if isinstance(status, dict) else {}

    async def load_model(self, model_file: str, timeout_s: float = 300.0) -> None:
        """Replace the served model (``PUT /model``); conversations live on in the tracker store."""
        try:
            async with self.session.put(
                f"{self.base_url}/model",
                params={"token": self.token},
                json={"model_file": model_file},
                timeout=aiohttp.ClientTimeout(total=timeout_s),
            ) as response:
                if response.status != 204:
                    detail = (await response.text())[:300]
                    raise AssistantUnavailable(f"rasa refused the model: HTTP {response.status} {detail}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise AssistantUnavailable(f"{type(error).__name__}: {error}") from error

    async def is_ready(self) -> bool:
        """Whether Rasa is up with a model loaded."""
        try:
            async with self.session.get(
                f"{self.base_url}/status", params={"token": self.token}, timeout=aiohttp.ClientTimeout(total=3)
            ) as response:
                if response.status != 200:
                    return False
                status = await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return False
        return bool(isinstance(status, dict) and status.get("model_file"))
