"""What the supervisor tells whoever runs the product, and which model it gives Rasa at start-up and on a
restart (the processes themselves are tested in tests/integration/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.paths import PROJECT_ROOT
from bot.core.settings import Settings
from bot.nlu.model_cache import read_serving, record_serving, training_plan
from bot.supervisor.stack import Child, Stack, production_warnings


def test_open_defaults_are_warned_about_and_set_ones_are_not() -> None:
    open_defaults = production_warnings(Settings(allowed_origins="*", metrics_token=""))
    assert any("ALLOWED_ORIGINS" in warning for warning in open_defaults)
    assert any("METRICS_TOKEN" in warning for warning in open_defaults)
    assert production_warnings(Settings(allowed_origins="https://shop.example", metrics_token="t" * 20)) == []


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    settings = Settings(var_dir=tmp_path, models_dir=tmp_path / "models", training_data_dir=PROJECT_ROOT / "data")
    return Stack(settings)


def model_file(stack: Stack, name: str) -> Path:
    path = stack.settings.models_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a model")
    return path


def data_model(stack: Stack) -> Path:
    """The model of the data (present, so that nothing is trained)."""
    s = stack.settings
    return model_file(stack, training_plan(s.models_dir, PROJECT_ROOT, s.training_data_dir)[0].name)


def record(stack: Stack, current: str, decided_for: str) -> None:
    record_serving(stack.settings.models_dir, stack.settings.training_data_dir, current, decided_for=decided_for)


def test_a_restarted_rasa_serves_the_recorded_model_else_the_latest_of_the_data(stack: Stack) -> None:
    rasa = Child("rasa", ["rasa", "run", "--model", "models/model-old.tar.gz", "--port", "5005"], {})
    stack._serve_latest_model(rasa)
    assert rasa.command[3] == "models/model-old.tar.gz", "nothing recorded, nothing newer trained: keep the model"
    latest = data_model(stack)
    stack._serve_latest_model(rasa)
    assert rasa.command == ["rasa", "run", "--model", str(latest), "--port", "5005"]
    # The trainer page refused the data's model and kept another, or a supervisor rolled back to it.
    kept = model_file(stack, "model-kept.tar.gz")
    record(stack, kept.name, decided_for=latest.name)
    stack._serve_latest_model(rasa)
    assert rasa.command[3] == str(kept) and stack.model == kept
    kept.unlink()
    stack._serve_latest_model(rasa)
    assert rasa.command[3] == str(latest), "a recorded model whose file is gone is not served"


def test_start_up_serves_the_recorded_model_while_the_inputs_are_those_it_was_decided_for(stack: Stack) -> None:
    latest = data_model(stack)
    kept = model_file(stack, "model-kept.tar.gz")
    record(stack, kept.name, decided_for=latest.name)
    assert stack.model_at_start() == kept


def test_start_up_sets_a_record_of_other_inputs_aside_and_serves_the_inputs_model(stack: Stack) -> None:
    latest = data_model(stack)
    stale = model_file(stack, "model-of-other-config.tar.gz")
    record(stack, stale.name, decided_for="model-of-other-config.tar.gz")
    assert stack.model_at_start() == latest
    recorded = read_serving(stack.settings.models_dir, stack.settings.training_data_dir)
    assert (recorded.current, recorded.previous) == (latest.name, (stale.name,)), "a restart serves it too"
    assert stack.model_for_restart() == latest


def test_start_up_without_a_record_or_with_its_model_gone_serves_the_inputs_model(stack: Stack) -> None:
    latest = data_model(stack)
    assert stack.model_at_start() == latest
    assert read_serving(stack.settings.models_dir, stack.settings.training_data_dir).current == ""
    record(stack, "model-deleted.tar.gz", decided_for=latest.name)
    assert stack.model_at_start() == latest


def test_the_gateway_gets_every_setting_but_unset_ones(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, session_secret="s", rasa_token="t", retention_days=2)
    env = Stack(settings).gateway_environment()
    assert env["RETENTION_DAYS"] == "2.0" and env["SESSION_SECRET"] == "s"
    # Not the text "None": the gateway would store attachments in a folder of that name.
    assert "ATTACHMENTS_DIR" not in env or env["ATTACHMENTS_DIR"] != "None"
