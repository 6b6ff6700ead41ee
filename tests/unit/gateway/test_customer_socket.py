"""The customer socket's own logic: the client's address and the language of a refused payload.

The events themselves are tested end to end with real sockets in tests/integration/.
"""

from __future__ import annotations

from types import SimpleNamespace

from bot.gateway.customer_socket import _language_hint, client_address


def test_the_address_is_the_peers_unless_a_trusted_proxy_says_otherwise() -> None:
    environ = {"aiohttp.request": SimpleNamespace(remote="10.0.0.5"), "HTTP_X_FORWARDED_FOR": "1.2.3.4, 10.0.0.1"}
    assert client_address(environ, trust_forwarded_for=False) == "10.0.0.5"
    assert client_address(environ, trust_forwarded_for=True) == "1.2.3.4"
    assert client_address({"REMOTE_ADDR": "127.0.0.1"}, trust_forwarded_for=True) == "127.0.0.1"
    assert client_address({}, trust_forwarded_for=False) == "unknown"


def test_a_refused_payload_is_answered_in_the_pages_language() -> None:
    assert _language_hint({"message": 5, "customData": {"language": "fa-IR"}}) == "fa"
    assert _language_hint({"metadata": {"language": "hy"}}) == "hy"
    assert _language_hint({"customData": "nonsense"}) == "en"
    assert _language_hint(None) == "en"
