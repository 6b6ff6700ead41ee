"""What the supervisor tells whoever runs the product (the processes themselves are tested in tests/integration/)."""

from __future__ import annotations

from bot.core.settings import Settings
from bot.supervisor.stack import production_warnings


def test_open_defaults_are_warned_about_and_set_ones_are_not() -> None:
    open_defaults = production_warnings(Settings(allowed_origins="*", metrics_token=""))
    assert any("ALLOWED_ORIGINS" in warning for warning in open_defaults)
    assert any("METRICS_TOKEN" in warning for warning in open_defaults)
    assert production_warnings(Settings(allowed_origins="https://shop.example", metrics_token="t" * 20)) == []
