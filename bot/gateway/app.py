"""The gateway's aiohttp application: where every package is wired together.

The composition root: it builds the Redis pool, the Rasa client, the dialogue,
the handoff service and desk, the trainer's and analytics' services, attaches
the customer and agent socket namespaces and every route. Resources open and
close with the app (``cleanup_ctx``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import socketio
from aiohttp import web
from aiohttp.typedefs import Middleware
from redis.asyncio import Redis

from bot.analytics.api import register_analytics_routes
from bot.analytics.metrics import Metrics, register_metrics_route
from bot.analytics.recorder import AnalyticsRecorder
from bot.core import keys
from bot.core.conversations import ConversationStore
from bot.core.logs import log_fields
from bot.core.paths import PROJECT_ROOT
from bot.core.rate_limit import RateLimiter
from bot.core.redis_connection import connect as connect_redis
from bot.core.settings import Settings
from bot.gateway.customer_socket import CustomerLimits, CustomerNamespace, CustomerServices
from bot.gateway.dialogue import Dialogue
from bot.gateway.redis_memory import RedisMemory
from bot.gateway.uploads import UploadServices, register_upload_route
from bot.nlu.language_detection import romanized_classifier
from bot.nlu.rasa_client import RasaClient
from bot.nlu.responses import ServedDomain
from bot.staff.accounts import AgentDirectory
from bot.staff.api import register_sign_in_routes
from bot.trainer.api import register_trainer_routes
from bot.trainer.inbox import NluInbox
from bot.trainer.job import JobPaths, TrainingJobs, check_before_training
from handoff.agent_socket import AgentNamespace, AgentServices
from handoff.attachments import Attachments, LocalDiskStorage
from handoff.console_api import register_attachment_routes, register_console_routes, register_customer_data_routes
from handoff.desk import AgentDesk
from handoff.hours import BusinessHours
from handoff.mail import Mailer, MailSettings, SmtpSecurity
from handoff.parts import HandoffParts
from handoff.privacy import CustomerRecords, RetentionSweeper
from handoff.service import HandoffService

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: Where python-socketio answers (its default path).
SOCKET_PATH = "/socket.io/"

SETTINGS = web.AppKey("settings", Settings)
REDIS = web.AppKey("redis", Redis)
HTTP = web.AppKey("http", aiohttp.ClientSession)
DIALOGUE = web.AppKey("dialogue", Dialogue)
RASA = web.AppKey("rasa", RasaClient)
AGENTS = web.AppKey("agents", AgentDirectory)
HANDOFF = web.AppKey("handoff", HandoffService)
DESK = web.AppKey("desk", AgentDesk)
SIO = web.AppKey("sio", socketio.AsyncServer)
AGENT_SOCKET = web.AppKey("agent_socket", AgentNamespace)
LIMITS = web.AppKey("limits", CustomerLimits)
METRICS = web.AppKey("metrics", Metrics)
ANALYTICS = web.AppKey("analytics", AnalyticsRecorder)
INBOX = web.AppKey("inbox", NluInbox)
TRAINING = web.AppKey("training", TrainingJobs)
MEMORY = web.AppKey("memory", RedisMemory)
AGENT_LIMITER = web.AppKey("agent_limiter", RateLimiter)
RECORDS = web.AppKey("records", CustomerRecords)
ATTACHMENTS = web.AppKey("attachments", Attachments)
UPLOADS = web.AppKey("uploads", UploadServices)

# Engine.IO refuses packets above this size outright; messages between
# MAX_MESSAGE_CHARS and this get a clear error event instead.
PACKET_OVERHEAD_BYTES = 16 * 1024


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    # A blocking pool: under a burst, requests wait for a connection in turn
    # instead of failing (redis-py's default pool raises when it runs out).
    redis = connect_redis(settings.effective_redis_url, settings.redis_max_connections, settings.redis_wait_s)
    # Language detection's classifier is built from the training data once, here, not on a customer's turn.
    await asyncio.to_thread(romanized_classifier)
    http = aiohttp.ClientSession()
    rasa = RasaClient(
        http, settings.resolved_rasa_urls, settings.rasa_token, settings.rasa_timeout_s, settings.rasa_turns_in_flight
    )
    app[REDIS] = redis
    app[HTTP] = http
    app[RASA] = rasa
    store = ConversationStore(redis, settings.retention_s, settings.new_session_ttl_s, settings.redis_replica_ack_ms)
    # A console unheard of for three heartbeats counts as gone (its gateway died).
    agents = AgentDirectory(redis, presence_ttl_s=3 * settings.agent_heartbeat_s)
    app[AGENTS] = agents
    app[LIMITS] = CustomerLimits(
        per_session=RateLimiter(redis, "session", settings.session_messages_per_minute, 60),
        per_address=RateLimiter(redis, "address", settings.address_messages_per_minute, 60),
        connections=RateLimiter(redis, "connections", settings.connections_per_minute, 60),
        sessions=RateLimiter(redis, "sessions", settings.sessions_per_minute, 60),
        events=RateLimiter(redis, "events", settings.address_events_per_minute, 60),
    )
    # The served model's responses: the welcome and agent assist's answers.
    served_domain = ServedDomain(rasa)
    app[AGENT_LIMITER] = RateLimiter(redis, "agent", settings.agent_events_per_minute, 60)
    app[INBOX] = NluInbox(redis)
    app[MEMORY] = RedisMemory(redis, settings.new_session_memory_share)
    paths = JobPaths(
        settings.training_data_dir, settings.models_dir, settings.nlu_test_dir, settings.var_dir / "evaluations"
    )
    app[TRAINING] = TrainingJobs(redis, rasa, paths, check_before_training, settings.model_f1_margin)
    app[ANALYTICS] = AnalyticsRecorder(redis, app[METRICS])
    app[ATTACHMENTS] = Attachments(
        redis,
        LocalDiskStorage(settings.resolved_attachments_dir),
        settings.session_secret,
        settings.retention_s,
        settings.attachment_max_bytes,
    )
    parts = HandoffParts.build(
        redis,
        app[SIO],
        store,
        agents,
        BusinessHours(settings.business_hours, settings.business_timezone),
        inbox=app[INBOX],
        guesses=rasa.guesses,
        analytics=app[ANALYTICS],
        assistant=rasa,
        domain=served_domain,
        mailer=Mailer(mail_settings(settings)),
        attachments=app[ATTACHMENTS],
    )
    app[HANDOFF] = HandoffService(parts)
    app[DESK] = AgentDesk(parts)
    app[UPLOADS] = UploadServices(
        app[HANDOFF],
        per_session=RateLimiter(redis, "attachments", settings.attachments_per_minute, 60),
        # An address may hold several customers (an office, a phone network).
        per_address=RateLimiter(redis, "address_attachments", settings.attachments_per_minute * 10, 60),
        session_secret=settings.session_secret,
        max_bytes=settings.attachment_max_bytes,
    )
    app[RECORDS] = CustomerRecords(parts)
    sweeper = RetentionSweeper(parts.tickets, app[INBOX], settings.retention_s, attachments=app[ATTACHMENTS])
    sweeping = asyncio.create_task(sweeper.run_forever())
    app[DIALOGUE] = Dialogue(
        store,
        rasa,
        settings.session_secret,
        app[HANDOFF],
        app[INBOX],
        app[ANALYTICS],
        served_domain,
        identity_secret=settings.identity_secret,
    )
    app[AGENT_SOCKET].start()
    yield
    sweeping.cancel()
    await asyncio.gather(sweeping, return_exceptions=True)
    await app[TRAINING].stop()
    await app[AGENT_SOCKET].stop()
    if parts.assist is not None:
        await parts.assist.stop()
    await http.close()
    await redis.aclose()


async def healthz(request: web.Request) -> web.Response:
    """Alive: the process answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready: Redis, the Rasa server and the action server are reachable."""
    app = request.app
    checks: dict[str, bool] = {}
    try:
        checks["redis"] = bool(await app[REDIS].ping())
    except Exception as error:  # any failure means not ready; say which
        log.warning("readiness: redis: %s", error)
        checks["redis"] = False
    checks["rasa"] = await app[RASA].is_ready()
    checks["actions"] = await _action_server_ready(app)
    status = 200 if all(checks.values()) else 503
    return web.json_response({"ready": status == 200, "checks": checks}, status=status)


async def _action_server_ready(app: web.Application) -> bool:
    url = app[SETTINGS].resolved_action_server_url.rsplit("/webhook", 1)[0] + "/health"
    try:
        async with app[HTTP].get(url, timeout=aiohttp.ClientTimeout(total=3)) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


WIDGET_DIR = PROJECT_ROOT / "web_widget"
# The console imports the ES module build of the same socket.io-client the widget bundles.
SOCKETIO_CLIENT_JS = WIDGET_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.esm.min.js"
# The analytics dashboard draws its charts with Chart.js (web_widget/package.json).
CHART_JS = WIDGET_DIR / "node_modules" / "chart.js" / "dist" / "chart.umd.js"
# Pages we serve run only our own scripts: customer text can never run as code.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _static_file(path: Path, content_type: str, *, page: bool = False, cache_s: int = 300) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        if not path.is_file():  # noqa: ASYNC240 - one stat of a local file
            raise web.HTTPNotFound(text=f"{path.name} is not built; run `make setup`")
        headers = {"Cache-Control": f"public, max-age={cache_s}", "X-Content-Type-Options": "nosniff"}
        if page:
            headers["Content-Security-Policy"] = PAGE_CSP
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        else:
            # The widget is embedded by other sites' pages.
            headers["Access-Control-Allow-Origin"] = "*"
        return web.FileResponse(path, headers={**headers, "Content-Type": content_type})

    return handler


def _refuse_oversized_polls(limit_bytes: int) -> Middleware:
    """A long-polling POST over the socket's size limit gets 413 at once.

    python-engineio would refuse it too, but by closing the session and then holding
    the request until the client polls the close (or times out): one hung request
    per attempt. A widget never sends such a body.
    """

    @web.middleware
    async def refuse(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "POST" and request.path.startswith(SOCKET_PATH):
            if request.content_length is None:
                return web.json_response({"error": "length_required"}, status=411)
            if request.content_length > limit_bytes:
                log.warning("polling frame refused: too large", extra=log_fields(bytes=request.content_length))
                return web.json_response({"error": "too_large", "limit_bytes": limit_bytes}, status=413)
        return await handler(request)

    return refuse


def create_app(settings: Settings) -> web.Application:
    """Build the gateway. Redis and HTTP clients open and close with the app."""
    frame_limit = settings.max_message_chars * 4 + PACKET_OVERHEAD_BYTES
    manager = socketio.AsyncRedisManager(settings.effective_redis_url, channel=keys.socketio_channel())
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=settings.origins,
        max_http_buffer_size=frame_limit,
        # One customer's events are handled in the order sent: a second message
        # never overtakes the first on its way to the transcript or to Rasa.
        async_handlers=False,
    )
    app = web.Application(middlewares=[_refuse_oversized_polls(frame_limit)])
    app[SETTINGS] = settings
    app[SIO] = sio
    app[METRICS] = Metrics()
    sio.attach(app)
    app.cleanup_ctx.append(_resources)
    customers = CustomerNamespace(
        lambda: CustomerServices(app[DIALOGUE], app[HANDOFF], app[LIMITS], app[MEMORY]),
        settings.max_message_chars,
        settings.trusted_proxy_networks,
    )
    app[AGENT_SOCKET] = AgentNamespace(
        lambda: AgentServices(app[DESK], app[HANDOFF], app[AGENTS], app[AGENT_LIMITER]),
        settings.agent_grace_s,
        settings.agent_heartbeat_s,
    )
    sio.register_namespace(customers)
    sio.register_namespace(app[AGENT_SOCKET])
    register_sign_in_routes(app, lambda: app[AGENTS], settings.trusted_proxy_networks)
    register_console_routes(app, lambda: app[AGENTS], lambda: app[DESK], SOCKETIO_CLIENT_JS)
    register_customer_data_routes(app, lambda: app[AGENTS], lambda: app[RECORDS])
    register_attachment_routes(
        app, lambda: app[AGENTS], lambda: app[DESK], lambda: app[ATTACHMENTS], settings.attachments_per_minute
    )
    register_upload_route(app, lambda: app[UPLOADS], settings.origins, settings.trusted_proxy_networks)
    register_analytics_routes(app, lambda: app[AGENTS], lambda: app[ANALYTICS], CHART_JS)
    register_metrics_route(app, lambda: app[METRICS], lambda: app[REDIS], settings.metrics_token)
    register_trainer_routes(
        app, lambda: app[AGENTS], lambda: app[INBOX], lambda: app[TRAINING], settings.training_data_dir / "nlu"
    )
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/widget.js", _static_file(WIDGET_DIR / "dist" / "widget.js", "text/javascript; charset=utf-8"))
    app.router.add_get("/demo.js", _static_file(WIDGET_DIR / "demo" / "demo.js", "text/javascript; charset=utf-8"))
    app.router.add_get("/", _static_file(WIDGET_DIR / "demo" / "index.html", "text/html; charset=utf-8", page=True))
    return app


def mail_settings(settings: Settings) -> MailSettings | None:
    """The SMTP settings, or None (no email) while SMTP_HOST or MAIL_FROM is empty."""
    if not (settings.smtp_host and settings.mail_from):
        if settings.smtp_host or settings.mail_from:
            log.warning("email is off: set both SMTP_HOST and MAIL_FROM")
        return None
    return MailSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.mail_from,
        security=SmtpSecurity(settings.smtp_security),
        username=settings.smtp_username,
        password=settings.smtp_password,
        timezone=settings.business_timezone,
    )
