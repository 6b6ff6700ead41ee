"""Staff pages' files and the role check, served by a real aiohttp server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis
from yarl import URL

from bot.core.agent_protocol import AgentRole
from bot.core.paths import PROJECT_ROOT
from bot.staff.accounts import AgentDirectory
from bot.staff.web import STAFF_CSP, add_staff_page, staff_member
from tests.unit.staff.test_locales import PAGE_DIRS

#: A gateway path named from the root ("/api/...", an html's href="/..."), except through
#: gateway.js's gatewayUrl: it breaks where a proxy serves the gateway under a path.
FROM_THE_ROOT = re.compile(
    r"""(?<!gatewayUrl\()["'`]/(?:api|console|trainer|dashboard|attachments|socket\.io|locales)\b"""
    r"""|\b(?:href|src|action)\s*=\s*["']/|location\.(?:assign|replace)\(\s*["'`]/|location\.href\s*=\s*["'`]/"""
)
#: Lines that only explain (docs name routes from the root, as the server sees them).
COMMENTS = ("//", "/*", "*", "<!--")


@pytest.fixture
async def client(tmp_path: Path, redis_client: Redis) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    page = tmp_path / "page"
    page.mkdir()
    (page / "index.html").write_text("<p>page</p>")
    (page / "app.js").write_text("1")
    (page / "secret.txt").write_text("no")
    (tmp_path / "outside.js").write_text("no")
    (tmp_path / "lib.js").write_text("library")
    agents = AgentDirectory(redis_client)

    async def supervisors(request: web.Request) -> web.Response:
        agent = await staff_member(agents, request, {AgentRole.SUPERVISOR})
        return web.json_response({"username": agent.username})

    app = web.Application()
    add_staff_page(app, "page", page, {"lib.js": tmp_path / "lib.js"})
    app.router.add_get("/api/only-supervisors", supervisors)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_page_files_are_served_with_the_strict_policy(client: TestClient[web.Request, web.Application]) -> None:
    response = await client.get("/page/")
    assert response.status == 200 and await response.text() == "<p>page</p>"
    assert response.headers["Content-Security-Policy"] == STAFF_CSP
    assert "'unsafe-inline'" not in STAFF_CSP
    assert (await client.get("/page/app.js")).headers["Content-Type"].startswith("text/javascript")
    assert await (await client.get("/page/lib.js")).text() == "library"


async def test_the_page_redirects_to_its_folder_relatively(client: TestClient[web.Request, web.Application]) -> None:
    """``page/``, not ``/page/``: behind a proxy that serves the gateway under ``/support``, the browser
    asked for ``/support/page`` and must come to ``/support/page/``, where the html's relative names hold."""
    redirect = await client.get("/page", allow_redirects=False)
    assert (redirect.status, redirect.headers["Location"]) == (302, "page/")
    assert str(URL("https://shop.example/support/page").join(URL(redirect.headers["Location"]))) == (
        "https://shop.example/support/page/"
    )
    followed = await client.get("/page")
    assert (followed.status, str(followed.url.relative())) == (200, "/page/")
    assert await followed.text() == "<p>page</p>"


@pytest.mark.parametrize(
    "path", ["/page/secret.txt", "/page/outside.js", "/page/..", "/page/..%2Foutside.js", "/page/x.js"]
)
async def test_nothing_else_is_reachable(client: TestClient[web.Request, web.Application], path: str) -> None:
    assert (await client.get(path)).status == 404


async def test_the_role_check(client: TestClient[web.Request, web.Application], redis_client: Redis) -> None:
    agents = AgentDirectory(redis_client)
    await agents.add("sam", "a long test password", AgentRole.SUPERVISOR, "Sam")
    await agents.add("tina", "a long test password", AgentRole.TRAINER, "Tina")
    sam, _ = await agents.login("sam", "a long test password", "127.0.0.1")
    tina, _ = await agents.login("tina", "a long test password", "127.0.0.1")
    assert (await client.get("/api/only-supervisors")).status == 401
    assert (await client.get("/api/only-supervisors", headers={"Authorization": "Bearer forged"})).status == 401
    refused = await client.get("/api/only-supervisors", headers={"Authorization": f"Bearer {tina}"})
    assert (refused.status, await refused.json()) == (403, {"error": "supervisors only"})
    allowed = await client.get("/api/only-supervisors", headers={"Authorization": f"Bearer {sam}"})
    assert (allowed.status, await allowed.json()) == (200, {"username": "sam"})


async def test_the_language_catalogs_are_served_under_every_page(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.get("/page/locales/fa.json")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Content-Security-Policy"] == STAFF_CSP
    assert (await response.json())["language.fa"] == "فارسی"
    refused = ["/page/locales/xx.json", "/page/locales/fa", "/page/locales/%2e%2e%2Fx.json", "/page/en.json"]
    for path in refused:
        assert (await client.get(path)).status == 404, path


def test_no_staff_page_names_a_gateway_path_from_the_root() -> None:
    files = [path for folder in PAGE_DIRS for path in sorted(folder.iterdir()) if path.suffix in (".js", ".html")]
    assert len(files) > 20
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FROM_THE_ROOT.search(line) and not line.lstrip().startswith(COMMENTS)
    ]
    assert found == []
