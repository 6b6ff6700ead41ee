"""The Redis key schema: every key under one prefix, one key per subject."""

from __future__ import annotations

import inspect

from bot.core import keys


def builders() -> list[tuple[str, object]]:
    return [(name, fn) for name, fn in inspect.getmembers(keys, inspect.isfunction) if fn.__module__ == keys.__name__]


def test_every_key_is_under_the_prefix_and_documented() -> None:
    assert builders()
    for name, fn in builders():
        params = inspect.signature(fn).parameters  # type: ignore[arg-type]
        args = [7 if "window" in p or "day" == p else f"<{p}>" for p in params]
        key = fn(*args)  # type: ignore[operator]
        assert isinstance(key, str) and key.startswith(f"{keys.PREFIX}:"), name
        assert inspect.getdoc(fn), f"{name} says what the key holds"


def test_keys_of_different_subjects_differ() -> None:
    assert keys.conversation_key("a") != keys.conversation_key("b")
    assert keys.conversation_key("a") != keys.transcript_key("a")
    assert keys.rate_key("session", "a", 1) != keys.rate_key("address", "a", 1) != keys.rate_key("session", "a", 2)
