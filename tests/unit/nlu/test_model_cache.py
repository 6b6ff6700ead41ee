"""The model cache: a model is named by a hash of exactly what it was trained from; and the record of
the model in service, which a restart of Rasa relies on."""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.core.paths import PROJECT_ROOT
from bot.nlu.model_cache import (
    MODEL_INPUTS,
    SERVING_FILE,
    SERVING_HISTORY,
    ServingRecord,
    model_hash,
    read_serving,
    record_rollback,
    record_serving,
    training_plan,
)


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


def test_deploys_are_recorded_newest_first_without_repeats_and_bounded(tmp_path: Path) -> None:
    models, data = tmp_path / "models", tmp_path / "data"
    data.mkdir()
    assert read_serving(models, data) == ServingRecord(), "nothing recorded yet"
    record_serving(models, data, "model-1.tar.gz", decided_for="model-1.tar.gz", replacing="model-0.tar.gz")
    for n in range(2, 10):
        record_serving(models, data, f"model-{n}.tar.gz", decided_for=f"model-{n}.tar.gz", replacing="")
    record = read_serving(models, data)
    assert record.current == "model-9.tar.gz" and record.decided_for == "model-9.tar.gz"
    assert record.previous == tuple(f"model-{n}.tar.gz" for n in range(8, 8 - SERVING_HISTORY, -1))
    # A refusal keeps the model in service and records what it was decided for.
    refused = record_serving(models, data, "model-9.tar.gz", decided_for="model-10.tar.gz", replacing="model-9.tar.gz")
    assert refused == ServingRecord("model-9.tar.gz", record.previous, "model-10.tar.gz")
    # A model served again moves to the front instead of appearing twice.
    again = record_serving(models, data, "model-7.tar.gz", decided_for="x", replacing="model-9.tar.gz")
    assert again.previous[:3] == ("model-9.tar.gz", "model-8.tar.gz", "model-6.tar.gz")
    assert read_serving(models, str(data)) == again, "the same folder, however it is named"
    assert (models / SERVING_FILE).stat().st_mode & 0o777 == 0o644, "readable like the models beside it"


def test_a_rollback_drops_the_models_recorded_after_it(tmp_path: Path) -> None:
    models, data = tmp_path / "models", tmp_path / "data"
    data.mkdir()
    for name in ("a", "b", "c"):
        record_serving(models, data, name, decided_for=name)
    assert record_rollback(models, data, "b", decided_for="c") == ServingRecord("b", ("a",), "c")
    assert read_serving(models, data) == ServingRecord("b", ("a",), "c")


def test_the_rollback_target_is_the_newest_other_model_still_on_disk(tmp_path: Path) -> None:
    for name in ("b", "d"):
        (tmp_path / name).write_bytes(b"a model")
    record = ServingRecord("a", ("b", "c", "d"))
    assert record.rollback_target(tmp_path, serving="a") == "b"
    assert record.rollback_target(tmp_path, serving="b") == "d", "c is gone"
    assert ServingRecord("b", ("a",)).rollback_target(tmp_path, serving="x") == "b", "the record was set aside"
    assert ServingRecord().rollback_target(tmp_path, serving="a") == ""


def test_the_record_is_replaced_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    models, data = tmp_path / "models", tmp_path / "data"
    data.mkdir()
    record_serving(models, data, "model-1.tar.gz", decided_for="model-1.tar.gz")
    before = (models / SERVING_FILE).read_bytes()

    def crash(source: str, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        record_serving(models, data, "model-2.tar.gz", decided_for="model-2.tar.gz")
    assert (models / SERVING_FILE).read_bytes() == before, "the old record is untouched"
    assert sorted(path.name for path in models.iterdir()) == [".serving.lock", SERVING_FILE], "no temp file left"


def test_writers_of_several_folders_at_once_lose_nothing(tmp_path: Path) -> None:
    folders = [tmp_path / f"data-{n}" for n in range(6)]
    for folder in folders:
        folder.mkdir()

    def deploy(folder: Path) -> None:
        for n in range(5):
            record_serving(tmp_path / "models", folder, f"{folder.name}-{n}", decided_for="")

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(deploy, folders))
    for folder in folders:
        assert read_serving(tmp_path / "models", folder).current == f"{folder.name}-4"


def test_records_of_folders_that_are_gone_are_dropped_and_an_unreadable_file_is_no_record(tmp_path: Path) -> None:
    models, kept, gone = tmp_path / "models", tmp_path / "kept", tmp_path / "gone"
    kept.mkdir()
    gone.mkdir()
    record_serving(models, gone, "model-gone", decided_for="")
    shutil.rmtree(gone)
    record_serving(models, kept, "model-kept", decided_for="")
    assert list(json.loads((models / SERVING_FILE).read_text())) == [str(kept.resolve())]

    (models / SERVING_FILE).write_text("{not json")
    assert read_serving(models, kept) == ServingRecord()
    record_serving(models, kept, "model-new", decided_for="")
    assert read_serving(models, kept).current == "model-new"
