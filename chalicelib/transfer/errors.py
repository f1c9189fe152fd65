"""Transfer errors, on the relay's retry / give-up split."""

from __future__ import annotations

from chalicelib.errors import GiveUpError, RetryableError


class SourceRefusedError(GiveUpError):
    """The source location is not allowed (host not on the allow-list, private address)."""


class SourceGoneError(GiveUpError):
    """The source does not exist or we may not read it."""


class SourceChangedError(GiveUpError):
    """The source's identity (ETag / Last-Modified) changed during the copy."""


class TransientTransferError(RetryableError):
    """A part could not be moved after its retries; the job may try again later."""


class TruncatedReadError(RetryableError):
    """A response body ended before its promised length."""
