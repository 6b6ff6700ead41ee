"""Trained models cached by a hash of everything that goes into them.

``make run`` and the tests call :func:`ensure_model`; training (minutes) only
happens when config, domain, training data, our NLU components or Rasa's
pinned environment changed.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO

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


def ensure_model(models_dir: Path, root: Path = PROJECT_ROOT, data: str | Path = "data") -> Path:
    """The cached model for the current inputs, training it first if needed."""
    model, command = training_plan(models_dir, root, data)
    with training_lock(models_dir) as lock:
        # One training at a time: `make run`, the tests and the trainer page may start together.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if model.exists():
            log.info("model cached", extra={"fields": {"model": model.name}})
            return model
        print(f"Training the assistant ({model.name}); this takes a few minutes...", file=sys.stderr, flush=True)
        result = subprocess.run(command, cwd=root, env=rasa_environment(), check=False)
        if result.returncode != 0 or not model.exists():
            raise TrainingFailed(f"rasa train exited with {result.returncode}")
    return model
