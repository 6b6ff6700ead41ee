"""Train and deploy from the trainer page: one background job at a time, across gateways.

The job checks the training data, trains a model (reusing the cache when the
data did not change), scores the new model and the one in service on the
held-out test examples, loads the new model into the running Rasa server over
loopback with its token (conversations live on in the tracker store) and keeps
the before and after figures for the trainer. Its state lives in Redis, so any
gateway can show the progress of a job another gateway runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import fcntl
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from redis.asyncio import Redis

from bot.core import keys
from bot.core.paths import PROJECT_ROOT, RASA_VENV
from bot.nlu.evaluation_diff import diff_reports, render_diff
from bot.nlu.model_cache import model_hash, rasa_environment, training_lock, training_plan
from bot.nlu.rasa_client import AssistantUnavailable, RasaClient
from bot.nlu.training_data import Check
from bot.nlu.validate import check_training_data

log = logging.getLogger(__name__)

__all__ = ["JobStage", "JobState", "TrainingBusy", "TrainingJobs"]

#: Held while a job runs and renewed with every progress update: a gateway
#: that dies mid-job frees it after this long.
LOCK_TTL_S: Final = 300
LOG_LINES_KEPT: Final = 12
EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
COMPONENT = re.compile(r"Starting to train component '([^']+)'")


class JobState(enum.StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class JobStage(enum.StrEnum):
    CHECKING = "checking"
    TRAINING = "training"
    EVALUATING = "evaluating"
    DEPLOYING = "deploying"
    DONE = "done"


class TrainingBusy(Exception):
    """A training job is already running (on this or another gateway)."""


class JobFailed(Exception):
    """A step of the job failed; the message says which and why, for the trainer."""


#: Checks of the training data before a job trains: blocking problems and warnings, as text.
DataCheck = Callable[[Path], tuple[list[str], list[str]]]

#: What stops a job: data Rasa would misread. Thin coverage only warns, so a
#: trainer can retrain while a new intent is still growing.
BLOCKING_CHECKS: Final = frozenset({Check.BROKEN_YAML, Check.MALFORMED, Check.CONFLICTING_EXAMPLE})


def check_before_training(data_dir: Path) -> tuple[list[str], list[str]]:
    """``make validate``'s checks of ``data_dir/nlu`` and the domain: (blocking problems, warnings)."""
    problems = check_training_data(data_dir / "nlu", PROJECT_ROOT / "domain.yml")
    blocking = [str(problem) for problem in problems if problem.check in BLOCKING_CHECKS]
    return blocking, [str(problem) for problem in problems if problem.check not in BLOCKING_CHECKS]


@dataclass(frozen=True)
class JobPaths:
    """Where a job reads and writes."""

    data_dir: Path
    models_dir: Path
    test_dir: Path
    evaluations_dir: Path


class TrainingJobs:
    """Starts jobs and reports their state; the job itself runs as a task of this process."""

    def __init__(self, redis: Redis, rasa: RasaClient, paths: JobPaths, check_data: DataCheck) -> None:
        self.redis = redis
        self.rasa = rasa
        self.paths = paths
        self.check_data = check_data
        self._task: asyncio.Task[None] | None = None

    async def status(self) -> dict[str, Any]:
        """The current or last job, and whether the data changed since the model in service."""
        raw = await self.redis.hgetall(keys.training_job_key())
        job: dict[str, Any] = {_text(key): _text(value) for key, value in raw.items()}
        for field in ("result", "log", "warnings"):
            if field in job:
                job[field] = json.loads(job[field])
        job.setdefault("state", JobState.IDLE.value)
        for field in ("percent", "started_at", "finished_at"):
            if field in job:
                job[field] = float(job[field])
        if job["state"] == JobState.RUNNING and not await self.redis.exists(keys.training_lock_key()):
            job["state"] = JobState.FAILED.value
            job["message"] = "the gateway running the job stopped before it finished"
        serving = await self.serving_model()
        planned, _ = await asyncio.to_thread(self._plan)
        return {"job": job, "serving_model": serving, "data_changed": bool(serving) and serving != planned.name}

    async def serving_model(self) -> str:
        """The file name of the model Rasa serves now, or ``""`` if Rasa cannot say."""
        try:
            status = await self.rasa.status()
        except AssistantUnavailable:
            return ""
        return Path(str(status.get("model_file") or "")).name

    def _plan(self) -> tuple[Path, list[str]]:
        return training_plan(self.paths.models_dir, PROJECT_ROOT, self.paths.data_dir)

    async def start(self, started_by: str) -> dict[str, Any]:
        """Start a job in the background; raises :class:`TrainingBusy` if one runs."""
        if not await self.redis.set(keys.training_lock_key(), started_by, nx=True, ex=LOCK_TTL_S):
            raise TrainingBusy()
        await self.redis.delete(keys.training_job_key())
        await self._update(
            state=JobState.RUNNING,
            stage=JobStage.CHECKING,
            percent=0,
            message="checking the training data",
            started_by=started_by,
            started_at=time.time(),
            log=[],
        )
        self._task = asyncio.create_task(self._run())
        self._task.add_done_callback(self._finished)
        job: dict[str, Any] = (await self.status())["job"]
        return job

    def _finished(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("training job crashed", exc_info=task.exception())

    async def stop(self) -> None:
        """Cancel a job this process runs (the gateway is shutting down)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            await self._update(state=JobState.FAILED, message="the gateway stopped during the job")
            await self.redis.delete(keys.training_lock_key())

    async def _update(self, **fields: Any) -> None:
        values: dict[str | bytes, str | bytes] = {
            name: json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value)
            for name, value in fields.items()
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.training_job_key(), mapping=values)  # type: ignore[arg-type]
            pipe.expire(keys.training_lock_key(), LOCK_TTL_S)
            await pipe.execute()

    async def _run(self) -> None:
        try:
            result = await self._steps()
        except (JobFailed, AssistantUnavailable) as error:
            log.warning("training job failed: %s", error)
            await self._update(state=JobState.FAILED, message=str(error), finished_at=time.time())
        except Exception as error:
            log.exception("training job failed")
            await self._update(state=JobState.FAILED, message=f"unexpected error: {error}", finished_at=time.time())
        else:
            await self._update(
                state=JobState.SUCCEEDED,
                stage=JobStage.DONE,
                percent=100,
                message=f"{result['model']} is in service",
                result=result,
                finished_at=time.time(),
            )
        finally:
            await self.redis.delete(keys.training_lock_key())

    async def _steps(self) -> dict[str, Any]:
        problems, warnings = await asyncio.to_thread(self.check_data, self.paths.data_dir)
        await self._update(warnings=warnings)
        if problems:
            raise JobFailed("the training data has problems: " + "; ".join(problems[:5]))
        previous = await self.serving_model()
        model = await self._train()
        await self._update(stage=JobStage.EVALUATING, percent=0, message="scoring the old and the new model")
        before = await self._evaluate(self.paths.models_dir / previous) if previous else None
        after = await self._evaluate(model)
        await self._update(stage=JobStage.DEPLOYING, percent=0, message=f"loading {model.name} into the assistant")
        await self.rasa.load_model(str(model.resolve()))
        log.info("model deployed", extra={"fields": {"model": model.name, "previous": previous}})
        diff = diff_reports(before, after) if before is not None else None
        return {
            "model": model.name,
            "previous_model": previous,
            "before": summary_of(before),
            "after": summary_of(after),
            "diff_markdown": render_diff(diff, previous or "no model", model.name, "Held-out scores"),
        }

    async def _train(self) -> Path:
        model, command = await asyncio.to_thread(self._plan)
        lock = training_lock(self.paths.models_dir)
        try:
            # The same lock as `make run` and the tests: one training at a time on this machine.
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            if model.exists():
                await self._update(stage=JobStage.TRAINING, percent=100, message=f"{model.name} is already trained")
                return model
            await self._update(stage=JobStage.TRAINING, percent=0, message="training the assistant")
            code, tail = await self._run_command(command, progress=True)
            if code != 0 or not model.exists():
                raise JobFailed(f"training failed (rasa train exited with {code}): {' | '.join(tail[-3:])}")
            return model
        finally:
            lock.close()

    async def _evaluate(self, model: Path) -> dict[str, Any] | None:
        """The model's scores on the held-out test examples, cached per model and test set."""
        if not await asyncio.to_thread(model.is_file):
            return None
        test_hash = await asyncio.to_thread(model_hash, self.paths.test_dir, [self.paths.test_dir.resolve()])
        out = self.paths.evaluations_dir / f"{model.name.removesuffix('.tar.gz')}-{test_hash}"
        report = out / "f1.json"
        if not await asyncio.to_thread(report.is_file):
            command = [
                str(RASA_VENV / "bin" / "python"), "-m", "bot.nlu.evaluate", "--test-dir", str(self.paths.test_dir),
                "--model", str(model), "--out", str(out), "--compare", "none",
            ]  # fmt: skip
            code, tail = await self._run_command(command, progress=False)
            if code != 0 or not report.is_file():
                raise JobFailed(f"scoring {model.name} failed: {' | '.join(tail[-3:])}")
        data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
        return data

    async def _run_command(self, command: list[str], *, progress: bool) -> tuple[int, list[str]]:
        """Run a command of Rasa's environment; report its progress and keep the last lines of its output."""
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=PROJECT_ROOT,
            env=rasa_environment(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert process.stdout is not None
        tail: list[str] = []
        component = ""
        last_update = 0.0
        buffer = b""
        try:
            while chunk := await process.stdout.read(4096):
                buffer += chunk
                *lines, buffer = re.split(rb"[\r\n]", buffer)
                for raw in lines:
                    line = raw.decode(errors="replace").strip()
                    if not line:
                        continue
                    if found := COMPONENT.search(line):
                        component = found.group(1)
                    epochs = EPOCHS.search(line)
                    if not epochs:
                        tail = [*tail, line][-LOG_LINES_KEPT:]
                    if time.monotonic() - last_update > 0.5:
                        # The output so far (and so the lock's lease) is renewed for any command;
                        # training also reports which component and how far.
                        last_update = time.monotonic()
                        fields: dict[str, Any] = {"log": tail}
                        if progress:
                            fields["message"] = f"training {component}" if component else "training the assistant"
                            if epochs:
                                fields["percent"] = int(epochs.group(1))
                        await self._update(**fields)
            code = await process.wait()
        except asyncio.CancelledError:
            process.kill()
            await process.wait()
            raise
        await self._update(log=tail)
        return code, tail


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def summary_of(report: dict[str, Any] | None) -> dict[str, dict[str, float]] | None:
    """Per language: intent F1, intent + faq key F1, examples (what the page shows)."""
    if report is None:
        return None
    return {
        language: {
            "intent_f1": float(row.get("intent_f1", 0.0)),
            "response_f1": float(row.get("response_f1", 0.0)),
            "examples": float(row.get("examples", 0)),
        }
        for language, row in report.items()
        if isinstance(row, dict)
    }
