"""`make run`'s supervisor, run as a newcomer runs it (`python -m bot.supervisor`): it says
each step, the processes' state, the URLs and errors in plain lines, and nothing of the
library warnings, which stay in the per-process logs. With a cached model, how long from
the command to ready is printed (issue 12 asks for it)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.core.paths import MODELS_DIR, PROJECT_ROOT
from bot.nlu.model_cache import ensure_model
from tests.helpers import free_port

#: The last line of the URLs printed once everything is ready.
READY_LINE = "Press Ctrl-C to stop."


async def read_until(stream: asyncio.StreamReader, seen: list[str], wanted: str, timeout_s: float) -> None:
    async def scan() -> None:
        while not any(wanted in line for line in seen):
            line = await stream.readline()
            if not line:
                raise AssertionError(f"the supervisor stopped before {wanted!r}:\n" + "".join(seen))
            seen.append(line.decode("utf-8", "replace"))

    await asyncio.wait_for(scan(), timeout_s)


@pytest.mark.timeout(420)
async def test_make_run_says_what_it_does_and_keeps_library_noise_in_the_logs(tmp_path: Path) -> None:
    await asyncio.to_thread(ensure_model, MODELS_DIR)  # cached: the suite trained it first
    action_port = free_port()
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "MODELS_DIR": str(MODELS_DIR),
        "REDIS_URL": "",
        "PRIVATE_REDIS_PORT": str(free_port()),
        "GATEWAY_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(action_port),
        "SESSION_SECRET": "run-command-test-secret",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    started = time.monotonic()
    supervisor = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.supervisor", cwd=PROJECT_ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert supervisor.stdout is not None
    seen: list[str] = []
    try:
        await read_until(supervisor.stdout, seen, READY_LINE, 300)
        print(f"\nfrom the run command to ready, model cached: {time.monotonic() - started:.1f} s")
        output = "".join(seen)
        for step in ("• Redis:", "• Model: model-", "• Action server:", "• Rasa:", "• Gateway:", "• Ready in"):
            assert step in output, output
        assert "/console/" in output and "/widget.js" in output
        assert "Warning" not in output and "warn(" not in output, output
        logs = tmp_path / "logs"
        assert (logs / "rasa.log").stat().st_size > 0 and (logs / "actions.log").is_file()

        # A process that dies is restarted, and the terminal says so.
        killer = await asyncio.create_subprocess_exec("pkill", "-f", f"actions --port {action_port}")
        assert await killer.wait() == 0
        await read_until(supervisor.stdout, seen, "! actions exited", 30)
    finally:
        if supervisor.returncode is None:
            supervisor.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(supervisor.stdout.read(), 60)
        seen.append(rest.decode("utf-8", "replace"))
        code = await asyncio.wait_for(supervisor.wait(), 10)
    assert "Stopped." in seen[-1] and code == 0, "".join(seen)
