"""Deterministic ids: the same provider facts always give the same id, so
redeliveries, replays and reconciliation land on the same records."""

from __future__ import annotations

import hashlib

_SEPARATOR = "\x1f"  # unit separator: cannot occur in ids, so ("a", "bc") != ("ab", "c")
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648 alphabet, lower-case


def _digest(parts: tuple[str, ...], size: int) -> str:
    joined = _SEPARATOR.join(parts).encode()
    bits = size * 8
    chars = -(-bits // 5)
    number = int.from_bytes(hashlib.blake2b(joined, digest_size=size).digest(), "big") << (chars * 5 - bits)
    # The same text as base64.b32encode unpadded (lower-cased), which is pure Python and 5x slower.
    return "".join(_BASE32[(number >> (5 * (chars - 1 - i))) & 31] for i in range(chars)).lower()


def recording_id(provider: str, provider_recording_id: str) -> str:
    """`rec_` + 16 base32 chars from (provider, the provider's recording id)."""
    return "rec_" + _digest((provider, provider_recording_id), 10)


def stream_id(provider: str, provider_stream_id: str) -> str:
    """`str_` + 16 base32 chars, the subject of stream events with no recording."""
    return "str_" + _digest((provider, provider_stream_id), 10)


def event_id(*identifying: str) -> str:
    """`evt_` + 26 base32 chars, for events whose provider gives no id of its own."""
    return "evt_" + _digest(identifying, 16)
