"""Idle widgets on one gateway: what each open connection costs the gateway in memory.

Starts a stack of its own (like the tests) and opens ``--connections`` websocket
connections to one gateway process as the widget does: Engine.IO v4 over a
websocket, the socket.io connect, a ``session_request`` (a new session each), then
nothing but answering the server's pings. The client side is plain aiohttp
websockets (a full socket.io client per connection would make the load
generator, not the gateway, the limit). The gateway's RSS is read before, with
all connections open for ``--hold`` seconds (so the pings go round), and after
they close.

One JSON line: connections opened and kept, RSS before / with / after, KB per
connection, and how long opening took.

    .venv/bin/python -m benchmarks.bench_idle [--connections 10000] [--hold 40]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.bench_channels import rss_mb
from benchmarks.common import bench_settings
from bot.supervisor.stack import Stack

#: Connections opened at once while ramping up.
BATCH = 200


class IdleWidget:
    """One widget's connection: open, in a session, answering pings until closed."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.alive = False
        self.keeper: asyncio.Task[None] | None = None

    async def open(self) -> bool:
        try:
            self.ws = await self.http.ws_connect(self.url, heartbeat=None, autoping=True)
            opening = await self.ws.receive(timeout=30)  # "0{sid, pingInterval, ...}"
            if not str(opening.data).startswith("0"):
                return False
            await self.ws.send_str("40")  # socket.io connect to "/"
            connected = await self.ws.receive(timeout=30)
            if not str(connected.data).startswith("40"):
                return False
            await self.ws.send_str('42["session_request",{"language":"en"}]')
        except (aiohttp.ClientError, TimeoutError, OSError):
            return False
        self.alive = True
        self.keeper = asyncio.create_task(self._keep())
        return True

    async def _keep(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.TEXT and message.data == "2":
                await self.ws.send_str("3")  # Engine.IO pong
        self.alive = False

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.keeper is not None:
            self.keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.keeper


async def run(connections: int, hold_s: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        settings = bench_settings(var_dir, rasa_workers=1)
        stack = Stack(settings, log_dir=var_dir / "logs")
        await stack.start()
        try:
            gateway = stack.children["gateway"].process
            pid = gateway.pid if gateway else None
            url = f"ws://127.0.0.1:{settings.gateway_port}/socket.io/?EIO=4&transport=websocket"
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as http:
                warm = IdleWidget(http, url)
                await warm.open()
                await asyncio.sleep(2)
                before = rss_mb(pid)
                widgets = [IdleWidget(http, url) for _ in range(connections)]
                started = time.perf_counter()
                opened = 0
                for first in range(0, connections, BATCH):
                    results = await asyncio.gather(*(w.open() for w in widgets[first : first + BATCH]))
                    opened += sum(results)
                ramp_s = time.perf_counter() - started
                await asyncio.sleep(hold_s)
                kept = sum(w.alive for w in widgets)
                held = rss_mb(pid)
                await asyncio.gather(*(w.close() for w in widgets), warm.close())
                await asyncio.sleep(3)
                after = rss_mb(pid)
        finally:
            await stack.stop()
    per_connection_kb = (held - before) * 1024 / max(kept, 1)
    line = {
        "connections": connections,
        "opened": opened,
        "kept_after_hold": kept,
        "hold_s": hold_s,
        "ramp_s": round(ramp_s, 1),
        "gateway_rss_mb": {"before": before, "with_connections": held, "after_close": after},
        "kb_per_connection": round(per_connection_kb, 1),
    }
    print(json.dumps(line), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--hold", type=float, default=40.0, help="seconds to keep them open (pings go round)")
    args = parser.parse_args()
    asyncio.run(run(args.connections, args.hold))


if __name__ == "__main__":
    main()
