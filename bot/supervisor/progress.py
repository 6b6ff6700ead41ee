"""What ``make run`` tells the person who ran it: each step, progress while the
model trains, the processes' state, the URLs and errors, in plain lines.

Everything the processes print themselves (Rasa's environment emits hundreds of
library deprecation warnings) goes to their log files in ``VAR_DIR/logs``
instead; an error line from a log is quoted when its process dies.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

__all__ = ["Report", "last_error", "print_report", "training_progress", "watch_training"]

#: Prints one line for a person (``print_report``), or drops it (the tests' stacks).
Report = Callable[[str], None]

PROGRESS_EVERY_S: Final = 15.0
#: How much of a log's end is read for its last error or progress.
TAIL_BYTES: Final = 64 * 1024
_COMPONENT = re.compile(r"Starting to train component '([^']+)'")
_EPOCHS = re.compile(r"Epochs:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")
_ERROR = re.compile(r"\b(ERROR|CRITICAL|Traceback|Error:|Exception:)")


def print_report(line: str) -> None:
    print(line, flush=True)


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as log:
            log.seek(0, 2)
            log.seek(max(0, log.tell() - TAIL_BYTES))
            return log.read().decode("utf-8", "replace")
    except OSError:
        return ""


def training_progress(log_path: Path) -> str:
    """Where a training is, from the end of its log: the component and its epoch ("DIETClassifier, epoch 36/60")."""
    text = _tail(log_path)
    components: list[str] = _COMPONENT.findall(text)
    # tqdm redraws its bar with carriage returns: the last one drawn is the latest.
    epochs: list[tuple[str, str]] = _EPOCHS.findall(text.replace("\r", "\n"))
    if not components:
        return "preparing"
    where = components[-1]
    if epochs and text.rfind("Epochs:") > text.rfind(f"Starting to train component '{where}'"):
        done, total = epochs[-1]
        where = f"{where}, epoch {done}/{total}"
    return where


async def watch_training(log_path: Path, report: Report, started: float, every_s: float = PROGRESS_EVERY_S) -> None:
    """Report the training's progress every ``every_s`` until cancelled."""
    while True:
        await asyncio.sleep(every_s)
        where = await asyncio.to_thread(training_progress, log_path)
        report(f"  training… {_minutes(time.monotonic() - started)}: {where}")


def last_error(log_path: Path | None) -> str | None:
    """The last line of a log that reads as an error (the warnings Rasa's libraries print are not)."""
    if log_path is None:
        return None
    lines = [line.strip() for line in _tail(log_path).splitlines() if _ERROR.search(line)]
    return lines[-1][:300] if lines else None


def _minutes(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
