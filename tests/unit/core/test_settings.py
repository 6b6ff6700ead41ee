"""Settings come from the environment once, typed, with derived URLs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.core.settings import Settings, default_rasa_workers, fill_missing_secrets


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "8123")
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://shop.example, https://www.shop.example")
    monkeypatch.setenv("REDIS_URL", "")
    settings = Settings()
    assert settings.gateway_port == 8123
    assert settings.origins == ["https://shop.example", "https://www.shop.example"]
    assert settings.effective_redis_url == f"redis://127.0.0.1:{settings.private_redis_port}/0"
    assert settings.resolved_rasa_url == f"http://127.0.0.1:{settings.rasa_port}"


def test_a_wrong_type_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "eighty")
    with pytest.raises(ValueError):
        Settings()


def test_missing_secrets_are_filled_and_the_session_key_kept_in_a_file(tmp_path: Path) -> None:
    first = Settings(session_secret="", rasa_token="")
    fill_missing_secrets(first, tmp_path / "secret")
    second = Settings(session_secret="", rasa_token="")
    fill_missing_secrets(second, tmp_path / "secret")
    assert first.session_secret and first.session_secret == second.session_secret
    assert first.rasa_token and first.rasa_token != second.rasa_token
    assert (tmp_path / "secret").stat().st_mode & 0o777 == 0o600


def test_the_rasa_pool_is_the_supervisors_workers_or_the_servers_named(tmp_path: Path) -> None:
    three = Settings(rasa_port=7000, rasa_workers=3, rasa_url="", rasa_urls="")
    assert three.starts_rasa
    assert three.resolved_rasa_urls == ["http://127.0.0.1:7000", "http://127.0.0.1:7001", "http://127.0.0.1:7002"]
    assert three.resolved_rasa_url == "http://127.0.0.1:7000"
    elsewhere = Settings(rasa_urls=" http://10.0.0.5:5005/ ,http://10.0.0.6:5005", rasa_workers=3)
    assert not elsewhere.starts_rasa
    assert elsewhere.resolved_rasa_urls == ["http://10.0.0.5:5005", "http://10.0.0.6:5005"]
    assert Settings(rasa_url="http://rasa:5005", rasa_urls="").resolved_rasa_urls == ["http://rasa:5005"]


def test_by_default_a_rasa_worker_a_core_as_the_memory_allows(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       25000000 kB\nMemAvailable:    2000000 kB\n")  # about 1.9 GB
    assert default_rasa_workers(meminfo) == 1
    meminfo.write_text("MemAvailable:  900000000 kB\n")
    assert default_rasa_workers(meminfo) == (os.cpu_count() or 1)
    assert default_rasa_workers(tmp_path / "missing") == 1
