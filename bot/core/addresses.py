"""Who a client is: its IP address, believing X-Forwarded-For only from our own proxies.

A proxy appends the address it received a request from to X-Forwarded-For,
so the entries a client wrote itself come first and cannot be trusted. The
client is the right-most entry that is not one of our proxies
(:func:`client_address`); without trusted proxies, the peer's address.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

__all__ = ["UNKNOWN_ADDRESS", "Network", "client_address", "parse_networks"]

UNKNOWN_ADDRESS = "unknown"
Network = IPv4Network | IPv6Network


def parse_networks(spec: str) -> list[Network]:
    """``"10.0.0.1, 192.168.0.0/16"`` as networks; :class:`ValueError` for anything else."""
    return [ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()]


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address | None, proxies: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: Sequence[Network]) -> str:
    """The client's address for rate limits and lockouts."""
    if not peer:
        return UNKNOWN_ADDRESS
    if not _trusted(_address(peer), proxies) or not forwarded_for:
        return peer
    for entry in reversed(forwarded_for.split(",")):
        address = _address(entry)
        if address is None:
            # Garbage after our proxies' entries: whoever wrote it is the last address we trust.
            return peer
        if not _trusted(address, proxies):
            return str(address)
        peer = str(address)
    return peer
