"""What the gateway adds to a turn: Rasa's REST webhook alone vs. through the gateway.

Starts its own stack (like the tests) and sends the same messages both ways,
one at a time, alternating, so both see the same machine load. Prints median
and p90 round-trip times and their ratio; absolute times on a shared machine
are noise, the ratio is the figure to compare.

    .venv/bin/python -m benchmarks.bench_gateway [--messages 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.common import bench_settings
from bot.core.languages import SUPPORTED_LANGUAGES
from bot.supervisor.stack import Stack
from tests.helpers import CustomerClient

MESSAGES = ["where is my parcel", "سفارشم کجاست", "Ինչպե՞ս հետևել իմ ծանրոցին", "boleh bayar guna paypal?"]
LANGUAGES = list(SUPPORTED_LANGUAGES)


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return f"{name:<22} median {statistics.median(ordered) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms"


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        settings = bench_settings(Path(var_dir))
        stack = Stack(settings, log_dir=Path(var_dir) / "logs")
        await stack.start()
        try:
            direct: list[float] = []
            gateway: list[float] = []
            acked: list[float] = []
            customer = CustomerClient(f"http://127.0.0.1:{settings.gateway_port}")
            await customer.connect()
            webhook = f"{settings.resolved_rasa_url}/webhooks/rest/webhook"
            async with aiohttp.ClientSession() as http:
                for i in range(count):
                    text = MESSAGES[i % len(MESSAGES)]
                    started = time.perf_counter()
                    # Same shape as the gateway's call: one conversation, language in the metadata.
                    language = LANGUAGES[i % len(LANGUAGES)]
                    body = {"sender": "bench-direct", "message": text, "metadata": {"language": language}}
                    async with http.post(webhook, json=body) as response:
                        await response.json()
                    direct.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    await customer.send(text)
                    await customer.next("message_ack")
                    acked.append(time.perf_counter() - started)
                    await customer.next("bot_uttered")
                    gateway.append(time.perf_counter() - started)
            await customer.close()
        finally:
            await stack.stop()
    print(summary("rasa REST directly", direct))
    print(summary("gateway: stored (ack)", acked))
    print(summary("through the gateway", gateway))
    ratio = statistics.median(gateway) / statistics.median(direct)
    print(f"median ratio gateway / direct: {ratio:.2f} ({count} messages each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=60)
    asyncio.run(run(parser.parse_args().messages))


if __name__ == "__main__":
    main()
