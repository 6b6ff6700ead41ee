"""The train-and-deploy job's bookkeeping against a real Redis (training itself: tests/browser/test_trainer.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.core import keys
from bot.core.paths import PROJECT_ROOT
from bot.core.settings import Settings
from bot.nlu.model_cache import training_plan
from bot.nlu.rasa_client import RasaClient
from bot.supervisor.stack import Child, Stack
from bot.trainer.job import JobPaths, TrainingBusy, TrainingJobs, check_before_training
from tests.helpers import free_port


@pytest.fixture
async def rasa_nowhere() -> AsyncIterator[RasaClient]:
    """A client of a Rasa server that is not running: the job must say so, not hang."""
    async with aiohttp.ClientSession() as http:
        yield RasaClient(http, f"http://127.0.0.1:{free_port()}", "token", timeout_s=2)


def jobs_for(redis: Redis, rasa: RasaClient, tmp_path: Path, problems: list[str]) -> TrainingJobs:
    paths = JobPaths(PROJECT_ROOT / "data", tmp_path / "models", PROJECT_ROOT / "tests/data/nlu_test", tmp_path)
    return TrainingJobs(redis, rasa, paths, lambda data_dir: (problems, ["a warning"]))


async def finished(jobs: TrainingJobs) -> dict[str, object]:
    for _ in range(100):
        status = await jobs.status()
        if status["job"]["state"] != "running":
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("the job never finished")


async def test_data_problems_stop_the_job_with_their_reason(
    redis_client: Redis, rasa_nowhere: RasaClient, tmp_path: Path
) -> None:
    jobs = jobs_for(redis_client, rasa_nowhere, tmp_path, ["data/nlu/fa/faq.yml:3: broken YAML"])
    started = await jobs.start("tina")
    assert (started["state"], started["stage"], started["started_by"]) == ("running", "checking", "tina")
    status = await finished(jobs)
    job = status["job"]
    assert isinstance(job, dict)
    assert job["state"] == "failed"
    assert "broken YAML" in job["message"]
    assert job["warnings"] == ["a warning"]
    assert status["serving_model"] == "" and status["data_changed"] is False
    assert not await redis_client.exists(keys.training_lock_key()), "a finished job frees the lock"


async def test_one_job_at_a_time_across_gateways(redis_client: Redis, rasa_nowhere: RasaClient, tmp_path: Path) -> None:
    await redis_client.set(keys.training_lock_key(), "another gateway")
    with pytest.raises(TrainingBusy):
        await jobs_for(redis_client, rasa_nowhere, tmp_path, []).start("tina")


async def test_a_job_whose_gateway_died_shows_as_failed(
    redis_client: Redis, rasa_nowhere: RasaClient, tmp_path: Path
) -> None:
    await redis_client.hset(keys.training_job_key(), mapping={"state": "running", "stage": "training"})
    job = (await jobs_for(redis_client, rasa_nowhere, tmp_path, []).status())["job"]
    assert job["state"] == "failed" and "stopped" in job["message"]


def test_the_shipped_data_has_nothing_that_blocks_training() -> None:
    blocking, _ = check_before_training(PROJECT_ROOT / "data")
    assert blocking == []


def test_broken_yaml_blocks_training(tmp_path: Path) -> None:
    (tmp_path / "nlu" / "en").mkdir(parents=True)
    (tmp_path / "nlu" / "en" / "nlu.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: [\n')
    blocking, _ = check_before_training(tmp_path)
    assert any("nlu.yml" in problem for problem in blocking), blocking


def test_a_restarted_rasa_serves_the_model_the_trainer_deployed(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, models_dir=tmp_path / "models", training_data_dir=PROJECT_ROOT / "data")
    stack = Stack(settings)
    rasa = Child("rasa", ["rasa", "run", "--model", "models/model-old.tar.gz", "--port", "5005"], {})
    stack._serve_latest_model(rasa)
    assert rasa.command[3] == "models/model-old.tar.gz", "nothing newer was trained: keep the model"
    latest, _ = training_plan(settings.models_dir, PROJECT_ROOT, settings.training_data_dir)
    latest.parent.mkdir(parents=True)
    latest.write_bytes(b"a model")
    stack._serve_latest_model(rasa)
    assert rasa.command == ["rasa", "run", "--model", str(latest), "--port", "5005"]
