"""Media errors on the relay's retry / give-up split."""

from __future__ import annotations

from chalicelib.errors import GiveUpError, RetryableError


class MediaError(GiveUpError):
    """FFmpeg could not read or write the media; `detail` holds the end of its stderr."""


class BadMediaError(MediaError):
    """The input is corrupt, truncated, empty, or lacks what we need."""


class SegmentUnreadableError(RetryableError):
    """FFmpeg skipped an HLS segment it could not fetch (and would exit 0): a hole in the
    recording, so the whole remux is retried rather than archived."""


class MediaTimeoutError(RetryableError):
    """FFmpeg ran past its time budget and was killed (a later, longer run may finish)."""


class FfmpegMissingError(GiveUpError):
    """No FFmpeg binary was found."""
