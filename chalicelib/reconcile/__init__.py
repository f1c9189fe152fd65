"""Scheduled reconciliation: find what webhooks missed and re-drive stuck work.

Discovery, re-drive and clean-up are built by the reconciliation issue; the
run already reports a summary line so the schedule and the local timer are wired.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from chalicelib.observability import logger


@dataclass
class ReconcileSummary:
    missing_found: int = 0
    redriven: int = 0
    failed: int = 0
    uploads_aborted: int = 0
    seconds: float = 0.0


def run() -> ReconcileSummary:
    started = time.monotonic()
    summary = ReconcileSummary()
    summary.seconds = round(time.monotonic() - started, 3)
    logger.info("reconcile run", extra={"summary": asdict(summary)})
    return summary
