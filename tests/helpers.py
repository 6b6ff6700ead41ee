"""Shared test helpers: real servers on free loopback ports."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import redis

from bot.core.settings import Settings
from bot.nlu.training_data import Example
from bot.supervisor.stack import Stack, redis_server_binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports (for a pool of Rasa workers on RASA_PORT, RASA_PORT+1, ...)."""
    for _ in range(100):
        first = free_port()
        socks = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports")


class RedisServer:
    """A real redis-server on a free port, in a temporary folder."""

    def __init__(self, directory: Path, appendonly: bool = False, appendfsync: str = "always") -> None:
        self.appendonly = appendonly
        self.appendfsync = appendfsync
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "", "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", self.appendfsync],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no last write; what survives is what the append-only file holds."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None


class CustomerClient:
    """A socket.io customer, as a widget would be: records every event it receives."""

    EVENTS = ("session_confirm", "bot_uttered", "handoff_status", "history", "error_message", "message_ack", "typing")

    def __init__(
        self,
        url: str,
        socketio_path: str = "socket.io",
        transports: Sequence[str] = ("websocket",),
        http_session: Any = None,
    ) -> None:
        """``http_session``: an aiohttp session of the test's own (its source address; certificates not checked)."""
        import asyncio

        import socketio

        self.url = url
        self.socketio_path = socketio_path
        self.transports = list(transports)
        if http_session is None:
            self.sio = socketio.AsyncClient(reconnection=False)
        else:
            self.sio = socketio.AsyncClient(reconnection=False, http_session=http_session, ssl_verify=False)
        self.queues: dict[str, asyncio.Queue[Any]] = {name: asyncio.Queue() for name in self.EVENTS}
        self.session_id: str | None = None
        for name in self.EVENTS:
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Callable[[Any], Awaitable[None]]:
        async def record(data: Any = None) -> None:
            if name == "session_confirm":
                self.session_id = data
            await self.queues[name].put(data)

        return record

    @property
    def conversation_id(self) -> str:
        """How everything but the widget names this customer's conversation."""
        from bot.gateway.sessions import conversation_id_of

        assert self.session_id, "no session yet"
        return conversation_id_of(self.session_id)

    async def connect(self, session_id: str | None = None, **request: Any) -> str:
        """Connect and ask for ``session_id`` (or a new session), with other fields (language, identity)."""
        await self.sio.connect(self.url, transports=self.transports, socketio_path=self.socketio_path)
        await self.sio.emit("session_request", {"session_id": session_id, **request} if session_id else request)
        return str(await self.next("session_confirm"))

    async def send(self, text: str, **extra: Any) -> None:
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id, **extra})

    async def next(self, event: str, wait_s: float = 20.0) -> Any:
        import asyncio

        return await asyncio.wait_for(self.queues[event].get(), wait_s)

    async def replies_until_quiet(self, quiet_s: float = 1.0, wait_s: float = 20.0) -> list[dict[str, Any]]:
        """Every bot_uttered of one turn: waits for the first, then until none comes for ``quiet_s``."""
        import asyncio

        replies = [await self.next("bot_uttered", wait_s)]
        while True:
            try:
                replies.append(await asyncio.wait_for(self.queues["bot_uttered"].get(), quiet_s))
            except TimeoutError:
                return replies

    async def close(self) -> None:
        await self.sio.disconnect()


def domain() -> dict[str, Any]:
    """domain.yml as the served model's ``GET /domain`` gives it (the same keys and shapes)."""
    from ruamel.yaml import YAML

    from bot.core.paths import PROJECT_ROOT

    loaded: dict[str, Any] = YAML(typ="safe").load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return loaded


def domain_responses() -> dict[str, dict[str, list[str]]]:
    """domain.yml's responses: name -> language -> texts (English is the unconditioned variation)."""
    from bot.nlu.responses import variation_language

    result: dict[str, dict[str, list[str]]] = {}
    for name, variations in domain()["responses"].items():
        by_language: dict[str, list[str]] = {}
        for variation in variations:
            language = variation_language(variation)
            if language is not None:
                by_language.setdefault(language, []).append(variation["text"])
        result[name] = by_language
    return result


def held_out_examples(language: str, *, latin: bool = True) -> list[Example]:
    """The held-out test set of ``language`` (``tests/data/nlu_test/<lang>.yml``, and ``latin/<lang>.yml``)."""
    from bot.core.paths import PROJECT_ROOT
    from bot.nlu.training_data import Problem, read_nlu_file

    held_out = PROJECT_ROOT / "tests" / "data" / "nlu_test"
    paths = [held_out / f"{language}.yml", *([held_out / "latin" / f"{language}.yml"] if latin else [])]
    problems: list[Problem] = []
    examples = [example for path in paths if path.is_file() for example in read_nlu_file(path, language, problems)]
    assert problems == [], problems
    return examples


class GatewayProcess:
    """A second gateway process (``python -m bot.gateway``) with its own settings."""

    def __init__(self, **env: str) -> None:
        import os

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "GATEWAY_PORT": str(self.port), "GATEWAY_HOST": "127.0.0.1", **env}
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def beside(cls, settings: Settings, redis_url: str | None = None, **env: str) -> GatewayProcess:
        """A gateway sharing the test stack's Rasa, actions, session key and (unless given) Redis."""
        shared = {
            "REDIS_URL": redis_url or settings.redis_url,
            "RASA_URL": settings.resolved_rasa_url,
            "RASA_TOKEN": settings.rasa_token,
            "ACTION_SERVER_URL": settings.resolved_action_server_url,
            "SESSION_SECRET": settings.session_secret,
            "IDENTITY_SECRET": settings.identity_secret,
            "AGENT_HEARTBEAT_S": str(settings.agent_heartbeat_s),
            # Rate counters live in Redis, per address: every test client is 127.0.0.1.
            "ADDRESS_MESSAGES_PER_MINUTE": str(settings.address_messages_per_minute),
            "CONNECTIONS_PER_MINUTE": str(settings.connections_per_minute),
            "SESSIONS_PER_MINUTE": str(settings.sessions_per_minute),
            "ADDRESS_EVENTS_PER_MINUTE": str(settings.address_events_per_minute),
        }
        return cls(**{**shared, **env})

    def start(self) -> None:
        import sys
        import urllib.request

        from bot.core.paths import PROJECT_ROOT

        self.process = subprocess.Popen([sys.executable, "-m", "bot.gateway"], cwd=PROJECT_ROOT, env=self.env)
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("gateway did not start") from None
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: the process ends without closing a socket or telling Redis anything."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None


def as_text(value: object) -> str:
    """A Redis reply as text."""
    if isinstance(value, bytes):
        return value.decode()
    return "" if value is None else str(value)


class AgentClient:
    """A console, as the browser one is: REST login, then the /agent socket."""

    EVENTS = (
        "queue",
        "my_conversations",
        "message",
        "customer_typing",
        "conversation_update",
        "suggestions",
        "offline_ticket",
        "ticket_updated",
    )

    def __init__(self, url: str) -> None:
        import asyncio

        import socketio

        self.url = url
        self.token: str | None = None
        self.sio = socketio.AsyncClient(reconnection=False)
        self.queues: dict[str, asyncio.Queue[Any]] = {name: asyncio.Queue() for name in self.EVENTS}
        #: Every event received, in order, as (name, payload).
        self.received: list[tuple[str, Any]] = []
        for name in self.EVENTS:
            self.sio.on(name, self._recorder(name), namespace="/agent")

    def _recorder(self, name: str) -> Callable[[Any], Awaitable[None]]:
        async def record(data: Any = None) -> None:
            self.received.append((name, data))
            await self.queues[name].put(data)

        return record

    async def login(self, username: str, password: str) -> dict[str, Any]:
        import aiohttp

        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{self.url}/api/agent/login", json={"username": username, "password": password}) as response,
        ):
            body: dict[str, Any] = await response.json()
            if response.status != 200:
                raise PermissionError(body)
        self.token = body["token"]
        return body

    async def connect(self, token: str | None = None) -> None:
        await self.sio.connect(
            self.url, namespaces=["/agent"], transports=["websocket"], auth={"token": token or self.token}
        )

    async def call(self, event: str, data: Any = None) -> dict[str, Any]:
        result: dict[str, Any] = await self.sio.call(event, data or {}, namespace="/agent", timeout=15)
        return result

    async def next(self, event: str, wait_s: float = 15.0) -> Any:
        import asyncio

        return await asyncio.wait_for(self.queues[event].get(), wait_s)

    async def wait_for_queue_with(self, conversation_id: str, wait_s: float = 15.0) -> dict[str, Any]:
        """The first queue update that lists ``conversation_id``."""
        import asyncio

        async def scan() -> dict[str, Any]:
            while True:
                update: dict[str, Any] = await self.queues["queue"].get()
                if any(item["conversation_id"] == conversation_id for item in update["waiting"]):
                    return update

        return await asyncio.wait_for(scan(), wait_s)

    async def next_message(self, conversation_id: str, sender: str, wait_s: float = 15.0) -> dict[str, Any]:
        import asyncio

        async def scan() -> dict[str, Any]:
            while True:
                event: dict[str, Any] = await self.queues["message"].get()
                if event["conversation_id"] == conversation_id and event["entry"]["sender"] == sender:
                    return event["entry"]  # type: ignore[no-any-return]

        return await asyncio.wait_for(scan(), wait_s)

    async def next_suggestions(self, conversation_id: str, seq: int, wait_s: float = 15.0) -> dict[str, Any]:
        """Agent assist's suggestions for the customer message ``seq``."""
        import asyncio

        async def scan() -> dict[str, Any]:
            while True:
                event: dict[str, Any] = await self.queues["suggestions"].get()
                if event["conversation_id"] == conversation_id and event["seq"] == seq:
                    return event

        return await asyncio.wait_for(scan(), wait_s)

    async def close(self) -> None:
        await self.sio.disconnect()


LOW_CONFIDENCE_CANDIDATES = [
    "qwzx plorf vrrm", "asdfgh jkl", "vbnm ghjk", "mnbv lkjh", "wxyz", "zxcvb", "grbl zrk", "bbbb", "kkkkkk",
    "xq xq xq", "hhhhhhh", "jjjj kkkk",
]  # fmt: skip


async def low_confidence_texts(stack: Stack, count: int) -> list[str]:
    """Texts the served model scores below the fallback threshold (which ones depends on the model)."""
    import aiohttp
    import pytest

    found = []
    url = f"{stack.settings.resolved_rasa_url}/model/parse"
    async with aiohttp.ClientSession() as http:
        for text in LOW_CONFIDENCE_CANDIDATES:
            async with http.post(url, params={"token": stack.settings.rasa_token}, json={"text": text}) as response:
                parsed = await response.json()
            if parsed["intent"]["name"] == "nlu_fallback":
                found.append(text)
            if len(found) == count:
                return found
    pytest.fail(f"the model never falls back on {LOW_CONFIDENCE_CANDIDATES}")


async def rasa_tracker(stack: Stack, conversation_id: str) -> dict[str, Any]:
    """Rasa's own tracker of a conversation, read over its HTTP API with the stack's token."""
    import aiohttp

    settings = stack.settings
    url = f"{settings.resolved_rasa_url}/conversations/{conversation_id}/tracker"
    async with aiohttp.ClientSession() as http, http.get(url, params={"token": settings.rasa_token}) as response:
        tracker: dict[str, Any] = await response.json()
    return tracker
