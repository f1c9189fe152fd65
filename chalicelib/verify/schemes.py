"""The three schemes our providers use.

- `TimestampedHmac`: HMAC-SHA256 over `"{t}.{raw body}"`, hex, in a `k=v,k=v`
  header with a timestamp (Mux `t`/`v1`, Cloudflare Stream `time`/`sig1`).
- `BodyHmac`: HMAC over the raw body only, hex (Agora V2 SHA-256, V1 SHA-1).
- `verify_shared_secret`: a static secret compared in constant time
  (Cloudflare Notifications `cf-webhook-auth`, self-hosted hook tokens).

Hand-written: no maintained library implements these provider schemes
(mux-python and cloudflare ship no verifier; standardwebhooks is another format).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import UnauthorizedError

DEFAULT_TOLERANCE_S = 300
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() also takes "²"


def parse_kv_header(value: str) -> list[tuple[str, str]]:
    """`"t=1,v1=ab,v1=cd"` -> `[("t", "1"), ("v1", "ab"), ("v1", "cd")]`."""
    pairs = []
    for item in value.split(","):
        key, sep, val = item.partition("=")
        if not sep:
            raise UnauthorizedError("malformed signature header", detail=f"item without '=': {item.strip()[:20]!r}")
        pairs.append((key.strip(), val.strip()))
    return pairs


def _any_matches(expected: Sequence[bytes], candidates: Sequence[str]) -> bool:
    # Compare every pair (no early exit on the secret side) so timing says nothing about which matched.
    matched = False
    for mac in expected:
        for candidate in candidates:
            matched |= hmac.compare_digest(mac, candidate.lower().encode())
    return matched


@dataclass(frozen=True)
class TimestampedHmac:
    """`{t}.{body}` HMAC-SHA256 with a timestamp tolerance, several signatures allowed."""

    header: str
    timestamp_key: str
    signature_key: str
    tolerance_s: int = DEFAULT_TOLERANCE_S

    def verify(self, body: bytes, header_value: str | None, secrets: Sequence[str], now: float) -> int:
        """Returns the signed timestamp; raises UnauthorizedError naming the failed check."""
        if not header_value:
            raise UnauthorizedError("missing signature header", detail=self.header)
        pairs = parse_kv_header(header_value)
        stamps = [v for k, v in pairs if k == self.timestamp_key]
        signatures = [v for k, v in pairs if k == self.signature_key and v]
        if len(stamps) != 1 or not _UNIX_SECONDS.fullmatch(stamps[0]):
            raise UnauthorizedError("malformed signature header", detail=f"{self.header}: bad {self.timestamp_key}")
        if not signatures:
            raise UnauthorizedError("malformed signature header", detail=f"{self.header}: no {self.signature_key}")
        stamp = int(stamps[0])
        if stamp < now - self.tolerance_s:
            raise UnauthorizedError("timestamp too old", detail=f"{self.header}: older than {self.tolerance_s} s")
        if stamp > now + self.tolerance_s:
            raise UnauthorizedError("timestamp too new", detail=f"{self.header}: ahead by over {self.tolerance_s} s")
        signed = stamps[0].encode() + b"." + body
        expected = [_hex_hmac(s, signed, hashlib.sha256) for s in secrets]
        if not _any_matches(expected, signatures):
            raise UnauthorizedError("signature mismatch", detail=self.header)
        return stamp

    def sign(self, body: bytes, secret: str, timestamp: int) -> str:
        """The header value a provider would send (tests and the demo use it)."""
        mac = _hex_hmac(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).decode()
        return f"{self.timestamp_key}={timestamp},{self.signature_key}={mac}"


@dataclass(frozen=True)
class BodyHmac:
    """HMAC over the raw body, hex, one header per algorithm, preferred first."""

    headers: tuple[tuple[str, Callable[..., Any]], ...]

    def verify(self, body: bytes, header_values: dict[str, str], secrets: Sequence[str]) -> str:
        """Returns the header that verified; raises UnauthorizedError otherwise."""
        for header, digest in self.headers:
            signature = header_values.get(header)
            if signature is None:
                continue
            expected = [_hex_hmac(s, body, digest) for s in secrets]
            if not _any_matches(expected, [signature.strip()]):
                raise UnauthorizedError("signature mismatch", detail=header)
            return header
        raise UnauthorizedError("missing signature header", detail=" or ".join(h for h, _ in self.headers))

    def sign(self, body: bytes, secret: str) -> dict[str, str]:
        return {header: _hex_hmac(secret, body, digest).decode() for header, digest in self.headers}


def verify_shared_secret(presented: str | None, secrets: Sequence[str], what: str) -> None:
    """Constant-time comparison of a static secret or token."""
    if not presented:
        raise UnauthorizedError("missing credential", detail=what)
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(presented.encode(), secret.encode())
    if not matched:
        raise UnauthorizedError("wrong credential", detail=what)


def _hex_hmac(secret: str, message: bytes, digest: Callable[..., Any]) -> bytes:
    return hmac.new(secret.encode(), message, digest).hexdigest().encode()
