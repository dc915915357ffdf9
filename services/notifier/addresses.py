"""Address policy for webhooks: no private, loopback or link-local targets unless allowed.

A webhook URL that resolves inside our own network could make the notifier attack it (SSRF).
Every address the host name resolves to is checked at send time, not when configured, because
DNS answers change. The HTTP client resolves again when it connects, so a hostile DNS server
could still answer differently in between; pinning the checked address is the next step.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressRefused(ValueError):
    """The URL may not be called; the reason names the address and why."""


def networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def refusal(address: IPAddress, allowed: tuple[Network, ...]) -> str | None:
    """Why this address may not be called, or None if it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in net for net in allowed):
        return None
    for kind, flag in (("loopback", address.is_loopback), ("link-local", address.is_link_local),
                       ("multicast", address.is_multicast), ("unspecified", address.is_unspecified),
                       ("reserved", address.is_reserved), ("private", address.is_private)):
        if flag:
            return f"{address} is a {kind} address"
    return None


def check_url(url: str) -> tuple[str, int]:
    """Host and port of an http(s) URL; raise AddressRefused for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(f"not an http(s) URL: {url[:100]!r}")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


async def ensure_public(url: str, allowed: tuple[Network, ...]) -> None:
    """Resolve the URL's host and refuse it if any of its addresses is not allowed."""
    host, port = check_url(url)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise OSError(f"cannot resolve {host}: {exc}") from None  # DNS may recover: retry
        found = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in found:
        reason = refusal(address, allowed)
        if reason:
            raise AddressRefused(f"webhook {host} refused: {reason}")
