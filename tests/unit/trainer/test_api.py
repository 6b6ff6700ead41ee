"""The trainer API's train and rollback endpoints over HTTP: who may, what a train request may carry,
and the clear errors of a rollback that cannot happen."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from bot.core import keys
from bot.core.agent_protocol import AgentRole
from bot.nlu.model_cache import record_serving
from bot.nlu.rasa_client import RasaClient
from bot.staff.accounts import AgentDirectory
from bot.trainer.api import register_trainer_routes
from bot.trainer.inbox import NluInbox
from bot.trainer.job import MAX_OVERRIDE_REASON_CHARS, TrainingJobs
from tests.unit.trainer.conftest import DATA_DIR, OLD_MODEL, FakeRasa, ModelsFolder, finished, jobs_with, report

PASSWORD = "a long test password"
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def jobs(
    redis_client: Redis, fake_rasa: tuple[FakeRasa, RasaClient], models: ModelsFolder
) -> AsyncIterator[TrainingJobs]:
    _, rasa = fake_rasa
    scores = report(en=(0.9, 0.9))
    models.scored(scores, scores)
    # The data "has a problem": a job started here ends at once, without training.
    training = jobs_with(redis_client, rasa, models, problems=["data/nlu/en/nlu.yml:1: broken YAML"])
    yield training
    await training.stop()


@pytest.fixture
async def client(redis_client: Redis, jobs: TrainingJobs) -> AsyncIterator[Client]:
    agents = AgentDirectory(redis_client)
    app = web.Application()
    register_trainer_routes(app, lambda: agents, lambda: NluInbox(redis_client), lambda: jobs, DATA_DIR / "nlu")
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def sign_in(redis: Redis, username: str, role: AgentRole) -> dict[str, str]:
    agents = AgentDirectory(redis)
    await agents.add(username, PASSWORD, role, username.title())
    token, _ = await agents.login(username, PASSWORD, "127.0.0.1")
    assert token
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "body",
    [
        {"override_reason": ""},
        {"override_reason": " \x00\u202e "},
        {"override_reason": "x" * (MAX_OVERRIDE_REASON_CHARS + 1)},
        {"override_reason": 42},
        ["override_reason"],
    ],
)
async def test_a_train_request_with_a_wrong_override_is_refused(
    client: Client, redis_client: Redis, body: object
) -> None:
    headers = await sign_in(redis_client, "tina", AgentRole.TRAINER)
    response = await client.post("/api/trainer/train", json=body, headers=headers)
    assert response.status == 400
    assert "override_reason" in (await response.json())["error"]
    assert not await redis_client.exists(keys.training_lock_key()), "no job started"


async def test_a_train_request_carries_a_cleaned_override_reason(
    client: Client, redis_client: Redis, jobs: TrainingJobs
) -> None:
    headers = await sign_in(redis_client, "tina", AgentRole.TRAINER)
    reason = "  the faq test set is being relabelled\x07\u202e  "
    response = await client.post("/api/trainer/train", json={"override_reason": reason}, headers=headers)
    assert response.status == 202
    assert (await response.json())["job"]["override_reason"] == "the faq test set is being relabelled"
    await finished(jobs)
    plain = await client.post("/api/trainer/train", headers=headers)
    assert plain.status == 202 and (await plain.json())["job"]["override_reason"] == ""
    await finished(jobs)


async def test_only_a_supervisor_may_roll_back_and_sees_the_offer(
    client: Client, redis_client: Redis, fake_rasa: tuple[FakeRasa, RasaClient], models: ModelsFolder
) -> None:
    rasa, _ = fake_rasa
    rasa.model_file = str(models.new)
    record_serving(models.paths.models_dir, DATA_DIR, models.new.name, decided_for="", replacing=OLD_MODEL)
    trainer = await sign_in(redis_client, "tina", AgentRole.TRAINER)
    supervisor = await sign_in(redis_client, "sam", AgentRole.SUPERVISOR)

    assert (await client.post("/api/trainer/rollback")).status == 401
    refused = await client.post("/api/trainer/rollback", headers=trainer)
    assert (refused.status, await refused.json()) == (403, {"error": "supervisors only"})
    assert rasa.loaded == []
    seen_by_trainer = await (await client.get("/api/trainer/status", headers=trainer)).json()
    seen_by_supervisor = await (await client.get("/api/trainer/status", headers=supervisor)).json()
    assert (seen_by_trainer["may_roll_back"], seen_by_supervisor["may_roll_back"]) == (False, True)
    assert seen_by_supervisor["previous_model"] == OLD_MODEL

    done = await client.post("/api/trainer/rollback", headers=supervisor)
    rolled_back = {"ok": True, "model": OLD_MODEL, "previous_model": models.new.name}
    assert (done.status, await done.json()) == (200, rolled_back)
    assert rasa.loaded == [str(models.old.resolve())]
    again = await client.post("/api/trainer/rollback", headers=supervisor)
    assert (again.status, await again.json()) == (409, {"error": "there is no earlier model to roll back to"})


async def test_no_rollback_while_a_job_runs(client: Client, redis_client: Redis) -> None:
    supervisor = await sign_in(redis_client, "sam", AgentRole.SUPERVISOR)
    await redis_client.set(keys.training_lock_key(), "tina")
    response = await client.post("/api/trainer/rollback", headers=supervisor)
    assert response.status == 409
    assert "a training job is running" in (await response.json())["error"]
