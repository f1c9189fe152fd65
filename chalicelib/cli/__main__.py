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
    args = parser.parse_args(argv)
    try:
        return run_copy(args)
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
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, disable=quiet, file=sys.stderr)

    def __call__(self, report: object) -> None:
        self.bar.update(getattr(report, "done", 0) - self.bar.n)

    def __enter__(self) -> progress_bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


if __name__ == "__main__":
    sys.exit(main())
