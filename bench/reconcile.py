"""Reconciliation run time for N catalog entries against the emulators.

Seeds N self-hosted recordings (a tiny object each in the ingest bucket, and a
`processed` catalog item each, so discovery must check every one and find
nothing missing) plus 5 % stuck in `archiving` for two hours (re-driven), then
times `reconcile.run()` (discovery of the ingest bucket, re-drive, clean-up).

    .venv/bin/python bench/reconcile.py [--entries 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devstack.env import secret_values, service_environment
from devstack.moto import MotoServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(entries: int) -> int:
    from chalicelib import clients
    from chalicelib.catalog.recordings import Recordings
    from chalicelib.catalog.states import Status
    from chalicelib.events import Via
    from chalicelib.providers.base import Context
    from chalicelib.providers.selfhosted import IngestObject, recording_ready
    from chalicelib.settings import get_settings

    settings = get_settings()
    s3, ddb, recordings = clients.aws("s3"), clients.aws("dynamodb"), Recordings(settings.catalog_table)
    ctx = Context(received_at=time.time(), via=Via.WEBHOOK, ingest_bucket=settings.ingest_bucket)
    stuck = max(1, entries // 20)
    old = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 7200))

    def one(index: int) -> None:
        obj = IngestObject.from_key(f"nginx-rtmp/live/cam-{index % 37}/rec-{index:05d}.flv")
        assert obj is not None
        s3.put_object(Bucket=settings.ingest_bucket, Key=obj.key, Body=b"FLV")
        event = recording_ready(obj, ctx, time=time.time())
        recordings.move(event, Status.READY)
        status = Status.ARCHIVING if index < stuck else Status.PROCESSED
        ddb.update_item(TableName=settings.catalog_table, Key={"pk": {"S": event.subject}, "sk": {"S": "META"}},
                        UpdateExpression="SET #s = :s, updated_at = :t, gsi2pk = :g, gsi2sk = :t",
                        ExpressionAttributeNames={"#s": "status"},
                        ExpressionAttributeValues={":s": {"S": str(status)}, ":g": {"S": f"STATUS#{status}"},
                                                   ":t": {"S": old if index < stuck else ctx_now()}})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(entries)))
    return stuck


def ctx_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    aws, vultr = MotoServer(free_port()).start(), MotoServer(free_port()).start()
    try:
        os.environ.update(service_environment({"RELAY_AWS_PORT": str(aws.port), "RELAY_VULTR_PORT": str(vultr.port)}))
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        from chalicelib.reconcile import run
        from chalicelib.settings import get_settings, reset_settings
        from devstack.resources import bootstrap

        reset_settings()
        os.environ["JOBS_QUEUE_URL"] = bootstrap(get_settings(), secret_values({}))
        reset_settings()
        started = time.monotonic()
        stuck = seed(args.entries)
        print(f"seeded {args.entries} recordings ({stuck} stuck) in {time.monotonic() - started:.1f} s")
        times = []
        for index in range(args.runs):
            began = time.monotonic()
            summary = run(sources=["ingest", "ivs"])
            times.append(time.monotonic() - began)
            print(f"run {index + 1}: {times[-1]:.2f} s  checked={summary.checked} missing={summary.missing_found}"
                  f" redriven={summary.redriven} failed={summary.failed} aborted={summary.uploads_aborted}"
                  f" oldest={summary.oldest_non_terminal_age_s:.0f} s")
        print(f"\nreconcile, {args.entries} catalog entries, moto_server on loopback: "
              f"median {statistics.median(times):.2f} s over {args.runs} runs")
    finally:
        aws.stop()
        vultr.stop()


if __name__ == "__main__":
    main()
