"""Run one gateway process: ``python -m bot.gateway``."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.core.logs import configure_logging
from bot.core.settings import fill_missing_secrets, get_settings
from bot.gateway.app import create_app


def main() -> None:
    settings = get_settings()
    fill_missing_secrets(settings)
    configure_logging(settings.log_level)
    if settings.origins == "*":
        logging.getLogger("bot.gateway").warning(
            "ALLOWED_ORIGINS is *: any web site may embed the widget; set your shop's origins in production"
        )
    web.run_app(
        create_app(settings), host=settings.gateway_host, port=settings.gateway_port, print=None, access_log=None
    )


if __name__ == "__main__":
    main()
