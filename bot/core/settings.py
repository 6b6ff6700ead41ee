"""Configuration, read once from the environment into a typed object.

Every variable is listed in the README's configuration table; a test checks
that the table and this class agree.
"""

from __future__ import annotations

import functools
import os
import secrets
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.addresses import parse_networks
from bot.core.paths import MODELS_DIR, PROJECT_ROOT


class Settings(BaseSettings):
    """Settings of the gateway and of the supervisor that starts the stack."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    redis_url: str = Field(
        "",
        description="Redis to use: redis://[:password@]host:port/db, or the primary Redis Sentinel names,"
        " redis+sentinel://[:password@]sentinel:26379,sentinel2:26379/db/service. Empty: start a private"
        " redis-server with append-only persistence.",
    )
    redis_replica_ack_ms: int = Field(
        0,
        ge=0,
        description="With replicas: a customer's message is acknowledged once a replica has it too (Redis WAIT),"
        " or after this many milliseconds, so a failover loses no acknowledged message. 0: do not wait.",
    )
    redis_max_connections: int = Field(
        100, description="Connections each gateway process keeps to Redis at most; beyond, requests wait their turn."
    )
    redis_wait_s: float = Field(
        5.0, description="Seconds a request waits for a free Redis connection before it is refused as unavailable."
    )
    redis_maxmemory: str = Field(
        "1gb",
        description="maxmemory of the private Redis, with the noeviction policy: nothing is ever evicted silently."
        " Set the same on your own Redis.",
    )
    new_session_memory_share: float = Field(
        0.9,
        description="New sessions are refused (service_busy) once Redis uses this share of its maxmemory, so the"
        " conversations in progress keep room.",
    )
    private_redis_port: int = Field(
        6399, description="Port of the private Redis started when REDIS_URL is empty (127.0.0.1 only)."
    )
    gateway_host: str = Field("127.0.0.1", description="Address the gateway listens on.")
    gateway_port: int = Field(8000, description="Port of the gateway (widget, console, API).")
    public_url: str = Field(
        "", description="URL customers reach the gateway at, if behind a proxy; printed by `make run`."
    )
    rasa_port: int = Field(5005, description="Port of the Rasa server, on 127.0.0.1 only.")
    rasa_url: str = Field(
        "", description="Rasa server URL. Empty: http://127.0.0.1:RASA_PORT, started by the supervisor."
    )
    rasa_workers: int = Field(
        0,
        ge=0,
        description="Rasa processes the supervisor starts (on RASA_PORT, RASA_PORT+1, ...), sharing the Redis tracker"
        " and lock stores; the gateway spreads conversations over them. 0: one a core, as many as the memory allows"
        " (about 2 GB each).",
    )
    rasa_urls: str = Field(
        "",
        description="Comma-separated Rasa servers (other hosts, same Redis) the gateway sends turns to; the"
        " supervisor then starts none. Empty: RASA_URL, else the supervisor's own workers.",
    )
    rasa_token: str = Field("", description="Token of Rasa's HTTP API. Empty: a random one per start.")
    rasa_turns_in_flight: int = Field(
        4,
        description="Customer turns one gateway process sends to Rasa at once; the rest wait, first come first served.",
    )
    rasa_timeout_s: float = Field(
        10.0, description="Seconds to wait for the assistant before apologising and handing off."
    )
    action_port: int = Field(5055, description="Port of the action server, on 127.0.0.1 only.")
    action_server_url: str = Field(
        "", description="Action server webhook. Empty: http://127.0.0.1:ACTION_PORT/webhook."
    )
    session_secret: str = Field(
        "",
        description=(
            "Key that signs customer session ids; set the same one on every gateway. "
            "Empty: random per start (sessions end on restart)."
        ),
    )
    identity_secret: str = Field(
        "",
        description="Key your shop's server signs logged-in customers' ids with (HMAC-SHA256, hex) for"
        " DemoShopSupport.identify; keep it secret, server-side. Empty: identities are refused.",
    )
    retention_days: float = Field(
        7.0,
        gt=0,
        description="Days everything about a customer is kept after their last message: the conversation and its"
        " transcript, Rasa's tracker, offline tickets, the trainers' inbox items. Aggregated analytics stay.",
    )
    new_session_ttl_s: int = Field(
        1800, description="Seconds a session is kept before its first message: sessions opened and abandoned go soon."
    )
    max_message_chars: int = Field(2000, description="Longest customer message accepted, in characters.")
    session_messages_per_minute: int = Field(30, description="Messages one customer session may send per minute.")
    address_messages_per_minute: int = Field(
        120, description="Messages one IP address may send per minute, all sessions together."
    )
    connections_per_minute: int = Field(
        60, description="socket.io connections one IP address may open per minute (refused beyond)."
    )
    sessions_per_minute: int = Field(20, description="New customer sessions one IP address may open per minute.")
    address_events_per_minute: int = Field(
        600, description="Other customer events (typing, history, rating, ...) one IP address may send per minute."
    )
    agent_events_per_minute: int = Field(
        600, description="Console requests one agent may make per minute, all their consoles together."
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks (CIDR) of your own reverse proxies: only from them is"
        " X-Forwarded-For believed, and its right-most address that is not one of them is the client. Empty: the"
        " peer's address.",
    )
    allowed_origins: str = Field("*", description="Comma-separated origins allowed to embed the widget, or * for any.")
    var_dir: Path = Field(PROJECT_ROOT / "var", description="Where the private Redis, logs and reports live.")
    models_dir: Path = Field(MODELS_DIR, description="Cache of trained models, named by the hash of their inputs.")
    training_data_dir: Path = Field(
        PROJECT_ROOT / "data",
        description="Training data (rules, nlu/<lang>/) that `make run` trains on and the trainer page writes to.",
    )
    nlu_test_dir: Path = Field(
        PROJECT_ROOT / "tests" / "data" / "nlu_test",
        description="Held-out examples (<lang>.yml, Rasa NLU format) each retrain from the trainer page is scored on.",
    )
    model_f1_margin: float = Field(
        0.01,
        ge=0.0,
        le=1.0,
        description="How much any language's intent F1 or intent + faq key F1 on the held-out examples (NLU_TEST_DIR)"
        " may drop before the trainer page refuses to put a new model in service (a trainer may deploy it anyway,"
        " giving a reason).",
    )
    business_hours: str = Field(
        "", description="When the team answers, e.g. 'Mon-Fri 09:00-18:00, Sat 10:00-14:00'. Empty: always."
    )
    business_timezone: str = Field("UTC", description="Time zone of BUSINESS_HOURS (IANA name, e.g. Asia/Yerevan).")
    smtp_host: str = Field(
        "",
        description="SMTP server that sends customers their transcripts and agents' answers to offline tickets."
        " Empty: no email (tickets show a mailto: link).",
    )
    smtp_port: int = Field(587, description="Port of SMTP_HOST (587 for STARTTLS, 465 for TLS).")
    smtp_security: str = Field(
        "starttls",
        pattern="^(starttls|tls|none)$",
        description="starttls, tls, or none (a relay on this machine or network only).",
    )
    smtp_username: str = Field("", description="SMTP login, if the server wants one.")
    smtp_password: str = Field("", description="SMTP password.")
    mail_from: str = Field(
        "",
        description="Sender of every email, e.g. 'Demo Shop support <support@shop.example>'; replies come back"
        " to it. Email is off while it is empty.",
    )
    attachment_max_bytes: int = Field(
        5 * 1024 * 1024,
        gt=0,
        description="Largest attachment (image or PDF) a customer or agent may send, in bytes.",
    )
    attachments_dir: Path | None = Field(
        None,
        description="Where attachments are stored: a volume every gateway shares, when there are several machines."
        " Empty: VAR_DIR/attachments.",
    )
    attachments_per_minute: int = Field(
        10, description="Attachments one customer session (or one agent) may send per minute."
    )
    agent_grace_s: float = Field(
        30.0, description="Seconds an agent's console may be gone before their chats return to the queue."
    )
    agent_heartbeat_s: float = Field(
        30.0,
        description="Seconds between heartbeats of open consoles, when their tokens are re-checked too (a revoked"
        " one ends its socket); a console unheard of for three of them counts as gone, as after a gateway died.",
    )
    metrics_token: str = Field(
        "",
        description="Bearer token Prometheus must send to read /metrics. Empty: only a scraper on this machine may"
        " (loopback, not through a proxy).",
    )
    log_level: str = Field("INFO", description="Log level of the gateway and supervisor.")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def retention_s(self) -> int:
        """RETENTION_DAYS in seconds: the TTL of conversations and Rasa's trackers, the age tickets are swept at."""
        return max(1, round(self.retention_days * 24 * 3600))

    @property
    def resolved_attachments_dir(self) -> Path:
        return self.attachments_dir or self.var_dir / "attachments"

    @property
    def effective_redis_url(self) -> str:
        """REDIS_URL, or the private Redis that `make run` starts."""
        return self.redis_url or f"redis://127.0.0.1:{self.private_redis_port}/0"

    @property
    def rasa_worker_count(self) -> int:
        """RASA_WORKERS, or one a core as the memory allows."""
        return self.rasa_workers or default_rasa_workers()

    @property
    def starts_rasa(self) -> bool:
        """Whether the supervisor starts the Rasa workers (no RASA_URL or RASA_URLS names others)."""
        return not (self.rasa_urls.strip() or self.rasa_url)

    @property
    def resolved_rasa_urls(self) -> list[str]:
        """Every Rasa server the gateway sends turns to."""
        if self.rasa_urls.strip():
            return [url.strip().rstrip("/") for url in self.rasa_urls.split(",") if url.strip()]
        if self.rasa_url:
            return [self.rasa_url.rstrip("/")]
        return [f"http://127.0.0.1:{self.rasa_port + i}" for i in range(self.rasa_worker_count)]

    @property
    def resolved_rasa_url(self) -> str:
        """The first Rasa server (for tools that ask one: they share the tracker store)."""
        return self.resolved_rasa_urls[0]

    @property
    def resolved_action_server_url(self) -> str:
        return self.action_server_url or f"http://127.0.0.1:{self.action_port}/webhook"

    @property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        """TRUSTED_PROXIES parsed; a value that is not an address or network fails loudly at start."""
        return parse_networks(self.trusted_proxies)

    @property
    def origins(self) -> list[str] | str:
        if self.allowed_origins.strip() == "*":
            return "*"
        return [origin.strip() for origin in self.allowed_origins.split(",") if origin.strip()]


#: What one Rasa worker takes with the shipped model (measured 1.76 GB RSS), rounded up.
RASA_WORKER_BYTES = 2 * 1024 * 1024 * 1024


def default_rasa_workers(meminfo: Path = Path("/proc/meminfo")) -> int:
    """One Rasa worker a core, as many as the available memory holds; at least one."""
    cores = os.cpu_count() or 1
    try:
        fields = dict(line.split(":", 1) for line in meminfo.read_text().splitlines() if ":" in line)
        available = int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return 1
    return max(1, min(cores, available // RASA_WORKER_BYTES))


@functools.cache
def get_settings() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings()


def fill_missing_secrets(settings: Settings, secret_file: Path | None = None) -> None:
    """Give empty secrets a value: the session key from ``secret_file`` (created once) or random."""
    if not settings.session_secret:
        if secret_file is not None:
            if not secret_file.exists():
                secret_file.parent.mkdir(parents=True, exist_ok=True)
                secret_file.write_text(secrets.token_urlsafe(32))
                secret_file.chmod(0o600)
            settings.session_secret = secret_file.read_text().strip()
        else:
            settings.session_secret = secrets.token_urlsafe(32)
    if not settings.rasa_token:
        settings.rasa_token = secrets.token_urlsafe(24)


def settings_table() -> str:
    """The README's configuration table, generated from :class:`Settings`."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, Path):
            default = default.relative_to(PROJECT_ROOT) if default.is_relative_to(PROJECT_ROOT) else default
        shown = f"`{default}`" if default not in ("", None) else "(empty)"
        rows.append(f"| `{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)


README_START = "<!-- settings-table -->\n"
README_END = "<!-- /settings-table -->"


def update_readme(readme: Path = PROJECT_ROOT / "README.md") -> None:
    """Rewrite the README's configuration table from :class:`Settings`."""
    text = readme.read_text(encoding="utf-8")
    start = text.index(README_START) + len(README_START)
    end = text.index(README_END)
    readme.write_text(text[:start] + settings_table() + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    update_readme()
    print(settings_table())
