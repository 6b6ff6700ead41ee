"""A customer's chat round trip while 300 wrong logins arrive at once, against the same gateway idle.

Starts its own stack (like the tests). Measures a customer's turn (send ->
first reply) idle, then sent as a burst of 300 parallel wrong logins starts, once per burst:
(a) one address guessing one account, the case the lockout stops after
10 hashes; (b) 300 addresses and 300 accounts (through X-Forwarded-For from a
trusted proxy), the case only the bounded hashing pool stops. Prints p50, p95,
p99 and max per phase and what the logins were answered; the ratios to idle are
the figures to compare (absolute times on a shared machine are noise).

    .venv/bin/python -m benchmarks.bench_login_burst [--turns 40]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from benchmarks.common import bench_settings
from bot.supervisor.stack import Stack
from tests.helpers import CustomerClient

BURST = 300


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def summary(name: str, times: list[float], idle: list[float] | None = None) -> str:
    ordered = sorted(times)
    p50, p95, p99 = (percentile(ordered, s) * 1000 for s in (0.5, 0.95, 0.99))
    line = f"{name:<34} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms  max {ordered[-1] * 1000:7.1f} ms"
    if idle:
        line += f"   p50 x{statistics.median(times) / statistics.median(idle):.2f}"
        line += f"  p99 x{percentile(ordered, 0.99) / percentile(sorted(idle), 0.99):.2f}"
    return line


async def turns(customer: CustomerClient, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await customer.send("thank you")
        await customer.next("bot_uttered")
        times.append(time.perf_counter() - started)
        await asyncio.sleep(0.05)
    return times


async def burst(http: aiohttp.ClientSession, url: str, distributed: bool, round_: int) -> Counter[int | str]:
    """300 wrong logins at once; what they were answered."""
    statuses: Counter[int | str] = Counter()

    async def attempt(n: int) -> None:
        headers = {"X-Forwarded-For": f"10.{round_ % 250}.{n // 250}.{n % 250}"} if distributed else {}
        body = {"username": f"guesser{n}" if distributed else "mallory", "password": f"guess-{round_}-{n}"}
        try:
            async with http.post(f"{url}/api/agent/login", json=body, headers=headers) as response:
                statuses[response.status] += 1
        except aiohttp.ClientError as error:  # counted, so a failure shows in the figures
            statuses[type(error).__name__] += 1

    await asyncio.gather(*(attempt(n) for n in range(BURST)))
    return statuses


async def turns_during_bursts(
    customer: CustomerClient, url: str, distributed: bool, count: int
) -> tuple[list[float], Counter[int | str]]:
    """One customer turn sent as each of ``count`` bursts starts."""
    times: list[float] = []
    statuses: Counter[int | str] = Counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=BURST)) as http:
        for round_ in range(count):
            attack = asyncio.create_task(burst(http, url, distributed, round_))
            await asyncio.sleep(0.01)
            times.extend(await turns(customer, 1))
            statuses.update(await attack)
    return times, statuses


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        settings = bench_settings(Path(var_dir), trusted_proxies="127.0.0.1")
        stack = Stack(settings, log_dir=Path(var_dir) / "logs")
        await stack.start()
        url = f"http://127.0.0.1:{settings.gateway_port}"
        try:
            customer = CustomerClient(url)
            await customer.connect()
            await turns(customer, 5)  # warm up
            idle = await turns(customer, count)
            print(summary("idle", idle))
            for name, distributed in (("one address, one account", False), ("300 addresses, 300 accounts", True)):
                during, statuses = await turns_during_bursts(customer, url, distributed, count)
                print(summary(f"during a burst: {name}", during, idle))
                print(f"{'':<34} logins answered: {dict(statuses.most_common())}")
            await customer.close()
        finally:
            await stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=30, help="turns idle, and bursts per scenario")
    asyncio.run(run(parser.parse_args().turns))


if __name__ == "__main__":
    main()
