"""Scheduled reconciliation: find what webhooks missed and re-drive stuck work.

1. Discover: each configured source lists what finished in the window; a
   recording the catalog does not know (or knows only as `announced`) gets the
   synthesized event, through the same ledger as a webhook (so duplicates and
   races collapse).
2. Re-drive: recordings in a non-terminal state untouched for too long are
   re-enqueued; past the attempt cap they are marked `failed`.
3. Clean up: multipart uploads in the archive older than a threshold with no
   live checkpoint are aborted.
4. Report: metrics and one JSON log line.

Every step is idempotent, and conditional writes make two concurrent runs safe.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from chalicelib.observability import logger


@dataclass
class ReconcileSummary:
    missing_found: int = 0
    redriven: int = 0
    failed: int = 0
    uploads_aborted: int = 0
    oldest_non_terminal_age_s: float = 0.0
    checked: int = 0
    source_errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def run(since: float | None = None, now: float | None = None, sources: list[str] | None = None,
        redrive: bool = True, clean_up: bool = True, lambda_context: Any = None) -> ReconcileSummary:
    from chalicelib.reconcile.steps import abort_abandoned_uploads, discover, redrive_stuck, report
    from chalicelib.settings import get_settings

    started = time.monotonic()
    settings = get_settings()
    now = time.time() if now is None else now
    since = now - settings.reconcile_window_s if since is None else since
    summary = ReconcileSummary()
    discover(settings, since, now, summary, sources, lambda_context)
    if redrive:
        redrive_stuck(settings, now, summary)
    if clean_up:
        abort_abandoned_uploads(settings, now, summary)
    summary.seconds = round(time.monotonic() - started, 3)
    report(summary)
    logger.info("reconcile run", extra={"summary": asdict(summary)})
    return summary
