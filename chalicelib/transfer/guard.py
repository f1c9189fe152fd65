"""SSRF protection for download URLs: an allow-list of hosts, and no private,
loopback, link-local or otherwise non-public addresses (unless the local stack
turns that off). Every redirect hop is checked again."""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib.transfer.errors import SourceRefusedError, TransientTransferError

# The providers' media hosts (Mux static renditions and master files, Cloudflare downloads).
DEFAULT_ALLOWED_HOSTS = ("stream.mux.com", "*.mux.com", "*.cloudflarestream.com", "videodelivery.net",
                         "*.videodelivery.net")

Resolver = Callable[[str, int], Sequence[str]]


def resolve(host: str, port: int) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)})


@dataclass(frozen=True)
class UrlGuard:
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    allow_private: bool = False
    resolver: Resolver = resolve

    def check(self, url: str) -> None:
        """Raise SourceRefusedError unless `url` may be fetched."""
        from urllib3.util import parse_url

        # Parse with the parser that connects (urllib3), and refuse what parsers disagree on.
        if "\\" in url or any(ord(c) < 33 for c in url):
            raise SourceRefusedError("source URL refused", detail="backslash or control character")
        try:
            parts = parse_url(url)
        except ValueError as exc:
            raise SourceRefusedError("source URL refused", detail="unparseable") from exc
        if parts.auth or urlsplit(url).username is not None:
            raise SourceRefusedError("source URL refused", detail="credentials in the URL")
        host = (parts.host or "").lower().strip("[]")
        if host != (urlsplit(url).hostname or ""):
            raise SourceRefusedError("source URL refused", detail="ambiguous host")
        allowed_schemes = ("https", "http") if self.allow_private else ("https",)
        if parts.scheme not in allowed_schemes or not host:
            raise SourceRefusedError("source URL refused", detail=f"scheme {parts.scheme!r} or no host")
        if not any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in self.allowed_hosts):
            raise SourceRefusedError("source host is not allowed", detail=f"{host} (ALLOWED_SOURCE_HOSTS)")
        if self.allow_private:
            return
        try:
            addresses = self.resolver(host, parts.port or 443)
        except socket.gaierror as exc:
            if exc.errno == socket.EAI_NONAME:  # the name does not exist: permanent
                raise SourceRefusedError("source host does not resolve", detail=host) from exc
            raise TransientTransferError("source host lookup failed", detail=host) from exc  # EAI_AGAIN and kin
        except OSError as exc:
            raise TransientTransferError("source host lookup failed", detail=host) from exc
        private = [a for a in addresses if not ipaddress.ip_address(a).is_global]
        if private or not addresses:
            raise SourceRefusedError("source host resolves to a non-public address", detail=host)


def guard_from_settings(hosts: str, allow_private: bool, trusted: Sequence[str] = ()) -> UrlGuard:
    """The allow-list (or the default one), plus the hosts of provider URLs the
    operator configured (MUX_STREAM_URL, CLOUDFLARE_API_URL): those are trusted."""
    configured = tuple(h.strip() for h in hosts.split(",") if h.strip())
    extra = tuple(h for h in (urlsplit(u).hostname for u in trusted) if h)
    return UrlGuard(allowed_hosts=(configured or DEFAULT_ALLOWED_HOSTS) + extra, allow_private=allow_private)
