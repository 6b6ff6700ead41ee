"""The supervisor: ``python -m bot.supervisor`` runs the whole product on one machine.

It starts, as children it watches: Redis (``REDIS_URL``, or a private
``redis-server`` with append-only persistence), the action server, the Rasa
server on 127.0.0.1 with a token, and the gateway; trains the model first when
its inputs changed; restarts a child that dies; stops them all on Ctrl-C or
SIGTERM. The tests start the same :class:`Stack` once per session.

Which model Rasa serves: what the trainer page decided (a deploy, a refusal
that kept the old model, a rollback) is recorded in the models folder
(``bot.nlu.model_cache.read_serving``). A restarted Rasa serves the recorded
model while its file is there. At start-up the record is honoured only while
the training inputs are those it was decided for; once config, domain, data,
our NLU components or Rasa changed, ``make run`` trains and serves the model of
the inputs, as it always did, says that it set the record aside, and records
that model in service instead (the earlier ones stay there for a rollback).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import aiohttp

from bot.core.logs import configure_logging
from bot.core.paths import PROJECT_ROOT, RASA_VENV
from bot.core.redis_connection import connect as connect_redis
from bot.core.redis_connection import is_sentinel_url, parse_sentinel_url
from bot.core.settings import Settings, fill_missing_secrets, get_settings
from bot.nlu.model_cache import ensure_model, rasa_environment, read_serving, record_serving, training_plan
from bot.supervisor.progress import Report, last_error, print_report, watch_training

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 240.0
STOP_TIMEOUT_S = 15.0
MAX_RESTART_DELAY_S = 30.0


def rasa_worker_name(index: int) -> str:
    """The supervised child of Rasa worker ``index``: ``rasa``, ``rasa-2``, ..."""
    return "rasa" if index == 0 else f"rasa-{index + 1}"


def is_rasa_worker(name: str) -> bool:
    return name == "rasa" or name.startswith("rasa-")


class StackError(Exception):
    """A part of the stack could not be started."""


@dataclass
class Child:
    """One supervised process: how to start it, and the running process."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path | None = None
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    async def start(self) -> None:
        output: IO[bytes] | None = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = output = open(self.log_path, "ab")  # noqa: ASYNC230 - the child writes to it
        self.process = await asyncio.create_subprocess_exec(
            *self.command, cwd=PROJECT_ROOT, env=self.env, stdout=output, stderr=output, start_new_session=True
        )
        log.info("started", extra={"fields": {"child": self.name, "pid": self.process.pid}})

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def stop(self) -> None:
        process = self.process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
            log.info("stopped", extra={"fields": {"child": self.name, "code": process.returncode}})
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def redis_server_binary() -> str:
    """The redis-server to run: the system's (Debian's package)."""
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if binary is None:
        raise StackError("redis-server not found: run `make setup` (installs Debian's redis-server) or set REDIS_URL")
    return binary


def rasa_redis_environment(redis_url: str, tracker_ttl_s: int) -> dict[str, str]:
    """endpoints.yml takes Redis as host, port, db and password, or as sentinels and their service,
    and how long a tracker is kept (RETENTION_DAYS)."""
    ttl = {"RASA_TRACKER_TTL_S": str(tracker_ttl_s)}
    if is_sentinel_url(redis_url):
        address = parse_sentinel_url(redis_url)
        return {
            # Rasa's stores ask the sentinels; host and port are not used then.
            "RASA_REDIS_HOST": address.sentinels[0][0],
            "RASA_REDIS_PORT": str(address.sentinels[0][1]),
            "RASA_REDIS_DB": str(address.db),
            "RASA_REDIS_PASSWORD": address.password or "",
            "RASA_REDIS_SENTINELS": ",".join(f"{host}:{port}" for host, port in address.sentinels),
            "RASA_REDIS_SERVICE": address.service,
            **ttl,
        }
    parts = urlsplit(redis_url)
    db = parts.path.lstrip("/") or "0"
    return {
        "RASA_REDIS_HOST": parts.hostname or "127.0.0.1",
        "RASA_REDIS_PORT": str(parts.port or 6379),
        "RASA_REDIS_DB": db,
        "RASA_REDIS_PASSWORD": parts.password or "",
        "RASA_REDIS_SENTINELS": "",
        "RASA_REDIS_SERVICE": "",
        **ttl,
    }


class Stack:
    """Redis, action server, Rasa and gateway, started in order and stopped together."""

    def __init__(self, settings: Settings, log_dir: Path | None = None, report: Report | None = None) -> None:
        # Sessions survive a restart: the signing key is kept under VAR_DIR.
        fill_missing_secrets(settings, settings.var_dir / "session-secret")
        self.settings = settings
        self.log_dir = log_dir
        #: Plain lines for whoever ran `make run` (progress.py); the tests' stacks say nothing.
        self.report: Report = report or (lambda line: None)
        self.children: dict[str, Child] = {}
        self.model: Path | None = None

    def _child(self, name: str, command: list[str], env: dict[str, str]) -> Child:
        log_path = self.log_dir / f"{name}.log" if self.log_dir else None
        child = Child(name, command, env, log_path)
        self.children[name] = child
        return child

    def gateway_environment(self) -> dict[str, str]:
        """The gateway gets every setting, with the URLs and secrets resolved."""
        s = self.settings
        env = dict(os.environ)
        # An unset optional setting stays unset (not the text "None").
        env.update({name.upper(): str(value) for name, value in s.model_dump().items() if value is not None})
        env.update({"RASA_URLS": ",".join(s.resolved_rasa_urls), "ACTION_SERVER_URL": s.resolved_action_server_url})
        return env

    def _log_note(self, name: str) -> str:
        return f" (log: {self.log_dir / f'{name}.log'})" if self.log_dir else ""

    async def start(self) -> None:
        """Start every part and wait until the gateway reports ready."""
        s = self.settings
        started = time.monotonic()
        if not s.redis_url:
            note = self._log_note("redis")
            self.report(f"• Redis: starting a private redis-server on 127.0.0.1:{s.private_redis_port}{note}")
            await self._start_private_redis()
        elif is_sentinel_url(s.redis_url):
            address = parse_sentinel_url(s.redis_url)
            sentinels = ", ".join(f"{host}:{port}" for host, port in address.sentinels)
            self.report(f"• Redis: primary of '{address.service}' (db {address.db}), sentinels {sentinels} (REDIS_URL)")
        else:
            where = urlsplit(s.redis_url)
            self.report(f"• Redis: {where.hostname}:{where.port or 6379}{where.path or '/0'} (REDIS_URL)")
        await self._wait_for_redis()
        self.model = await self._model_with_progress()
        self.report(f"• Model: {self.model.name}")
        rasa_bin = str(RASA_VENV / "bin" / "rasa")
        actions_env = rasa_environment({"SANIC_HOST": "127.0.0.1"})
        self.report(f"• Action server: 127.0.0.1:{s.action_port}{self._log_note('actions')}")
        await self._child(
            "actions", [rasa_bin, "run", "actions", "--actions", "actions", "--port", str(s.action_port)], actions_env
        ).start()
        rasa_env = rasa_environment(
            {"ACTION_SERVER_URL": s.resolved_action_server_url, **rasa_redis_environment(s.redis_url, s.retention_s)}
        )
        if s.starts_rasa:
            workers = s.rasa_worker_count
            ports = f"{s.rasa_port}" if workers == 1 else f"{s.rasa_port}-{s.rasa_port + workers - 1}"
            self.report(f"• Rasa: {workers} worker(s) on 127.0.0.1:{ports}, loading the model{self._log_note('rasa')}")
            for index in range(workers):
                rasa_command = [
                    rasa_bin, "run", "--enable-api", "--auth-token", s.rasa_token, "--interface", "127.0.0.1",
                    "--port", str(s.rasa_port + index), "--model", str(self.model), "--credentials", "credentials.yml",
                    "--endpoints", "endpoints.yml",
                ]  # fmt: skip
                await self._child(rasa_worker_name(index), rasa_command, rasa_env).start()
        else:
            self.report(f"• Rasa: {', '.join(s.resolved_rasa_urls)} (started elsewhere)")
        self.report(f"• Gateway: {s.gateway_host}:{s.gateway_port}{self._log_note('gateway')}")
        await self._child("gateway", [sys.executable, "-m", "bot.gateway"], self.gateway_environment()).start()
        await self.wait_until_ready()
        self.report(f"• Ready in {time.monotonic() - started:.0f} s")

    async def _model_with_progress(self) -> Path:
        """:meth:`model_at_start`, off the event loop, saying how a training goes while it runs."""
        log_path = self.log_dir / "train.log" if self.log_dir else None
        watcher = None
        if log_path is not None:
            watcher = asyncio.create_task(watch_training(log_path, self.report, time.monotonic()))
        try:
            return await asyncio.to_thread(self.model_at_start, log_path)
        finally:
            if watcher is not None:
                watcher.cancel()

    async def _start_private_redis(self) -> None:
        s = self.settings
        port = s.private_redis_port
        data_dir = s.var_dir / "redis"
        data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--protected-mode", "yes",
            "--maxmemory", s.redis_maxmemory, "--maxmemory-policy", "noeviction",
        ]  # fmt: skip
        await self._child("redis", command, dict(os.environ)).start()
        s.redis_url = f"redis://127.0.0.1:{port}/0"

    async def _wait_for_redis(self, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        redis = connect_redis(self.settings.redis_url)
        try:
            while True:
                try:
                    if await redis.ping():
                        return
                except Exception as error:  # not up yet; retried until the deadline
                    if time.monotonic() > deadline:
                        raise StackError(f"Redis at {self.settings.redis_url} is not reachable: {error}") from error
                await asyncio.sleep(0.2)
        finally:
            await redis.aclose()

    async def wait_until_ready(self, timeout_s: float = READY_TIMEOUT_S, port: int | None = None) -> None:
        """Poll the gateway's /readyz (or that of the gateway on ``port``) until every dependency answers."""
        url = f"http://127.0.0.1:{port or self.settings.gateway_port}/readyz"
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                for child in self.children.values():
                    if not child.running:
                        raise StackError(f"{child.name} exited while starting; see its log")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(url, timeout=aiohttp.ClientTimeout(total=3)) as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(1.0)
        raise StackError(f"the stack was not ready within {timeout_s:.0f} s")

    async def supervise(self, stop: asyncio.Event) -> None:
        """Restart children that die, with a doubling delay, until ``stop`` is set."""
        while not stop.is_set():
            for child in self.children.values():
                if not child.running and not stop.is_set():
                    delay = min(2.0**child.restarts, MAX_RESTART_DELAY_S)
                    log.warning("child exited; restarting", extra={"fields": {"child": child.name, "in_s": delay}})
                    code = child.process.returncode if child.process else None
                    error = last_error(child.log_path)
                    self.report(
                        f"! {child.name} exited (code {code}); restarting in {delay:.0f} s"
                        + (f". Last error in its log: {error}" if error else "")
                    )
                    child.restarts += 1
                    await asyncio.sleep(delay)
                    if is_rasa_worker(child.name):
                        self._serve_latest_model(child)
                    await child.start()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)

    def model_at_start(self, log_path: Path | None = None) -> Path:
        """The recorded model in service if nothing changed since it was decided on, else the inputs' model.

        The inputs' model is trained first if needed (:func:`ensure_model`); if it
        sets a record aside, it is recorded in service instead, so that a restarted
        Rasa serves it too. Blocking.
        """
        s = self.settings
        record = read_serving(s.models_dir, s.training_data_dir)
        if not record.current:
            return ensure_model(s.models_dir, PROJECT_ROOT, s.training_data_dir, log_path)
        planned, _ = training_plan(s.models_dir, PROJECT_ROOT, s.training_data_dir)
        recorded = s.models_dir / record.current
        fields = {"model": record.current, "inputs_model": planned.name}
        if recorded.is_file() and record.decided_for == planned.name:
            log.info("serving the recorded model", extra={"fields": fields})
            return recorded
        why = "its file is gone" if not recorded.is_file() else "the training inputs changed since it was decided on"
        log.warning(f"the recorded model is set aside: {why}; serving the inputs' model", extra={"fields": fields})
        model = ensure_model(s.models_dir, PROJECT_ROOT, s.training_data_dir, log_path)
        try:
            record_serving(s.models_dir, s.training_data_dir, model.name, decided_for=model.name)
        except OSError:
            log.exception("could not record the model in service")
        return model

    def model_for_restart(self) -> Path | None:
        """What a restarted Rasa serves: the recorded model, else the current data's if it was trained since."""
        s = self.settings
        record = read_serving(s.models_dir, s.training_data_dir)
        if record.current and (s.models_dir / record.current).is_file():
            return s.models_dir / record.current
        latest, _ = training_plan(s.models_dir, PROJECT_ROOT, s.training_data_dir)
        return latest if latest.exists() else None

    def _serve_latest_model(self, rasa: Child) -> None:
        """Point a Rasa about to restart at :meth:`model_for_restart` (it keeps its model if there is none)."""
        model = self.model_for_restart()
        if model is not None and "--model" in rasa.command:
            rasa.command[rasa.command.index("--model") + 1] = str(model)
            self.model = model

    async def stop(self) -> None:
        """Stop every child, the gateway first and Redis last."""
        for name in reversed(list(self.children)):
            await self.children[name].stop()


def print_urls(settings: Settings) -> None:
    base = settings.public_url or f"http://{settings.gateway_host}:{settings.gateway_port}"
    print(
        f"\nDemo Shop support is running.\n"
        f"  demo shop page : {base}/\n"
        f"  widget script  : {base}/widget.js\n"
        f"  agent console  : {base}/console/\n"
        f"  trainer page   : {base}/trainer/  (trainers, supervisors)\n"
        f"  health / ready : {base}/healthz  {base}/readyz\n"
        f"  analytics      : {base}/dashboard/  (supervisors, trainers)  metrics: {base}/metrics\n"
        f"  redis          : {settings.redis_url}\n"
        f"Press Ctrl-C to stop.\n",
        flush=True,
    )
    for warning in production_warnings(settings):
        print(f"warning: {warning}", flush=True)


def production_warnings(settings: Settings) -> list[str]:
    """Settings that are fine on a laptop and wrong on the internet."""
    warnings = []
    if settings.origins == "*":
        warnings.append("ALLOWED_ORIGINS is *: any web site may embed the widget; set your shop's origins")
    if not settings.metrics_token:
        warnings.append("METRICS_TOKEN is empty: /metrics answers only scrapers on this machine")
    return warnings


async def run() -> None:
    settings = get_settings()
    log_dir = settings.var_dir / "logs"
    # The supervisor's own records go to its log too; the terminal gets plain lines (progress.py).
    configure_logging(settings.log_level, log_dir / "supervisor.log")
    print_report(f"Starting Demo Shop support; every process logs to {log_dir}/")
    stack = Stack(settings, log_dir=log_dir, report=print_report)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stack.start()
        print_urls(settings)
        await stack.supervise(stop)
    finally:
        print_report("Stopping…")
        await stack.stop()
        print_report("Stopped.")


def main() -> None:
    try:
        asyncio.run(run())
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from error


if __name__ == "__main__":
    main()
