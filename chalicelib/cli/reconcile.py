"""`reconcile` and `backfill`: the scheduled run on demand, and history archived through discovery."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from typing import Any

from chalicelib.events import rfc3339


def _epoch(text: str) -> float:
    """An RFC 3339 time, or a relative `48h` / `7d` / `90m` before now."""
    units = {"m": 60, "h": 3600, "d": 86400}
    if text[-1:] in units and text[:-1].isdigit():
        return time.time() - int(text[:-1]) * units[text[-1]]
    from datetime import datetime

    return datetime.fromisoformat(rfc3339(text).replace("Z", "+00:00")).timestamp()


def add_parsers(commands: Any) -> None:
    run = commands.add_parser("reconcile", help="run the scheduled reconciliation now")
    run.add_argument("--since", type=_epoch, help="window start: RFC 3339 or 48h / 7d (default RECONCILE_WINDOW)")
    run.add_argument("--source", action="append", choices=["mux", "cloudflare", "ivs", "ingest"],
                     help="only these discovery sources (default: every configured one)")
    run.add_argument("--no-redrive", action="store_true")
    run.add_argument("--no-cleanup", action="store_true")
    run.set_defaults(run=run_reconcile)

    fill = commands.add_parser("backfill", help="archive historical recordings of one provider through discovery")
    fill.add_argument("--provider", required=True,
                      choices=["mux", "cloudflare", "ivs", "agora", "nginx-rtmp", "srs", "mediamtx"])
    fill.add_argument("--since", type=_epoch, required=True, help="RFC 3339 or 30d")
    fill.add_argument("--until", type=_epoch, default=None, help="RFC 3339 (default: now)")
    fill.add_argument("--rate", type=float, default=2.0, help="recordings submitted per second at most (default 2)")
    fill.add_argument("--dry-run", action="store_true", help="count what would be archived, change nothing")
    fill.add_argument("--quiet", action="store_true", help="no progress bar")
    fill.set_defaults(run=run_backfill)


def run_reconcile(args: argparse.Namespace) -> int:
    from chalicelib.reconcile import run

    summary = run(since=args.since, sources=args.source, redrive=not args.no_redrive, clean_up=not args.no_cleanup)
    print(json.dumps(asdict(summary), indent=2))
    return 0 if not summary.source_errors else 1


def run_backfill(args: argparse.Namespace) -> int:
    from chalicelib.reconcile.backfill import backfill
    from chalicelib.replay.progress import document_bar

    with document_bar(None, args.quiet, desc=f"backfill {args.provider}", unit="rec") as advance:
        summary = backfill(args.provider, args.since, args.until or time.time(), args.rate, advance,
                           dry_run=args.dry_run)
    verb = "would archive" if args.dry_run else "submitted"
    print(f"checked {summary.checked}, {verb} {summary.missing_found} in {summary.seconds:.1f} s")
    return 0
