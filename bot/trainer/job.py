"""Train and deploy from the trainer page: one background job at a time, across gateways.

The job checks the training data, trains a model (reusing the cache when the
data did not change), scores the new model and the one in service on the
held-out test examples, and keeps the before and after figures for the trainer.

A model must earn its place: when any language's intent F1 or intent + faq
key F1 drops by more than the margin (``MODEL_F1_MARGIN``), the job ends
*refused* and the model stays on disk, out of service, unless the trainer gave
an override reason, which is kept with the result. Otherwise the new model is
loaded into the running Rasa server over loopback with its token
(conversations live on in the tracker store). Every decision is recorded in
the models folder (``bot.nlu.model_cache.record_serving``), so a restarted Rasa
serves what was decided; a supervisor can roll back to the model served before.

The job's state lives in Redis, so any gateway can show the progress of a job
another gateway runs; the same lock keeps a rollback from running beside a job.
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
from bot.nlu.model_cache import (
    model_hash,
    rasa_environment,
    read_serving,
    record_rollback,
    record_serving,
    training_lock,
    training_plan,
)
from bot.nlu.rasa_client import AssistantUnavailable, RasaClient
from bot.nlu.training_data import Check
from bot.nlu.validate import check_training_data
from bot.trainer.gate import ModelRefused, score_drops, summary_of

log = logging.getLogger(__name__)

__all__ = [
    "MAX_OVERRIDE_REASON_CHARS",
    "JobStage",
    "JobState",
    "NothingToRollBack",
    "TrainingBusy",
    "TrainingJobs",
]

#: Held while a job runs and renewed with every progress update: a gateway
#: that dies mid-job frees it after this long.
LOCK_TTL_S: Final = 300
LOG_LINES_KEPT: Final = 12
EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
COMPONENT = re.compile(r"Starting to train component '([^']+)'")
MAX_OVERRIDE_REASON_CHARS: Final = 500


class JobState(enum.StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    #: The new model scored worse than the one in service; it is on disk, not in service.
    REFUSED = "refused"
    FAILED = "failed"


class JobStage(enum.StrEnum):
    CHECKING = "checking"
    TRAINING = "training"
    EVALUATING = "evaluating"
    DEPLOYING = "deploying"
    DONE = "done"


class TrainingBusy(Exception):
    """A training job or a rollback is already running (on this or another gateway)."""


class JobFailed(Exception):
    """A step of the job failed; the message says which and why, for the trainer."""


class NothingToRollBack(Exception):
    """No earlier model is recorded (or its file is gone)."""


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

    def __init__(
        self,
        redis: Redis,
        rasa: RasaClient,
        paths: JobPaths,
        check_data: DataCheck,
        f1_margin: float,
    ) -> None:
        """``f1_margin``: how much a score may drop before a model is refused (``MODEL_F1_MARGIN``)."""
        self.redis = redis
        self.rasa = rasa
        self.paths = paths
        self.check_data = check_data
        self.f1_margin = f1_margin
        self._task: asyncio.Task[None] | None = None

    async def status(self) -> dict[str, Any]:
        """The current or last job, the model in service and the one a rollback would bring back,
        and whether the data changed since the model in service."""
        raw = await self.redis.hgetall(keys.training_job_key())
        job: dict[str, Any] = {_text(key): _text(value) for key, value in raw.items()}
        for field in ("result", "log", "warnings", "rollback"):
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
        return {
            "job": job,
            "serving_model": serving,
            "previous_model": await self._rollback_target(serving),
            "planned_model": planned.name,
            "data_changed": bool(serving) and serving != planned.name,
        }

    async def serving_model(self) -> str:
        """The file name of the model Rasa serves now, or ``""`` if Rasa cannot say."""
        try:
            status = await self.rasa.status()
        except AssistantUnavailable:
            return ""
        return Path(str(status.get("model_file") or "")).name

    def _plan(self) -> tuple[Path, list[str]]:
        return training_plan(self.paths.models_dir, PROJECT_ROOT, self.paths.data_dir)

    async def _rollback_target(self, serving: str) -> str:
        if not serving:
            return ""  # what is in service is unknown: no rollback is offered

        def target() -> str:
            record = read_serving(self.paths.models_dir, self.paths.data_dir)
            return record.rollback_target(self.paths.models_dir, serving)

        return await asyncio.to_thread(target)

    async def start(self, started_by: str, override_reason: str = "") -> dict[str, Any]:
        """Start a job in the background; raises :class:`TrainingBusy` if one runs.

        With an ``override_reason`` (already cleaned, at most :data:`MAX_OVERRIDE_REASON_CHARS`)
        the new model is put in service even if its scores drop.
        """
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
            override_reason=override_reason,
            log=[],
        )
        self._task = asyncio.create_task(self._run(started_by, override_reason))
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

    async def _run(self, started_by: str, override_reason: str) -> None:
        try:
            result = await self._steps(started_by, override_reason)
        except ModelRefused as refused:
            await self._update(
                state=JobState.REFUSED,
                stage=JobStage.DONE,
                percent=100,
                message=str(refused),
                result=refused.result,
                finished_at=time.time(),
            )
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

    async def _steps(self, started_by: str, override_reason: str) -> dict[str, Any]:
        problems, warnings = await asyncio.to_thread(self.check_data, self.paths.data_dir)
        await self._update(warnings=warnings)
        if problems:
            raise JobFailed("the training data has problems: " + "; ".join(problems[:5]))
        previous = await self.serving_model()
        model = await self._train()
        await self._update(stage=JobStage.EVALUATING, percent=0, message="scoring the old and the new model")
        before = await self._evaluate(self.paths.models_dir / previous) if previous else None
        after = await self._evaluate(model)
        diff = diff_reports(before, after) if before is not None else None
        drops = score_drops(summary_of(before), summary_of(after), self.f1_margin)
        result: dict[str, Any] = {
            "model": model.name,
            "previous_model": previous,
            "before": summary_of(before),
            "after": summary_of(after),
            "diff_markdown": render_diff(diff, previous or "no model", model.name, "Held-out scores"),
            "margin": self.f1_margin,
            "drops": [drop.to_public() for drop in drops],
            "override": None,
        }
        fields = {"model": model.name, "previous": previous, "drops": [str(drop) for drop in drops]}
        if drops and not override_reason:
            # The decision is recorded too: a restart keeps serving `previous`, not the refused model of this data.
            await self._record(record_serving, previous, decided_for=model.name)
            log.warning("model refused", extra={"fields": fields})
            raise ModelRefused(drops, result)
        if drops:
            result["override"] = {"reason": override_reason, "by": started_by, "drops": result["drops"]}
            override = {**fields, "by": started_by, "reason": override_reason}
            log.warning("model deployed despite drops", extra={"fields": override})
        await self._update(stage=JobStage.DEPLOYING, percent=0, message=f"loading {model.name} into the assistant")
        await self.rasa.load_model(str(model.resolve()))
        log.info("model deployed", extra={"fields": {"model": model.name, "previous": previous}})
        await self._record(record_serving, model.name, decided_for=model.name, replacing=previous)
        return result

    async def _record(self, change: Callable[..., object], model: str, **details: str) -> None:
        """Record a decision in the models folder; a failure is logged (the model in service stays as decided)."""
        try:
            await asyncio.to_thread(change, self.paths.models_dir, self.paths.data_dir, model, **details)
        except OSError:
            log.exception("could not record the model in service; a restarted Rasa may serve another one")

    async def roll_back(self, by: str) -> dict[str, str]:
        """Put the model served before back in service (``by`` a supervisor); returns both names.

        Raises :class:`TrainingBusy` while a job runs, :class:`NothingToRollBack`,
        or ``AssistantUnavailable`` when Rasa does not answer or load it.
        """
        if not await self.redis.set(keys.training_lock_key(), f"rollback by {by}", nx=True, ex=LOCK_TTL_S):
            raise TrainingBusy()
        try:
            serving = await self.serving_model()
            if not serving:
                raise AssistantUnavailable("the assistant is not answering, so what it serves is unknown")
            target = await self._rollback_target(serving)
            if not target:
                raise NothingToRollBack("there is no earlier model to roll back to")
            await self.rasa.load_model(str((self.paths.models_dir / target).resolve()))
            planned, _ = await asyncio.to_thread(self._plan)
            await self._record(record_rollback, target, decided_for=planned.name)
            rollback = {"model": target, "previous_model": serving, "by": by, "at": time.time()}
            await self.redis.hset(keys.training_job_key(), "rollback", json.dumps(rollback))
            log.warning("model rolled back", extra={"fields": {"model": target, "previous": serving, "by": by}})
            return {"model": target, "previous_model": serving}
        finally:
            await self.redis.delete(keys.training_lock_key())

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
