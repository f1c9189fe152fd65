"""Webhook authenticity checks: pure functions over the raw bytes.

Each raises `UnauthorizedError` whose detail says which check failed; none
ever puts a secret or a computed signature into the message.
"""

from chalicelib.verify.schemes import (
    BodyHmac,
    TimestampedHmac,
    parse_kv_header,
    verify_shared_secret,
)

__all__ = ["BodyHmac", "TimestampedHmac", "parse_kv_header", "verify_shared_secret"]
