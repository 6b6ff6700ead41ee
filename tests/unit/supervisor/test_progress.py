"""What `make run` says while it trains and when a process dies, read from real log shapes."""

from __future__ import annotations

from pathlib import Path

from bot.supervisor.progress import last_error, training_progress

TRAINING_LOG = (
    "/x/tensorflow/debugger_cli_common.py:19: DeprecationWarning: module 'sre_constants' is deprecated\n"
    "2026-12-02 10:28:59 INFO     rasa.engine.training.hooks  - Starting to train component 'DIETClassifier'.\n"
    "Epochs:   0%|          | 0/60 [00:00<?, ?it/s]"
    "\rEpochs:   2%|▏         | 1/60 [00:06<05:59,  6.10s/it, t_loss=4.32, i_acc=0.635]"
    "\rEpochs:  60%|██████    | 36/60 [01:45<00:50,  2.10s/it, t_loss=4.04, i_acc=0.998]"
)


def test_training_progress_names_the_component_and_its_epoch(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    assert training_progress(log) == "preparing"  # nothing written yet
    log.write_text(TRAINING_LOG, encoding="utf-8")
    assert training_progress(log) == "DIETClassifier, epoch 36/60"
    with log.open("a", encoding="utf-8") as more:
        more.write(
            "\n2026-12-02 10:30:19 INFO rasa.engine.training.hooks - Starting to train component 'RulePolicy'.\n"
        )
    assert training_progress(log) == "RulePolicy"


def test_the_last_error_of_a_log_is_quoted_and_warnings_are_not(tmp_path: Path) -> None:
    log = tmp_path / "rasa.log"
    log.write_text(
        "UserWarning: Tensorflow was built without...\n"
        "2026-12-02 10:00:00 ERROR    rasa.core.agent  - Could not load model due to Cannot find model.\n"
        "/x/sqlalchemy/base.py:1: MovedIn20Warning: Deprecated API features detected!\n",
        encoding="utf-8",
    )
    assert (
        last_error(log)
        == "2026-12-02 10:00:00 ERROR    rasa.core.agent  - Could not load model due to Cannot find model."
    )
    assert last_error(tmp_path / "missing.log") is None
    assert last_error(None) is None
