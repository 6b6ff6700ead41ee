"""A deployment past one machine, on real engines, for the tests of issue 12's item 4.

- Redis as production runs it: a primary, a replica and three sentinels (Debian's
  ``redis-server`` and ``redis-sentinel``), the product told only where the
  sentinels are (``redis+sentinel://``).
- Two gateway processes on that Redis, one Rasa worker and the action server (the
  supervisor's :class:`Stack`, with a second gateway beside its own).
- Debian's nginx in front, running the repository's ``docs/deploy/nginx.conf`` with
  its ports, names and certificate paths replaced: TLS with a certificate made here
  by openssl, the product under ``/support/``.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import redis

from bot.core.paths import PROJECT_ROOT
from bot.core.settings import Settings
from bot.supervisor.stack import Child, Stack, redis_server_binary
from tests.helpers import free_port

NGINX_SITE = PROJECT_ROOT / "docs" / "deploy" / "nginx.conf"
SERVICE = "support"
SENTINELS = 3
QUORUM = 2
#: How long a primary may be silent before the sentinels call it down.
DOWN_AFTER_MS = 1000


def _wait_for_ping(port: int, timeout_s: float = 10.0) -> None:
    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)
    finally:
        client.close()


class SentinelRedis:
    """A Redis primary, one replica and three sentinels on loopback."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ports = {"primary": free_port(), "replica": free_port()}
        self.sentinel_ports = [free_port() for _ in range(SENTINELS)]
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    @property
    def url(self) -> str:
        sentinels = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{sentinels}/0/{SERVICE}"

    def _redis(self, name: str, *extra: str) -> None:
        folder = self.directory / name
        folder.mkdir(parents=True, exist_ok=True)
        log = self._log(name)
        self.processes[name] = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.ports[name]), "--bind", "127.0.0.1", "--dir", str(folder),
             "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", *extra],
            stdout=log, stderr=log,
        )  # fmt: skip
        _wait_for_ping(self.ports[name])

    def _log(self, name: str) -> IO[bytes]:
        log = open(self.directory / f"{name}.log", "ab")
        self._logs.append(log)
        return log

    def start(self) -> None:
        self._redis("primary")
        self._redis("replica", "--replicaof", "127.0.0.1", str(self.ports["primary"]))
        sentinel_binary = shutil.which("redis-sentinel") or "/usr/bin/redis-sentinel"
        for index, port in enumerate(self.sentinel_ports):
            config = self.directory / f"sentinel-{index}.conf"
            config.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.directory}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.ports['primary']} {QUORUM}\n"
                f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {SERVICE} 10000\n"
                f"sentinel parallel-syncs {SERVICE} 1\n"
            )
            log = self._log(f"sentinel-{index}")
            self.processes[f"sentinel-{index}"] = subprocess.Popen(
                [sentinel_binary, str(config)], stdout=log, stderr=log
            )
            _wait_for_ping(port)
        self.wait_until_replicated()

    def primary_port(self) -> int:
        """The primary's port as the first sentinel tells it."""
        client = redis.Redis(port=self.sentinel_ports[0], socket_timeout=1, decode_responses=True)
        try:
            address = client.sentinel_get_master_addr_by_name(SERVICE)
            assert isinstance(address, tuple), address
            return int(address[1])
        finally:
            client.close()

    def wait_until_replicated(self, timeout_s: float = 20.0) -> None:
        """Until the replica is in sync and every sentinel knows the replica and the other sentinels."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready = True
            for port in self.sentinel_ports:
                client = redis.Redis(port=port, socket_timeout=1, decode_responses=True)
                try:
                    master = client.sentinel_master(SERVICE)
                    assert isinstance(master, dict), master
                    ready &= int(master["num-slaves"]) >= 1 and int(master["num-other-sentinels"]) >= SENTINELS - 1
                except (redis.RedisError, AssertionError):
                    ready = False
                finally:
                    client.close()
            if ready:
                return
            time.sleep(0.2)
        raise TimeoutError("the sentinels did not find the replica and each other in time")

    def kill_primary(self) -> int:
        """SIGKILL the current primary (no shutdown, no last write); its port."""
        port = self.primary_port()
        name = next(name for name, known in self.ports.items() if known == port)
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(5)
        return port

    def wait_for_failover(self, old_port: int, timeout_s: float = 30.0) -> int:
        """Until the sentinels name another primary and it takes writes; its port."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                port = self.primary_port()
                if port != old_port:
                    client = redis.Redis(port=port, socket_timeout=1)
                    try:
                        if client.info("replication")["role"] == "master":
                            return port
                    finally:
                        client.close()
            except (redis.RedisError, ValueError):
                pass
            time.sleep(0.1)
        raise TimeoutError("no failover within the timeout")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self._logs:
            log.close()


def nginx_binary() -> str:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        raise RuntimeError("nginx not found: run `make setup` (installs Debian's nginx)")
    return binary


def render_site(site: str, https_port: int, http_port: int, gateway_ports: list[int], cert: Path, key: Path) -> str:
    """The repository's nginx site with this machine's ports and certificate; fails if a line it needs moved."""
    replacements = [
        (r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"server_name shop\.example;", "server_name 127.0.0.1 localhost;"),
        (r"ssl_certificate     \S+;", f"ssl_certificate     {cert};"),
        (r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};"),
        (r"server 127\.0\.0\.1:8001 ", f"server 127.0.0.1:{gateway_ports[0]} "),
        (r"server 127\.0\.0\.1:8002 ", f"server 127.0.0.1:{gateway_ports[1]} "),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site)
        assert count >= 1, f"docs/deploy/nginx.conf has no line matching {pattern!r}"
    return site


class Nginx:
    """Debian's nginx, as a foreground process of the test, serving the rendered site."""

    def __init__(self, directory: Path, gateway_ports: list[int]) -> None:
        self.directory = directory
        self.https_port = free_port()
        self.http_port = free_port()
        self.gateway_ports = gateway_ports
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}/support/"

    def _certificate(self) -> tuple[Path, Path]:
        cert, key = self.directory / "shop.pem", self.directory / "shop.key"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True,
        )  # fmt: skip
        return cert, key

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        cert, key = self._certificate()
        site = render_site(NGINX_SITE.read_text(), self.https_port, self.http_port, self.gateway_ports, cert, key)
        (self.directory / "site.conf").write_text(site)
        temp = self.directory / "temp"
        temp.mkdir(exist_ok=True)
        (self.directory / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {self.directory}/nginx.pid;\n"
            f"error_log {self.directory}/error.log info;\n"
            "events { worker_connections 2048; }\n"
            "http {\n"
            "  include /etc/nginx/mime.types;\n"
            "  log_format upstreams '$remote_addr \"$request\" $status upstream=$upstream_addr';\n"
            f"  access_log {self.directory}/access.log upstreams;\n"
            f"  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n"
            f"  fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n  scgi_temp_path {temp}/scgi;\n"
            f"  include {self.directory}/site.conf;\n"
            "}\n"
        )
        binary = nginx_binary()
        check = subprocess.run(
            [binary, "-t", "-p", str(self.directory), "-c", str(self.directory / "nginx.conf")],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(
            [binary, "-p", str(self.directory), "-c", str(self.directory / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Ready once it accepts connections (its pid file may be there before that).
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.https_port)) == 0:
                    return
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"nginx did not start: {(self.directory / 'error.log').read_text()[-2000:]}")
            time.sleep(0.05)

    def upstreams_used(self) -> set[str]:
        """The gateways nginx sent requests to (from its access log's upstream field)."""
        return set(re.findall(r"upstream=(127\.0\.0\.1:\d+)", (self.directory / "access.log").read_text()))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Deployment:
    """Sentinel-managed Redis, one Rasa worker, the action server, two gateways and nginx."""

    def __init__(self, directory: Path, settings: Settings) -> None:
        self.directory = directory
        self.redis = SentinelRedis(directory / "redis")
        settings.redis_url = self.redis.url
        self.settings = settings
        self.stack = Stack(settings, log_dir=directory / "logs")
        self.second_gateway_port = free_port()
        self.nginx = Nginx(directory / "nginx", [settings.gateway_port, self.second_gateway_port])

    @property
    def gateway_ports(self) -> list[int]:
        return [self.settings.gateway_port, self.second_gateway_port]

    async def start(self) -> None:
        (self.directory / "redis").mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(self.redis.start)
        await self.stack.start()
        env = self.stack.gateway_environment()
        env["GATEWAY_PORT"] = str(self.second_gateway_port)
        second = Child(
            "gateway-2", [sys.executable, "-m", "bot.gateway"], env, self.directory / "logs" / "gateway-2.log"
        )
        self.stack.children[second.name] = second
        await second.start()
        await self.stack.wait_until_ready()
        await self.stack.wait_until_ready(port=self.second_gateway_port)
        await asyncio.to_thread(self.nginx.start)

    def logs(self) -> str:
        """The tail of every log, for a failing test's report."""
        parts = []
        for path in sorted(self.directory.rglob("*.log")):
            parts.append(f"--- {path.relative_to(self.directory)} ---\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)

    async def stop(self) -> None:
        await asyncio.to_thread(self.nginx.stop)
        await self.stack.stop()
        await asyncio.to_thread(self.redis.stop)
