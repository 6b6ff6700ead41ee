"""What the job and API tests share: a small HTTP server that serves and loads models as Rasa's API
does, and a models folder with the model in service, the model of the data, and their held-out scores."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from redis.asyncio import Redis

from bot.core.paths import PROJECT_ROOT
from bot.nlu.model_cache import model_hash, training_plan
from bot.nlu.rasa_client import RasaClient
from bot.trainer.job import JobPaths, TrainingJobs
from tests.helpers import free_port

TOKEN = "test-token"
DATA_DIR = PROJECT_ROOT / "data"
TEST_DIR = PROJECT_ROOT / "tests" / "data" / "nlu_test"
OLD_MODEL = "model-old.tar.gz"
MARGIN = 0.01


@dataclass
class FakeRasa:
    """``GET /status`` and ``PUT /model`` as Rasa answers them, with the token checked."""

    model_file: str
    loaded: list[str] = field(default_factory=list)

    async def status(self, request: web.Request) -> web.Response:
        if request.query.get("token") != TOKEN:
            return web.Response(status=401)
        return web.json_response({"model_file": self.model_file})

    async def load(self, request: web.Request) -> web.Response:
        if request.query.get("token") != TOKEN:
            return web.Response(status=401)
        model_file = (await request.json())["model_file"]
        if not await asyncio.to_thread(Path(model_file).is_file):
            return web.Response(status=400, text="no such model")
        self.loaded.append(model_file)
        self.model_file = model_file
        return web.Response(status=204)


@pytest.fixture
async def fake_rasa(tmp_path: Path) -> AsyncIterator[tuple[FakeRasa, RasaClient]]:
    fake = FakeRasa(str(tmp_path / "models" / OLD_MODEL))
    app = web.Application()
    app.router.add_get("/status", fake.status)
    app.router.add_put("/model", fake.load)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with aiohttp.ClientSession() as http:
        yield fake, RasaClient(http, f"http://127.0.0.1:{port}", TOKEN, timeout_s=5)
    await runner.cleanup()


def report(**scores: tuple[float, float]) -> dict[str, object]:
    """An ``f1.json``: per language, (intent F1, intent + faq key F1)."""
    return {
        language: {"intent_f1": intent, "response_f1": response, "examples": 30, "per_label_f1": {}}
        for language, (intent, response) in scores.items()
    }


@dataclass
class ModelsFolder:
    """A models folder with the model in service (``model-old``) and the model of the shipped data, both scored."""

    paths: JobPaths

    @property
    def old(self) -> Path:
        return self.paths.models_dir / OLD_MODEL

    @property
    def new(self) -> Path:
        return training_plan(self.paths.models_dir, PROJECT_ROOT, self.paths.data_dir)[0]

    def add_model(self, model: Path, scores: dict[str, object]) -> None:
        """The model file, and its held-out scores where the job keeps them (so nothing is trained or run)."""
        model.parent.mkdir(parents=True, exist_ok=True)
        model.write_bytes(b"a model")
        test_hash = model_hash(self.paths.test_dir, [self.paths.test_dir.resolve()])
        out = self.paths.evaluations_dir / f"{model.name.removesuffix('.tar.gz')}-{test_hash}"
        out.mkdir(parents=True, exist_ok=True)
        (out / "f1.json").write_text(json.dumps(scores))

    def scored(self, before: dict[str, object], after: dict[str, object]) -> ModelsFolder:
        self.add_model(self.old, before)
        self.add_model(self.new, after)
        return self


@pytest.fixture
def models(tmp_path: Path) -> ModelsFolder:
    return ModelsFolder(JobPaths(DATA_DIR, tmp_path / "models", TEST_DIR, tmp_path / "evaluations"))


def jobs_with(redis: Redis, rasa: RasaClient, models: ModelsFolder, problems: list[str] | None = None) -> TrainingJobs:
    return TrainingJobs(redis, rasa, models.paths, lambda data_dir: (problems or [], []), f1_margin=MARGIN)


async def finished(jobs: TrainingJobs) -> dict[str, object]:
    """The status once the job is no longer running."""
    for _ in range(200):
        status = await jobs.status()
        if status["job"]["state"] != "running":
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("the job never finished")
