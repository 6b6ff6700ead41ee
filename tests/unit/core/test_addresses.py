"""The client's address: X-Forwarded-For believed only from our own proxies, read from the right."""

from __future__ import annotations

import pytest

from bot.core.addresses import client_address, parse_networks

PROXIES = parse_networks("10.0.0.0/8, 127.0.0.1")


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address("203.0.113.9", "1.2.3.4", []) == "203.0.113.9"
    assert client_address("10.0.0.5", "1.2.3.4", []) == "10.0.0.5"


def test_a_header_from_a_stranger_is_ignored() -> None:
    assert client_address("203.0.113.9", "1.2.3.4", PROXIES) == "203.0.113.9"


def test_the_right_most_address_that_is_not_our_proxy_is_the_client() -> None:
    # The client wrote "1.2.3.4" itself; our proxy appended the address it saw.
    assert client_address("10.0.0.5", "1.2.3.4, 198.51.100.7", PROXIES) == "198.51.100.7"
    assert client_address("10.0.0.5", "198.51.100.7, 10.0.0.9", PROXIES) == "198.51.100.7"
    assert client_address("127.0.0.1", "10.0.0.9", PROXIES) == "10.0.0.9", "only proxies: the first of them"


def test_garbage_in_the_header_stops_the_walk() -> None:
    assert client_address("10.0.0.5", "1.2.3.4, not-an-ip", PROXIES) == "10.0.0.5"
    assert client_address(None, "1.2.3.4", PROXIES) == "unknown"


def test_a_bad_proxy_setting_fails_loudly() -> None:
    with pytest.raises(ValueError):
        parse_networks("10.0.0.0/8, proxy.example")
