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

from bot.paths import PROJECT_ROOT, RASA_VENV

log = logging.getLogger(__name__)

RASA_BIN = RASA_VENV / "bin" / "rasa"
MODEL_INPUTS = (
    "config.yml",
    "domain.yml",
    "data",
    "bot/rasa_components.py",
    "bot/normalise.py",
    "bot/language.py",
    "requirements/rasa.lock",
)


class TrainingFailed(Exception):
    """``rasa train`` exited with an error; its output says why."""


def _input_files(root: Path, inputs: Iterable[str]) -> list[Path]:
    files: list[Path] = []
    for name in inputs:
        path = root / name
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml", ".md"}))
        elif path.is_file():
            files.append(path)
    return files


def model_hash(root: Path = PROJECT_ROOT, inputs: Iterable[str] = MODEL_INPUTS) -> str:
    """A short hash of the training inputs' paths and contents."""
    digest = hashlib.sha256()
    for path in _input_files(root, inputs):
        digest.update(str(path.relative_to(root)).encode())
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


def ensure_model(models_dir: Path, root: Path = PROJECT_ROOT, data: str = "data") -> Path:
    """The cached model for the current inputs, training it first if needed."""
    models_dir.mkdir(parents=True, exist_ok=True)
    inputs = [*MODEL_INPUTS[:2], data, *MODEL_INPUTS[3:]]
    name = f"model-{model_hash(root, inputs)}"
    model = models_dir / f"{name}.tar.gz"
    with open(models_dir / ".train.lock", "w") as lock:
        # One training at a time: `make run` and the tests may start together.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if model.exists():
            log.info("model cached", extra={"fields": {"model": model.name}})
            return model
        print(f"Training the assistant ({name}); this takes a few minutes...", file=sys.stderr, flush=True)
        command = [
            str(RASA_BIN), "train", "--config", "config.yml", "--domain", "domain.yml", "--data", data,
            "--out", str(models_dir), "--fixed-model-name", name,
        ]  # fmt: skip
        result = subprocess.run(command, cwd=root, env=rasa_environment(), check=False)
        if result.returncode != 0 or not model.exists():
            raise TrainingFailed(f"rasa train exited with {result.returncode}")
    return model
