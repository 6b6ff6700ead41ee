"""Fixtures shared by every test folder: a real Redis, flushed per test."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
import redis
from redis.asyncio import Redis as AsyncRedis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.core.paths import MODELS_DIR, PROJECT_ROOT
from bot.core.settings import Settings
from bot.staff.accounts import AgentDirectory
from bot.supervisor.stack import Stack
from tests.deployment import Deployment
from tests.helpers import AgentClient, CustomerClient, RedisServer, free_port, free_ports
from tests.smtp import SmtpServer


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(Path(tmp_path_factory.mktemp("redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def redis_client(redis_server: RedisServer) -> AsyncIterator[AsyncRedis]:
    client = AsyncRedis.from_url(redis_server.url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def sync_redis(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server in this process; the test stack's gateway sends its email there."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory: pytest.TempPathFactory, smtp_server: SmtpServer) -> Settings:
    """Settings of the shared test stack: free ports, private folders, the model cache of the checkout."""
    var_dir = Path(tmp_path_factory.mktemp("stack"))
    # Trainers' labels in tests go to a copy: the checkout's data stay as they are.
    # The copy hashes like the original, so the cached model serves.
    training_data = var_dir / "data"
    shutil.copytree(PROJECT_ROOT / "data", training_data)
    return Settings(
        redis_url="",
        private_redis_port=free_port(),
        gateway_port=free_port(),
        # Two Rasa workers, as `make run` starts on a machine like CI's: the pool is what is tested.
        rasa_workers=2,
        rasa_port=free_ports(2),
        action_port=free_port(),
        session_secret="test-session-secret",
        identity_secret="test-identity-secret",
        rasa_token="test-rasa-token",
        rasa_timeout_s=15.0,
        agent_grace_s=1.0,
        agent_heartbeat_s=1.0,
        # Every test client comes from 127.0.0.1: the per-address limits are
        # tested on a gateway of their own (tests/integration/test_abuse.py).
        address_messages_per_minute=100_000,
        connections_per_minute=100_000,
        sessions_per_minute=100_000,
        address_events_per_minute=100_000,
        var_dir=var_dir,
        models_dir=MODELS_DIR,
        training_data_dir=training_data,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
        mail_from="Demo Shop support <support@shop.example>",
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def stack(stack_settings: Settings) -> AsyncIterator[Stack]:
    """Redis, action server, Rasa (real trained model) and gateway, once per test session."""
    running = Stack(stack_settings, log_dir=stack_settings.var_dir / "logs")
    try:
        await running.start()
    except BaseException:
        await running.stop()
        for log_file in sorted((stack_settings.var_dir / "logs").glob("*.log")):
            print(f"--- {log_file.name} ---\n{log_file.read_text(errors='replace')[-4000:]}")
        raise
    yield running
    await running.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def deployment(tmp_path_factory: pytest.TempPathFactory, stack_settings: Settings) -> AsyncIterator[Deployment]:
    """Past one machine (tests/deployment.py): Redis under Sentinel, two gateways, nginx with TLS under /support/.

    Started only for the tests that ask for it, once per session, beside the shared stack.
    """
    directory = Path(tmp_path_factory.mktemp("deployment"))
    settings = stack_settings.model_copy(
        update={
            "var_dir": directory,
            "gateway_port": free_port(),
            "rasa_workers": 1,
            "rasa_port": free_port(),
            "action_port": free_port(),
            "rasa_token": "test-deployment-token",
            "trusted_proxies": "127.0.0.1",
            # A customer's message is acknowledged once the replica has it too.
            "redis_replica_ack_ms": 500,
            # The failover test's customers write a message every half second.
            "session_messages_per_minute": 1000,
        }
    )
    running = Deployment(directory, settings)
    settings.allowed_origins = f"https://127.0.0.1:{running.nginx.https_port}"
    try:
        await running.start()
    except BaseException:
        print(running.logs())
        await running.stop()
        raise
    yield running
    await running.stop()


@pytest.fixture(scope="session")
def gateway_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.settings.gateway_port}"


@pytest_asyncio.fixture(loop_scope="session")
async def customer(gateway_url: str) -> AsyncIterator[CustomerClient]:
    client = CustomerClient(gateway_url)
    await client.connect()
    yield client
    await client.close()


@pytest_asyncio.fixture(loop_scope="session")
async def stack_redis(stack: Stack) -> AsyncIterator[AsyncRedis]:
    client = AsyncRedis.from_url(stack.settings.redis_url)
    yield client
    await client.aclose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that stop parts of the shared stack run after all others."""
    items.sort(key=lambda item: item.get_closest_marker("outage") is not None)


AGENT_PASSWORD = "a long test password"


async def empty_the_queue_after(redis: AsyncRedis, usernames: list[str], grace_s: float) -> None:
    """Once the test's consoles are closed: wait until their chats went back to the queue, then empty it.

    The presence sweep returns a gone agent's chats after the grace period, at its
    own pace; emptying the queue before it did would leave them to the next test.
    """
    deadline = time.monotonic() + grace_s + 3
    await asyncio.sleep(grace_s)
    while time.monotonic() < deadline:
        held = [name for name in usernames if await redis.exists(keys.agent_conversations_key(name))]
        if not held:
            break
        await asyncio.sleep(0.2)
    await redis.delete(keys.handoff_queue_key())


@pytest_asyncio.fixture(loop_scope="session")
async def make_agent(stack: Stack, gateway_url: str) -> AsyncIterator[Callable[..., Awaitable[AgentClient]]]:
    """Creates an agent account, logs a console in and connects its socket."""
    redis = AsyncRedis.from_url(stack.settings.redis_url)
    # Each test starts with an empty queue: earlier tests leave conversations waiting.
    await redis.delete(keys.handoff_queue_key())
    clients: list[AgentClient] = []
    usernames: list[str] = []

    async def make(username: str, role: AgentRole = AgentRole.AGENT, display_name: str = "") -> AgentClient:
        await AgentDirectory(redis).add(username, AGENT_PASSWORD, role, display_name or username.capitalize())
        usernames.append(username)
        client = AgentClient(gateway_url)
        await client.login(username, AGENT_PASSWORD)
        await client.connect()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
    await empty_the_queue_after(redis, usernames, stack.settings.agent_grace_s)
    await redis.aclose()


@pytest_asyncio.fixture(loop_scope="session")
async def agent_account(stack: Stack) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Creates agent accounts (password AGENT_PASSWORD) on the shared stack's Redis."""
    redis = AsyncRedis.from_url(stack.settings.redis_url)
    await redis.delete(keys.handoff_queue_key())
    usernames: list[str] = []

    async def create(username: str, display_name: str = "", role: AgentRole = AgentRole.AGENT) -> str:
        await AgentDirectory(redis).add(username, AGENT_PASSWORD, role, display_name or username.capitalize())
        usernames.append(username)
        return username

    yield create
    await empty_the_queue_after(redis, usernames, stack.settings.agent_grace_s)
    await redis.aclose()
