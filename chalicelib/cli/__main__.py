"""python -m chalicelib.cli COMMAND …

Reads the same environment as the service (for the local stack:
`set -a; . .relay/local.env; set +a`).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from chalicelib.errors import RelayError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    copy = commands.add_parser("copy", help="copy a recording into the archive with the transfer engine")
    copy.add_argument("source", help="s3://bucket/key, vultr://bucket/key, https://… or a file path")
    copy.add_argument("destination", help="vultr://bucket/key")
    copy.add_argument("--workers", type=int, default=4)
    copy.add_argument("--part-size-mib", type=int, default=16)
    copy.add_argument("--integrity", choices=["auto", "crc32", "md5"], default="auto")
    copy.add_argument("--resume", action="store_true",
                      help="checkpoint in the catalog table, so an interrupted copy continues when run again")
    copy.add_argument("--quiet", action="store_true", help="no progress bar")
    copy.set_defaults(run=run_copy)
    _replay_parser(commands)
    from chalicelib.cli.reconcile import add_parsers

    add_parsers(commands)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except RelayError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def run_copy(args: argparse.Namespace) -> int:
    from chalicelib.settings import get_settings
    from chalicelib.transfer.checkpoint import CheckpointStore, DynamoCheckpoints, MemoryCheckpoints
    from chalicelib.transfer.engine import Copier, Status, TransferConfig
    from chalicelib.transfer.integrity import Integrity
    from chalicelib.transfer.locations import open_destination, open_source
    from chalicelib.transfer.plan import MIB

    source = open_source(args.source, args.workers)
    destination = open_destination(args.destination, args.workers)
    checkpoints: CheckpointStore = (DynamoCheckpoints(get_settings().catalog_table) if args.resume
                                    else MemoryCheckpoints())
    interrupted = []

    def stop(signum: int, frame: FrameType | None) -> None:
        interrupted.append(signum)  # finish the parts in flight, then stop

    signal.signal(signal.SIGINT, stop)
    config = TransferConfig(workers=args.workers, target_part_size=args.part_size_mib * MIB,
                            integrity=Integrity(args.integrity), deadline_margin_s=0.0)
    try:
        with progress_bar(source.size, args.quiet) as bar:
            outcome = Copier(source, destination, checkpoints, config=config, progress=bar,
                             remaining_s=lambda: -1.0 if interrupted else float("inf")).run()
    finally:
        if isinstance(checkpoints, MemoryCheckpoints):  # nothing can resume it: leave no upload open
            for checkpoint in checkpoints.items.values():
                destination.abort(checkpoint.upload_id)
    if outcome.status is Status.CONTINUE:
        hint = "run the same command again to resume" if args.resume else "use --resume to make copies resumable"
        print(f"stopped after {outcome.parts_moved} parts; {hint}", file=sys.stderr)
        return 130
    print(f"{outcome.status}: {source.uri} -> {args.destination} ({outcome.size} bytes)", file=sys.stderr)
    return 0


class progress_bar:
    """A tqdm bar fed by the engine's progress reports."""

    def __init__(self, total: int, quiet: bool) -> None:
        try:
            from tqdm import tqdm
        except ImportError:  # a dev dependency: without it, no bar
            from chalicelib.replay.progress import NoBar as tqdm

        self.bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, disable=quiet, file=sys.stderr)

    def __call__(self, report: object) -> None:
        self.bar.update(getattr(report, "done", 0) - self.bar.n)

    def __enter__(self) -> progress_bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


def _replay_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from chalicelib.events import Provider

    def moment(text: str) -> float:
        from chalicelib.replay.window import parse_moment

        try:
            return parse_moment(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    replay = sub.add_parser(
        "replay", help="re-feed archived raw requests through normalization and deduplication",
        description="Re-feed one provider's archived raw requests (oldest first) through parse, normalize and "
                    "the idempotency ledger, as live ingress does but without verifying signatures (the archive "
                    "keeps no secrets) or archiving again. Events the ledger has seen (3 days) are not enqueued "
                    "twice; new ones are enqueued as jobs.")
    replay.add_argument("--provider", required=True, choices=[str(p) for p in Provider])
    replay.add_argument("--since", required=True, type=moment,
                        help="received at or after: 2026-11-20, 2026-11-20T12:00:00Z (UTC unless a zone is given), "
                             "or a duration ago: 90m, 48h, 7d")
    replay.add_argument("--until", type=moment, help="received before (same forms; default: now)")
    mode = replay.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true",
                      help="list the documents and their normalized event ids and types; write nothing")
    mode.add_argument("--force", action="store_true",
                      help="bypass the idempotency ledger: enqueue every normalized event again (after the "
                           "catalog was wiped; safe, as event ids are deterministic and transitions forward-only)")
    replay.add_argument("--quiet", action="store_true", help="no progress bar")
    replay.add_argument("--verbose", action="store_true", help="keep the service's INFO log lines")
    replay.set_defaults(run=_replay)


def _replay(args: argparse.Namespace) -> int:
    import time

    from chalicelib.observability import logger
    from chalicelib.replay.documents import RawReader
    from chalicelib.replay.progress import document_bar
    from chalicelib.replay.run import Replay, replay_ingress
    from chalicelib.settings import get_settings

    until = time.time() if args.until is None else args.until
    if until <= args.since:
        print("error: --until must be after --since", file=sys.stderr)
        return 2
    settings = get_settings()
    job = Replay(replay_ingress(settings, force=args.force, dry_run=args.dry_run), RawReader(settings.raw_bucket),
                 dry_run=args.dry_run, force=args.force, report=print if args.dry_run else None)
    level = logger.log_level
    if not args.verbose:
        logger.setLevel("WARNING")  # one INFO line per event would bury the summary
    try:
        days = job.keys(args.provider, args.since, until)
        with document_bar(sum(map(len, days)), args.quiet, desc=f"replay {args.provider}") as advance:
            summary = job.run(args.provider, args.since, until, days=days, progress=advance)
    finally:
        logger.setLevel(level)
    print("\n".join(summary.lines()))
    return 1 if summary.refused else 0  # scripts must see that some documents did not go through


if __name__ == "__main__":
    sys.exit(main())
