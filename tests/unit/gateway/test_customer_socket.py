"""The customer socket's own logic: the client's address and the language of a refused payload.

The events themselves are tested end to end with real sockets in tests/integration/.
"""

from __future__ import annotations

from types import SimpleNamespace

from bot.core.addresses import parse_networks
from bot.gateway.customer_socket import _language_hint, socket_address


def test_the_address_is_the_peers_unless_a_trusted_proxy_says_otherwise() -> None:
    environ = {"aiohttp.request": SimpleNamespace(remote="10.0.0.5"), "HTTP_X_FORWARDED_FOR": "1.2.3.4, 10.0.0.1"}
    assert socket_address(environ, []) == "10.0.0.5"
    assert socket_address(environ, parse_networks("10.0.0.0/8")) == "1.2.3.4"
    assert socket_address({"REMOTE_ADDR": "127.0.0.1"}, parse_networks("127.0.0.1")) == "127.0.0.1"
    assert socket_address({}, []) == "unknown"


def test_a_refused_payload_is_answered_in_the_pages_language() -> None:
    assert _language_hint({"message": 5, "customData": {"language": "fa-IR"}}) == "fa"
    assert _language_hint({"metadata": {"language": "hy"}}) == "hy"
    assert _language_hint({"customData": "nonsense"}) == "en"
    assert _language_hint(None) == "en"
