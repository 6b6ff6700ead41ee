"""Trained models cached by a hash of everything that goes into them, and the record of the one in service.

``make run`` and the tests call :func:`ensure_model`; training (minutes) only
happens when config, domain, training data, our NLU components or Rasa's
pinned environment changed. The trainer page's job and rollback keep
``serving.json`` (:func:`record_serving`, :func:`record_rollback`), which the
supervisor reads (:func:`read_serving`) to start and restart Rasa with the
model that was decided on.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from bot.core.files import write_atomically
from bot.core.paths import PROJECT_ROOT, RASA_VENV

log = logging.getLogger(__name__)

RASA_BIN = RASA_VENV / "bin" / "rasa"
MODEL_INPUTS = (
    "config.yml",
    "domain.yml",
    "data",
    "bot/nlu/components.py",
    "bot/nlu/normalise.py",
    "bot/nlu/language_detection.py",
    "bot/nlu/romanized",
    "bot/core/languages.py",
    "requirements/rasa.lock",
)


class TrainingFailed(Exception):
    """``rasa train`` exited with an error; its output says why."""


def _input_files(root: Path, inputs: Iterable[str | Path]) -> list[tuple[str, Path]]:
    """Each input file with the name it is hashed under: its path inside the input, under the input's name.

    An input given as an absolute path (training data copied elsewhere) is named
    ``data``, so the same data hashes the same wherever it lives.
    """
    files: list[tuple[str, Path]] = []
    for name in inputs:
        path = root / name
        label = "data" if Path(name).is_absolute() else str(name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml", ".md"})
            files.extend((f"{label}/{p.relative_to(path)}", p) for p in found)
        elif path.is_file():
            files.append((label, path))
    return files


def model_hash(root: Path = PROJECT_ROOT, inputs: Iterable[str | Path] = MODEL_INPUTS) -> str:
    """A short hash of the training inputs' names and contents."""
    digest = hashlib.sha256()
    for name, path in _input_files(root, inputs):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def rasa_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Rasa processes: our components importable, no telemetry."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(PROJECT_ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONWARNINGS": "ignore",
        }
    )
    env.update(extra or {})
    return env


def training_plan(models_dir: Path, root: Path = PROJECT_ROOT, data: str | Path = "data") -> tuple[Path, list[str]]:
    """The cached model file for the current inputs, and the ``rasa train`` command that makes it.

    ``data`` is the training data folder (rules and ``nlu/<lang>/``), relative to ``root`` or absolute.
    """
    data_path = Path(data)
    if data_path.is_absolute() and data_path.is_relative_to(root):
        data_path = data_path.relative_to(root)
    inputs: list[str | Path] = [*MODEL_INPUTS[:2], data_path, *MODEL_INPUTS[3:]]
    name = f"model-{model_hash(root, inputs)}"
    command = [
        str(RASA_BIN), "train", "--config", "config.yml", "--domain", "domain.yml", "--data", str(data_path),
        "--out", str(models_dir), "--fixed-model-name", name,
    ]  # fmt: skip
    return models_dir / f"{name}.tar.gz", command


def training_lock(models_dir: Path) -> IO[str]:
    """The open lock file whose exclusive lock one training at a time holds."""
    models_dir.mkdir(parents=True, exist_ok=True)
    return open(models_dir / ".train.lock", "w")


def ensure_model(
    models_dir: Path, root: Path = PROJECT_ROOT, data: str | Path = "data", log_path: Path | None = None
) -> Path:
    """The cached model for the current inputs, training it first if needed.

    ``log_path``: where Rasa's training output goes (None: this process's own output).
    """
    model, command = training_plan(models_dir, root, data)
    with training_lock(models_dir) as lock:
        # One training at a time: `make run`, the tests and the trainer page may start together.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if model.exists():
            log.info("model cached", extra={"fields": {"model": model.name}})
            return model
        where = f"; its output goes to {log_path}" if log_path else ""
        print(f"Training the assistant ({model.name}); this takes a few minutes{where}", file=sys.stderr, flush=True)
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with log_path.open("ab") as output:
                result = subprocess.run(
                    command, cwd=root, env=rasa_environment(), check=False, stdout=output, stderr=subprocess.STDOUT
                )
        else:
            result = subprocess.run(command, cwd=root, env=rasa_environment(), check=False)
        if result.returncode != 0 or not model.exists():
            raise TrainingFailed(f"rasa train exited with {result.returncode}")
    return model


# --- the models in service -----------------------------------------------------
#
# Which model is in service is a decision (the trainer page's gate, an override,
# a rollback), not always the model of the current data. It is kept in
# ``MODELS_DIR/serving.json``, one record per training data folder (the tests'
# copies of the data share the checkout's model cache and must not take each
# other's place), so that a restarted Rasa serves what was decided.

#: The record's file, in the models folder.
SERVING_FILE: Final = "serving.json"
#: Earlier models a record keeps for rollbacks, newest first.
SERVING_HISTORY: Final = 5
#: Records of data folders kept at most (the newest), beside dropping those of folders that are gone.
SERVING_FOLDERS_KEPT: Final = 8


@dataclass(frozen=True)
class ServingRecord:
    """The model in service for one training data folder, the earlier ones, and what it was decided for.

    ``decided_for`` is the model of the training inputs (:func:`training_plan`'s
    name) when the last decision was taken: a deploy, a refusal or a rollback.
    While the inputs still plan that model, nothing changed since the decision.
    """

    current: str = ""
    previous: tuple[str, ...] = ()
    decided_for: str = ""

    def rollback_target(self, models_dir: Path, serving: str) -> str:
        """The newest recorded model other than ``serving`` whose file is still there, or ``""``."""
        for name in (self.current, *self.previous):
            if name and name != serving and (models_dir / name).is_file():
                return name
        return ""

    def to_json(self) -> dict[str, Any]:
        return {"current": self.current, "previous": list(self.previous), "decided_for": self.decided_for}

    @classmethod
    def from_json(cls, data: object) -> ServingRecord:
        """The record in ``data``; an empty one for anything that is not a record."""
        if not isinstance(data, dict):
            return cls()
        current, previous, decided_for = data.get("current"), data.get("previous"), data.get("decided_for")
        return cls(
            current if isinstance(current, str) else "",
            tuple(name for name in previous if isinstance(name, str)) if isinstance(previous, list) else (),
            decided_for if isinstance(decided_for, str) else "",
        )


def _folder_key(data_dir: str | Path) -> str:
    return str((PROJECT_ROOT / data_dir).resolve())


def _read_records(models_dir: Path) -> dict[str, Any]:
    path = models_dir / SERVING_FILE
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.warning("the record of the models in service is unreadable", extra={"fields": {"error": str(error)}})
        return {}
    return records if isinstance(records, dict) else {}


def read_serving(models_dir: Path, data_dir: str | Path) -> ServingRecord:
    """The record for the training data in ``data_dir``; an empty one if there is none or it is unreadable."""
    return ServingRecord.from_json(_read_records(models_dir).get(_folder_key(data_dir)))


def _deduplicated(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for name in names if name))


def record_serving(
    models_dir: Path, data_dir: str | Path, current: str, *, decided_for: str, replacing: str = ""
) -> ServingRecord:
    """Record ``current`` in service for ``data_dir`` (a deploy, or a refusal that keeps it), newest first.

    ``replacing`` is the model Rasa served until now: it goes first among the
    earlier ones even if it was never recorded (it was started by ``make run``).
    """

    def change(old: ServingRecord) -> ServingRecord:
        earlier = _deduplicated([replacing, old.current, *old.previous])
        return ServingRecord(current, tuple(name for name in earlier if name != current), decided_for)

    return _update_record(models_dir, data_dir, change)


def record_rollback(models_dir: Path, data_dir: str | Path, to: str, *, decided_for: str) -> ServingRecord:
    """Record ``to`` in service again: the models recorded after it are dropped from the history."""

    def change(old: ServingRecord) -> ServingRecord:
        history = _deduplicated([old.current, *old.previous])
        kept = history[history.index(to) + 1 :] if to in history else history
        return ServingRecord(to, kept, decided_for)

    return _update_record(models_dir, data_dir, change)


def _update_record(
    models_dir: Path, data_dir: str | Path, change: Callable[[ServingRecord], ServingRecord]
) -> ServingRecord:
    """Read, change and replace the record file under a lock; the file is replaced whole (temp file, os.replace)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    key = _folder_key(data_dir)
    with open(models_dir / ".serving.lock", "w") as lock:
        # One writer at a time (jobs and rollbacks of every gateway, the tests' stacks): no update is lost.
        fcntl.flock(lock, fcntl.LOCK_EX)
        records = _read_records(models_dir)
        new = change(ServingRecord.from_json(records.get(key)))
        new = ServingRecord(new.current, new.previous[:SERVING_HISTORY], new.decided_for)
        records[key] = {**new.to_json(), "updated_at": time.time()}
        # Records of data folders that are gone (the tests' copies) go; of the rest, the newest few stay.
        others = [
            (folder, record)
            for folder, record in records.items()
            if folder != key and isinstance(record, dict) and Path(folder).is_dir()
        ]
        others.sort(key=lambda item: _updated_at(item[1]), reverse=True)
        kept = {key: records[key], **dict(others[: SERVING_FOLDERS_KEPT - 1])}
        write_atomically(models_dir / SERVING_FILE, json.dumps(kept, indent=2, ensure_ascii=False) + "\n")
    return new


def _updated_at(record: dict[str, Any]) -> float:
    value = record.get("updated_at")
    return float(value) if isinstance(value, int | float) else 0.0
