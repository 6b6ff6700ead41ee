"""Our gateway against Rasa's own socketio channel: the alternative a shop would pick.

Starts a stack of its own (like the tests) and, beside it, a second Rasa server on
the same model, endpoints and Redis with Rasa's ``socketio`` channel enabled (over
long-polling: its websocket breaks on Python 3.11). Each simulated customer is a
socket.io client of its own. The scenario is closed loop: ``--conversations``
customers at once, each sending five messages (order tracking in English, a return
question in Armenian, payment methods in Persian, delivery time in Malay, "thanks,
bye") and waiting for the first reply before the next. The two channels run in turn,
``--rounds`` times each, so both see the same machine.

The open-loop scenario (``--scenario open``, or ``both``, the default; see
benchmarks/open_loop.py) asks what issue 12 asks: ``--open-conversations`` open at
once, each sending one of the same messages every ``--interval-s`` seconds for
``--duration-s`` seconds without waiting for the replies; each message is timed from
when it was due to its first reply.

One JSON line per run (replies, errors, msg/s, p50/p95/p99 to the first reply, RSS
of each process), then the side-by-side table and the ratios. Absolute times on a
shared machine are noise; the ratios measured in one run are the figures.

    .venv/bin/python -m benchmarks.bench_channels [--conversations 50] [--rounds 2]
        [--scenario closed|open|both] [--open-conversations 1000] [--interval-s 5] [--duration-s 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import socketio

from benchmarks.common import bench_settings
from benchmarks.open_loop import OpenLoopPlan, OpenLoopResult, open_loop, print_open_table
from bot.core.paths import RASA_VENV
from bot.nlu.model_cache import rasa_environment
from bot.supervisor.stack import Child, Stack, rasa_redis_environment
from tests.helpers import free_port

TURNS = [
    ("en", "where is my order? I need the tracking number"),
    ("hy", "Ինչպե՞ս վերադարձնել ապրանքը"),
    ("fa", "چه روش‌های پرداختی دارید؟"),
    ("ms", "berapa lama penghantaran ke sabah?"),
    ("en", "thanks, bye"),
]
REPLY_TIMEOUT_S = 30.0
SOCKETIO_CREDENTIALS = """socketio:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""


@dataclass
class Result:
    channel: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    wall_s: float = 0.0
    rss_mb: dict[str, float] = field(default_factory=dict)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")

    def line(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "replies": len(self.latencies_ms),
            "errors": self.errors,
            "msg_per_s": round(len(self.latencies_ms) / self.wall_s, 1) if self.wall_s else 0.0,
            "p50_ms": round(self.percentile(0.5)),
            "p95_ms": round(self.percentile(0.95)),
            "p99_ms": round(self.percentile(0.99)),
            "rss_mb": self.rss_mb,
        }


class Customer:
    """One socket.io customer: sends a message, waits for the first ``bot_uttered``."""

    def __init__(self, url: str, transports: list[str], rasa_channel: bool) -> None:
        self.url, self.transports, self.rasa_channel = url, transports, rasa_channel
        self.sio = socketio.AsyncClient(reconnection=False)
        self.replies: asyncio.Queue[Any] = asyncio.Queue()
        self.confirmed: asyncio.Queue[Any] = asyncio.Queue()
        self.session_id = uuid.uuid4().hex
        self.sio.on("bot_uttered", self.replies.put)
        self.sio.on("session_confirm", self.confirmed.put)

    async def connect(self) -> None:
        await self.sio.connect(self.url, transports=self.transports, wait_timeout=REPLY_TIMEOUT_S)
        request: dict[str, Any] = {"session_id": self.session_id if self.rasa_channel else None}
        await self.sio.emit("session_request", request)
        confirmed = await asyncio.wait_for(self.confirmed.get(), REPLY_TIMEOUT_S)
        if not self.rasa_channel:
            self.session_id = confirmed

    async def turn(self, language: str, text: str) -> float:
        while not self.replies.empty():
            self.replies.get_nowait()  # a late second reply of the turn before
        started = time.perf_counter()
        payload = {"message": text, "session_id": self.session_id, "customData": {"language": language}}
        await self.sio.emit("user_uttered", payload)
        await asyncio.wait_for(self.replies.get(), REPLY_TIMEOUT_S)
        return (time.perf_counter() - started) * 1000

    async def close(self) -> None:
        await self.sio.disconnect()


def rss_mb(pid: int | None) -> float:
    """Resident memory of a process and its children (Rasa forks none; the figure is the process's own)."""
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


async def closed_loop(channel: str, make: Callable[[], Customer], conversations: int) -> Result:
    result = Result(channel)
    customers = [make() for _ in range(conversations)]
    await asyncio.gather(*(customer.connect() for customer in customers))

    async def converse(customer: Customer) -> None:
        for language, text in TURNS:
            try:
                result.latencies_ms.append(await customer.turn(language, text))
            except (TimeoutError, socketio.exceptions.SocketIOError):
                result.errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(converse(customer) for customer in customers))
    result.wall_s = time.perf_counter() - started
    await asyncio.gather(*(customer.close() for customer in customers), return_exceptions=True)
    return result


async def start_socketio_rasa(stack: Stack, var_dir: Path) -> tuple[Child, str]:
    """Rasa with its own socketio channel, on the stack's model, endpoints and Redis."""
    s = stack.settings
    credentials = var_dir / "socketio-credentials.yml"
    credentials.write_text(SOCKETIO_CREDENTIALS, encoding="utf-8")
    port = free_port()
    stores = rasa_redis_environment(s.redis_url, s.retention_s)
    env = rasa_environment({"ACTION_SERVER_URL": s.resolved_action_server_url, **stores})
    command = [
        str(RASA_VENV / "bin" / "rasa"), "run", "--interface", "127.0.0.1", "--port", str(port),
        "--model", str(stack.model), "--credentials", str(credentials), "--endpoints", "endpoints.yml",
    ]  # fmt: skip
    child = Child("rasa-socketio", command, env, var_dir / "logs" / "rasa-socketio.log")
    await child.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"{url}/socket.io/?EIO=4&transport=polling") as response:
                    if response.status == 200:
                        return child, url
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(1.0)
    raise RuntimeError("Rasa's socketio channel did not come up; see rasa-socketio.log")


async def run(conversations: int, rounds: int, closed: bool, plan: OpenLoopPlan | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        settings = bench_settings(var_dir)
        stack = Stack(settings, log_dir=var_dir / "logs")
        await stack.start()
        socketio_rasa: Child | None = None
        try:
            socketio_rasa, rasa_url = await start_socketio_rasa(stack, var_dir)
            gateway_url = f"http://127.0.0.1:{settings.gateway_port}"
            pids = {name: child.process.pid if child.process else None for name, child in stack.children.items()}
            pids["rasa-socketio"] = socketio_rasa.process.pid if socketio_rasa.process else None

            def rss_now() -> dict[str, float]:
                return {process: rss_mb(pid) for process, pid in pids.items()}

            channels: dict[str, Callable[[], Customer]] = {
                "gateway": lambda: Customer(gateway_url, ["websocket"], rasa_channel=False),
                "rasa-socketio": lambda: Customer(rasa_url, ["polling"], rasa_channel=True),
            }
            endpoints = {"gateway": (gateway_url, ["websocket"], False), "rasa-socketio": (rasa_url, ["polling"], True)}
            # Warm both up (first model calls, connection pools) before measuring.
            for make in channels.values():
                await closed_loop("warm-up", make, 2)
            results: dict[str, list[Result]] = {name: [] for name in channels}
            open_results: dict[str, list[OpenLoopResult]] = {name: [] for name in channels}
            for _ in range(rounds if closed else 0):
                for name, make in channels.items():
                    result = await closed_loop(name, make, conversations)
                    result.rss_mb = rss_now()
                    results[name].append(result)
                    print(json.dumps(result.line()), flush=True)
            # The open loop's rounds after the closed loop's: those run as they always did.
            if plan is not None:
                for _ in range(rounds):
                    for name, (url, transports, rasa_channel) in endpoints.items():
                        opened = await open_loop(
                            name, url, transports, rasa_channel, plan, TURNS, REPLY_TIMEOUT_S, rss_now
                        )
                        open_results[name].append(opened)
                        print(json.dumps(opened.line()), flush=True)
        finally:
            if socketio_rasa is not None:
                await socketio_rasa.stop()
            await stack.stop()
    if closed:
        print_table(results, conversations)
    if plan is not None:
        print_open_table(open_results)


def print_table(results: dict[str, list[Result]], conversations: int) -> None:
    merged = {name: merge(name, runs) for name, runs in results.items()}
    print(f"\n{conversations} conversations, closed loop, {len(TURNS)} messages each")
    print("| channel | replies | errors | msg/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for line in (result.line() for result in merged.values()):
        print(
            f"| {line['channel']} | {line['replies']} | {line['errors']} | {line['msg_per_s']} | "
            f"{line['p50_ms']} | {line['p95_ms']} | {line['p99_ms']} |"
        )
    ours, theirs = merged["gateway"].line(), merged["rasa-socketio"].line()
    if theirs["msg_per_s"] and theirs["p99_ms"]:
        print(
            f"gateway / Rasa socketio: throughput {ours['msg_per_s'] / theirs['msg_per_s']:.2f}x, "
            f"p50 {ours['p50_ms'] / max(theirs['p50_ms'], 1):.2f}x, p99 {ours['p99_ms'] / theirs['p99_ms']:.2f}x"
        )


def merge(name: str, runs: list[Result]) -> Result:
    merged = Result(name)
    for result in runs:
        merged.latencies_ms += result.latencies_ms
        merged.errors += result.errors
        merged.wall_s += result.wall_s
    merged.rss_mb = runs[-1].rss_mb if runs else {}
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scenario", choices=["closed", "open", "both"], default="both")
    parser.add_argument("--open-conversations", type=int, default=1000)
    parser.add_argument("--interval-s", type=float, default=5.0, help="open loop: between one conversation's messages")
    parser.add_argument("--duration-s", type=float, default=60.0, help="open loop: how long they send")
    args = parser.parse_args()
    plan = OpenLoopPlan(args.open_conversations, args.interval_s, args.duration_s)
    closed = args.scenario in ("closed", "both")
    asyncio.run(run(args.conversations, args.rounds, closed, plan if args.scenario in ("open", "both") else None))


if __name__ == "__main__":
    main()
