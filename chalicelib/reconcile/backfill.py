"""Backfill: archive historical recordings through discovery, gently.

The same discovery as the scheduled run, over any window, for one provider,
rate-limited (provider APIs and our own queue both have limits) and reporting
progress as it goes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalicelib.reconcile import ReconcileSummary

SOURCE_OF = {"mux": "mux", "cloudflare": "cloudflare", "ivs": "ivs", "agora": "ingest", "nginx-rtmp": "ingest",
             "srs": "ingest", "mediamtx": "ingest"}


def backfill(provider: str, since: float, until: float, rate_per_s: float,
             progress: Callable[[int], object] = lambda n: None, dry_run: bool = False) -> ReconcileSummary:
    """Submit every recording of `provider` finished in [since, until) that the catalog
    lacks, at most `rate_per_s` a second; `progress(n)` after each checked event."""
    from chalicelib.catalog.recordings import Recordings
    from chalicelib.ingress.service import default_ingress
    from chalicelib.reconcile.discover import SOURCES
    from chalicelib.reconcile.steps import _batches, _missing, _submit
    from chalicelib.settings import get_settings

    settings = get_settings()
    from chalicelib.ingress.ledger import OfflineContext

    recordings, ledger = Recordings(settings.catalog_table), default_ingress().ledger
    ledger.register_context(OfflineContext())
    summary, started = ReconcileSummary(), time.monotonic()
    for batch in _batches(SOURCES[SOURCE_OF[provider]](settings, since, until), 100):
        known = recordings.get_many([e.data.recording.id for e in batch if e.data.recording])
        for event in batch:
            summary.checked += 1
            wanted = str(event.data.provider) == provider and _missing(known, event)
            if wanted and (dry_run or _submit(ledger, event)):
                summary.missing_found += 1
                _pace(summary.missing_found, rate_per_s, started)
            progress(1)
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _pace(submitted: int, rate_per_s: float, started: float, sleep: Any = time.sleep) -> None:
    """Sleep until `submitted` events fit within `rate_per_s` since `started`."""
    if rate_per_s > 0:
        ahead = submitted / rate_per_s - (time.monotonic() - started)
        if ahead > 0:
            sleep(ahead)
