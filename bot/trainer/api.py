"""The trainer page's REST edge: the inbox, labelling, train-and-deploy and rollback.

Trainers and supervisors sign in with the agents' login (``POST
/api/agent/login``); every ``/api/trainer/*`` endpoint wants that token, and
``POST /api/trainer/rollback`` a supervisor's. Labelled examples are written
into the training data with a round-tripping YAML library, so the trainers'
comments and order survive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from bot.core.agent_protocol import AgentRole
from bot.core.text import clean_text
from bot.nlu.rasa_client import AssistantUnavailable
from bot.nlu.training_data import TrainingDataError, add_example, known_labels
from bot.staff.accounts import Agent, AgentDirectory
from bot.staff.web import add_staff_page, json_error, staff_member
from bot.trainer.inbox import NluInbox
from bot.trainer.job import MAX_OVERRIDE_REASON_CHARS, NothingToRollBack, TrainingBusy, TrainingJobs

log = logging.getLogger(__name__)

TRAINER_DIR: Final = Path(__file__).parent / "page"
TRAINER_ROLES: Final = frozenset({AgentRole.TRAINER, AgentRole.SUPERVISOR})
MAX_LABEL_CHARS: Final = 100


async def override_reason_of(request: web.Request) -> str:
    """The cleaned ``override_reason`` of a train request's optional JSON body; ``""`` without one; 400 if wrong."""
    if not request.body_exists:
        return ""
    try:
        body: Any = await request.json()
    except ValueError:
        raise json_error(web.HTTPBadRequest, "send no body, or JSON {override_reason}") from None
    if not isinstance(body, dict):
        raise json_error(web.HTTPBadRequest, "send no body, or JSON {override_reason}")
    if "override_reason" not in body:
        return ""
    reason = body["override_reason"]
    reason = clean_text(reason) if isinstance(reason, str) else ""
    if not 0 < len(reason) <= MAX_OVERRIDE_REASON_CHARS:
        raise json_error(
            web.HTTPBadRequest, f"override_reason: why to deploy anyway, 1 to {MAX_OVERRIDE_REASON_CHARS} characters"
        )
    return reason


def register_trainer_routes(
    app: web.Application,
    get_agents: Callable[[], AgentDirectory],
    get_inbox: Callable[[], NluInbox],
    get_jobs: Callable[[], TrainingJobs],
    nlu_dir: Path,
) -> None:
    """``/api/trainer/*`` and ``/trainer/``."""

    async def trainer(request: web.Request) -> Agent:
        return await staff_member(get_agents(), request, TRAINER_ROLES)

    async def inbox(request: web.Request) -> web.Response:
        await trainer(request)
        items = await get_inbox().items()
        labels = await asyncio.to_thread(known_labels, nlu_dir)
        return web.json_response({"items": [item.to_public() for item in items], "labels": labels})

    async def label(request: web.Request) -> web.Response:
        agent = await trainer(request)
        try:
            body: Any = await request.json()
        except ValueError:
            raise json_error(web.HTTPBadRequest, "send JSON {label}") from None
        wanted = body.get("label") if isinstance(body, dict) else None
        if not isinstance(wanted, str) or not 0 < len(wanted) <= MAX_LABEL_CHARS:
            raise json_error(web.HTTPBadRequest, "send JSON {label}")
        if wanted not in await asyncio.to_thread(known_labels, nlu_dir):
            raise json_error(web.HTTPBadRequest, f"unknown label {wanted}")
        item = await get_inbox().take(request.match_info["item_id"])
        if item is None:
            raise json_error(web.HTTPNotFound, "this message was labelled or discarded already")
        try:
            added = await asyncio.to_thread(add_example, nlu_dir, item.language, wanted, item.text)
        except TrainingDataError as error:
            await get_inbox().put_back(item)
            raise json_error(web.HTTPBadRequest, str(error)) from None
        except OSError:
            await get_inbox().put_back(item)
            log.exception("could not write the training data")
            raise json_error(web.HTTPInternalServerError, "could not write the training data") from None
        log.info(
            "labelled",
            extra={"fields": {"trainer": agent.username, "language": item.language, "label": wanted, "added": added}},
        )
        return web.json_response({"ok": True, "added": added, "label": wanted, "language": item.language})

    async def discard(request: web.Request) -> web.Response:
        agent = await trainer(request)
        item = await get_inbox().take(request.match_info["item_id"])
        if item is None:
            raise json_error(web.HTTPNotFound, "this message was labelled or discarded already")
        log.info("discarded", extra={"fields": {"trainer": agent.username, "language": item.language}})
        return web.Response(status=204)

    async def status(request: web.Request) -> web.Response:
        agent = await trainer(request)
        return web.json_response(
            {
                **await get_jobs().status(),
                "inbox_count": await get_inbox().count(),
                "may_roll_back": agent.role == AgentRole.SUPERVISOR,
                "override_reason_max": MAX_OVERRIDE_REASON_CHARS,
            }
        )

    async def train(request: web.Request) -> web.Response:
        agent = await trainer(request)
        override_reason = await override_reason_of(request)
        try:
            job = await get_jobs().start(agent.username, override_reason)
        except TrainingBusy:
            raise json_error(web.HTTPConflict, "a training job or a rollback is running already") from None
        log.info("training started", extra={"fields": {"trainer": agent.username, "override": bool(override_reason)}})
        return web.json_response({"job": job}, status=202)

    async def rollback(request: web.Request) -> web.Response:
        agent = await staff_member(get_agents(), request, {AgentRole.SUPERVISOR})
        try:
            done = await get_jobs().roll_back(agent.username)
        except TrainingBusy:
            raise json_error(web.HTTPConflict, "a training job is running: roll back when it has finished") from None
        except NothingToRollBack as error:
            raise json_error(web.HTTPConflict, str(error)) from None
        except AssistantUnavailable as error:
            raise json_error(web.HTTPServiceUnavailable, f"the assistant could not roll back: {error}") from None
        return web.json_response({"ok": True, **done})

    item_path = r"/api/trainer/inbox/{item_id:[0-9a-f]{1,40}}"
    app.router.add_get("/api/trainer/inbox", inbox)
    app.router.add_post(item_path + "/label", label)
    app.router.add_post(item_path + "/discard", discard)
    app.router.add_get("/api/trainer/status", status)
    app.router.add_post("/api/trainer/train", train)
    app.router.add_post("/api/trainer/rollback", rollback)
    add_staff_page(app, "trainer", TRAINER_DIR)
