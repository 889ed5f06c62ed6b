"""Which webhook URLs we may call: HTTPS to public addresses only.

Checked when an endpoint is registered and again before every attempt, since
what a name resolves to can change (DNS rebinding). Loopback http
(127.0.0.1, localhost) is allowed when WEBHOOK_ALLOW_LOCAL is on (DEBUG,
tests). A name that resolves to a private, loopback, link-local, multicast
or reserved address is refused, as is one that does not resolve.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why `address` may not be called, or None."""
    if address.is_loopback:
        return None if settings.WEBHOOK_ALLOW_LOCAL else "a loopback address"
    if getattr(address, "ipv4_mapped", None):
        return _refused(address.ipv4_mapped)
    for flag, what in [
        ("is_link_local", "a link-local address"),
        ("is_private", "a private address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_unspecified", "an unspecified address"),
    ]:
        if getattr(address, flag):
            return what
    return None


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to now; ValidationError if none."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError(
            f"The webhook host “{host}” does not resolve ({error})."
        ) from None
    return sorted({info[4][0] for info in infos})


def check_webhook_url(url: str) -> None:
    """Raise ValidationError, saying why, unless `url` may receive webhooks."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise ValidationError(f"“{url}” is not a URL ({error}).") from None
    host = (parts.hostname or "").lower()
    if not host:
        raise ValidationError(f"“{url}” names no host.")
    if parts.username or parts.password:
        raise ValidationError("A webhook URL may not carry a user name or password.")
    local = host in LOCAL_NAMES and settings.WEBHOOK_ALLOW_LOCAL
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValidationError(
            f"A webhook URL must start with https:// (“{url}” does not); plain "
            "http is allowed only for 127.0.0.1 or localhost in development."
        )
    port = port or (443 if parts.scheme == "https" else 80)
    for address in resolve(host, port):
        reason = _refused(ipaddress.ip_address(address.split("%")[0]))
        if reason:
            raise ValidationError(
                f"The webhook host “{host}” resolves to {address}, {reason}: "
                "webhooks are only sent to public addresses."
            )
