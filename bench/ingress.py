"""Ingress speed, per provider.

1. verify + parse + normalize throughput: the pure functions alone, one core.
2. p50 / p99 of a full request through `chalice.test.Client` against the local
   emulators (two moto_server processes): authenticate, archive raw to S3,
   normalize, deduplicate (DynamoDB), append history, enqueue (SQS), answer.

    .venv/bin/python bench/ingress.py [--seconds 2] [--requests 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.providers import WEBHOOKS
from chalicelib.providers.base import Context, InboundRequest
from devstack.env import secret_values, service_environment
from devstack.moto import MotoServer
from tests.conftest import free_port
from tests.ingress.requests import BUILDERS

SECRETS = {name: f"bench-{name.lower()}" for name in secret_values({})}


def pure_rate(route: str, seconds: float) -> float:
    """Events per second of authenticate + parse + normalize on one request, repeated."""
    now = int(time.time())
    signed = BUILDERS[route](SECRETS, now=now)
    request = InboundRequest(body=signed.body, headers=signed.headers, query={}, received_at=now)
    adapter = WEBHOOKS[route]
    secrets = [SECRETS[adapter.secret_name]]
    ctx = Context(received_at=now, raw="s3://raw/x.json", ingest_bucket="ingest", accounts={})
    for _ in range(2000):  # warm-up: first-call caches, CPU frequency
        adapter.normalize(adapter.parse(request), request, ctx)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(200):
            adapter.authenticate(request, secrets, now)
            adapter.normalize(adapter.parse(request), request, ctx)
        done += 200
    return done / (time.perf_counter() - started)


def full_requests(route: str, count: int, secrets: dict[str, str], fresh_queue: bool = True) -> list[float]:
    from chalice.test import Client

    from app import app
    from chalicelib import clients
    from chalicelib.ingress.service import default_ingress
    from chalicelib.settings import reset_settings

    # moto's SendMessage slows down linearly with queue depth (11 ms at 500 messages,
    # 45 ms at 2,000); the worker keeps the real queue near empty, so each run gets a fresh one.
    if fresh_queue:
        os.environ["JOBS_QUEUE_URL"] = clients.aws("sqs").create_queue(QueueName=f"bench-{route}")["QueueUrl"]
        reset_settings()
        default_ingress.cache_clear()
    timings = []
    with Client(app) as client:
        requests = [BUILDERS[route](secrets) for _ in range(count + 20)]
        for i, request in enumerate(requests):
            started = time.perf_counter()
            answer = client.http.post(request.path, headers=request.headers, body=request.body)
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, answer.body
            if i >= 20:  # warm-up: first boto3 clients, idempotency layer
                timings.append(elapsed)
    return timings


class MemoryArchive:
    def __init__(self) -> None:
        self.objects: dict[str, dict] = {}

    def location(self, key: str) -> str:
        return f"memory://{key}"

    def store(self, key: str, document: dict) -> str:
        self.objects[key] = document
        return self.location(key)


class MemoryLedger:
    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    def register_context(self, lambda_context: object) -> None:
        pass

    def record(self, event) -> bool:
        key = (event.source, event.id)
        first = key not in self.seen
        self.seen.add(key)
        return first


def relay_only(route: str, count: int, secrets: dict[str, str]) -> list[float]:
    """The same requests with in-memory stores: the relay's own share of the latency."""
    from chalicelib.ingress import service
    from chalicelib.settings import get_settings

    real = service.default_ingress
    service.default_ingress = lambda: service.Ingress(get_settings(), MemoryArchive(), MemoryLedger())
    try:
        return full_requests(route, count, secrets, fresh_queue=False)
    finally:
        service.default_ingress = real


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    rates = {route: pure_rate(route, args.seconds) for route in BUILDERS}

    aws, vultr = MotoServer(free_port()).start(), MotoServer(free_port()).start()
    try:
        os.environ.update(service_environment({"RELAY_AWS_PORT": str(aws.port), "RELAY_VULTR_PORT": str(vultr.port)}))
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        from chalicelib.settings import get_settings, reset_settings
        from devstack.resources import bootstrap

        reset_settings()
        secrets = secret_values({})
        os.environ["JOBS_QUEUE_URL"] = bootstrap(get_settings(), secrets)
        reset_settings()
        latencies = {route: full_requests(route, args.requests, secrets) for route in BUILDERS}
        own = {route: relay_only(route, args.requests, secrets) for route in BUILDERS}
    finally:
        aws.stop()
        vultr.stop()

    print(f"ingress benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    print(f"{'provider':16} {'verify+normalize':>18} {'full p50':>10} {'full p99':>10}"
          f" {'relay-only p50':>15} {'relay-only p99':>15}")
    for route in BUILDERS:
        lat, mine = latencies[route], own[route]
        print(f"{route:16} {rates[route]:12,.0f} ev/s {percentile(lat, 50):7.2f} ms {percentile(lat, 99):7.2f} ms"
              f" {percentile(mine, 50):12.2f} ms {percentile(mine, 99):12.2f} ms")
    print("full = against moto_server (S3 PUT + 3 DynamoDB writes + SQS send per event);"
          " relay-only = the same requests with in-memory stores")
    print(f"targets: >= 20,000 ev/s verify+normalize; p99 < 15 ms full request ({args.requests} requests each)")


if __name__ == "__main__":
    main()
