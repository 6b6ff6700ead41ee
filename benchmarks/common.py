"""What the benchmarks share: a stack of their own on free ports with the per-address limits lifted.

Every simulated customer of a benchmark comes from 127.0.0.1, so the limits
per address (see the README's configuration table) are lifted here; a real
deployment keeps them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.core.paths import MODELS_DIR
from bot.core.settings import Settings
from tests.helpers import free_port, free_ports

LIFTED: int = 1_000_000


def bench_settings(var_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "private_redis_port": free_port(),
        "gateway_port": free_port(),
        "rasa_port": free_ports(8),  # room for RASA_WORKERS
        "action_port": free_port(),
        "var_dir": var_dir,
        "models_dir": MODELS_DIR,
        "address_messages_per_minute": LIFTED,
        "session_messages_per_minute": LIFTED,
        "connections_per_minute": LIFTED,
        "sessions_per_minute": LIFTED,
        "address_events_per_minute": LIFTED,
    }
    return Settings(**{**values, **overrides})
