"""Settings come from the environment once, typed, with derived URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.settings import Settings, fill_missing_secrets


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
