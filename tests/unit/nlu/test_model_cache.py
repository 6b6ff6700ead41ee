"""The model cache: a model is named by a hash of exactly what it was trained from."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.core.paths import PROJECT_ROOT
from bot.nlu.model_cache import MODEL_INPUTS, model_hash, training_plan


def copy_inputs(tmp_path: Path) -> Path:
    for name in MODEL_INPUTS:
        source, target = PROJECT_ROOT / name, tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    return tmp_path


def test_every_input_exists() -> None:
    assert all((PROJECT_ROOT / name).exists() for name in MODEL_INPUTS), "an input moved: update MODEL_INPUTS"


def test_the_hash_changes_with_any_input_and_not_with_where_it_lives(tmp_path: Path) -> None:
    root = copy_inputs(tmp_path)
    assert model_hash(root) == model_hash(PROJECT_ROOT)
    example = root / "data" / "nlu" / "hy" / "nlu.yml"
    example.write_text(example.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    changed = model_hash(root)
    assert changed != model_hash(PROJECT_ROOT)
    component = root / "bot" / "nlu" / "normalise.py"
    component.write_text(component.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert model_hash(root) != changed


def test_the_plan_names_the_model_by_its_hash(tmp_path: Path) -> None:
    model, command = training_plan(tmp_path / "models")
    assert model.name == f"model-{model_hash()}.tar.gz"
    assert command[1] == "train" and "--fixed-model-name" in command
