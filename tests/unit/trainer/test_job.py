"""The train-and-deploy job against a real Redis and an HTTP server answering as Rasa's API: its bookkeeping,
the gate a new model must pass, the override, the record of the model in service, and the rollback
(training itself: tests/browser/test_trainer.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.core import keys
from bot.core.paths import PROJECT_ROOT
from bot.nlu.model_cache import read_serving, record_serving
from bot.nlu.rasa_client import RasaClient
from bot.trainer.job import (
    JobPaths,
    NothingToRollBack,
    TrainingBusy,
    TrainingJobs,
    check_before_training,
)
from tests.helpers import free_port
from tests.unit.trainer.conftest import OLD_MODEL, FakeRasa, ModelsFolder, finished, jobs_with, report


@pytest.fixture
async def rasa_nowhere() -> AsyncIterator[RasaClient]:
    """A client of a Rasa server that is not running: the job must say so, not hang."""
    async with aiohttp.ClientSession() as http:
        yield RasaClient(http, f"http://127.0.0.1:{free_port()}", "token", timeout_s=2)


def jobs_for(redis: Redis, rasa: RasaClient, tmp_path: Path, problems: list[str]) -> TrainingJobs:
    paths = JobPaths(PROJECT_ROOT / "data", tmp_path / "models", PROJECT_ROOT / "tests/data/nlu_test", tmp_path)
    return TrainingJobs(redis, rasa, paths, lambda data_dir: (problems, ["a warning"]), f1_margin=0.01)


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


# --- the gate ------------------------------------------------------------------

BEFORE = report(en=(0.90, 0.88), fa=(0.90, 0.90))


async def test_a_model_whose_scores_drop_beyond_the_margin_is_refused_and_not_loaded(
    redis_client: Redis, fake_rasa: tuple[FakeRasa, RasaClient], models: ModelsFolder
) -> None:
    rasa, client = fake_rasa
    models.scored(BEFORE, report(en=(0.92, 0.89), fa=(0.87, 0.85)))
    jobs = jobs_with(redis_client, client, models)
    await jobs.start("tina")
    status = await finished(jobs)
    job = status["job"]
    assert isinstance(job, dict)
    assert job["state"] == "refused"
    assert rasa.loaded == [], "a refused model is never loaded"
    assert status["serving_model"] == OLD_MODEL
    assert models.new.is_file(), "the refused model stays on disk"
    message = job["message"]
    assert "Persian (fa) intent F1 0.900 → 0.870 (-0.030)" in message
    assert "Persian (fa) intent + faq key F1 0.900 → 0.850 (-0.050)" in message
    assert "English" not in message, "English improved: it is not named"
    assert f"{OLD_MODEL} stays in service" in message
    result = job["result"]
    assert [(drop["language"], drop["score"]) for drop in result["drops"]] == [
        ("fa", "intent_f1"),
        ("fa", "response_f1"),
    ]
    assert result["override"] is None and result["before"]["fa"]["response_f1"] == 0.90
    # The decision is kept: a restart serves the old model, not the refused model of this data.
    record = read_serving(models.paths.models_dir, models.paths.data_dir)
    assert (record.current, record.decided_for) == (OLD_MODEL, models.new.name)
    assert not await redis_client.exists(keys.training_lock_key())


async def test_a_drop_within_the_margin_is_deployed_and_recorded(
    redis_client: Redis, fake_rasa: tuple[FakeRasa, RasaClient], models: ModelsFolder
) -> None:
    rasa, client = fake_rasa
    models.scored(BEFORE, report(en=(0.95, 0.93), fa=(0.89, 0.89)))
    jobs = jobs_with(redis_client, client, models)
    await jobs.start("tina")
    job = (await finished(jobs))["job"]
    assert isinstance(job, dict)
    assert (job["state"], job["result"]["drops"]) == ("succeeded", []), job["message"]
    assert rasa.loaded == [str(models.new.resolve())]
    record = read_serving(models.paths.models_dir, models.paths.data_dir)
    assert (record.current, record.previous, record.decided_for) == (models.new.name, (OLD_MODEL,), models.new.name)


async def test_an_override_deploys_despite_the_drop_and_keeps_the_reason(
    redis_client: Redis, fake_rasa: tuple[FakeRasa, RasaClient], models: ModelsFolder, caplog: pytest.LogCaptureFixture
) -> None:
    rasa, client = fake_rasa
    models.scored(BEFORE, report(en=(0.90, 0.88), fa=(0.90, 0.80)))
    jobs = jobs_with(redis_client, client, models)
    reason = "the old warranty answers were wrong; the test set is being fixed"
    with caplog.at_level(logging.WARNING, logger="bot.trainer.job"):
        started = await jobs.start("tina", override_reason=reason)
        job = (await finished(jobs))["job"]
    assert started["override_reason"] == reason
    assert isinstance(job, dict)
    assert job["state"] == "succeeded"
    assert rasa.loaded == [str(models.new.resolve())]
    drops = [{"language": "fa", "score": "response_f1", "before": 0.90, "after": 0.80}]
    assert job["result"]["override"] == {"reason": reason, "by": "tina", "drops": drops}
    [logged] = [record for record in caplog.records if record.getMessage() == "model deployed despite drops"]
    assert logged.fields["reason"] == reason and logged.fields["by"] == "tina"  # type: ignore[attr-defined]
    assert "fa" in logged.fields["drops"][0]  # type: ignore[attr-defined]


async def test_a_supervisor_rolls_back_to_the_model_served_before(
    redis_client: Redis, fake_rasa: tuple[FakeRasa, RasaClient], models: ModelsFolder
) -> None:
    rasa, client = fake_rasa
    models.scored(BEFORE, BEFORE)
    jobs = jobs_with(redis_client, client, models)
    await jobs.start("tina")
    await finished(jobs)
    assert (await jobs.status())["previous_model"] == OLD_MODEL

    assert await jobs.roll_back("sam") == {"model": OLD_MODEL, "previous_model": models.new.name}
    assert rasa.loaded == [str(models.new.resolve()), str(models.old.resolve())]
    record = read_serving(models.paths.models_dir, models.paths.data_dir)
    assert (record.current, record.previous) == (OLD_MODEL, ()), "the model rolled back from leaves the history"
    assert record.decided_for == models.new.name, "decided for the inputs as they are now"
    status = await jobs.status()
    assert (status["serving_model"], status["previous_model"]) == (OLD_MODEL, "")
    assert status["job"]["rollback"]["by"] == "sam"
    with pytest.raises(NothingToRollBack):
        await jobs.roll_back("sam")
    assert len(rasa.loaded) == 2
    assert not await redis_client.exists(keys.training_lock_key())


async def test_no_rollback_while_a_job_runs_or_to_a_model_that_is_gone(
    redis_client: Redis, fake_rasa: tuple[FakeRasa, RasaClient], models: ModelsFolder
) -> None:
    rasa, client = fake_rasa
    models.scored(BEFORE, BEFORE)
    rasa.model_file = str(models.new)
    record_serving(models.paths.models_dir, models.paths.data_dir, models.new.name, decided_for="", replacing=OLD_MODEL)
    jobs = jobs_with(redis_client, client, models)
    await redis_client.set(keys.training_lock_key(), "another gateway")
    with pytest.raises(TrainingBusy):
        await jobs.roll_back("sam")
    assert await redis_client.get(keys.training_lock_key()) == b"another gateway", "the job's lock is not taken"
    await redis_client.delete(keys.training_lock_key())
    models.old.unlink()
    assert (await jobs.status())["previous_model"] == ""
    with pytest.raises(NothingToRollBack):
        await jobs.roll_back("sam")
    assert rasa.loaded == []
