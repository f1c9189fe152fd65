"""Shared fixtures: two moto_server processes ("AWS" and "Vultr") on loopback,
bootstrapped with the same resources as a deployment (devstack.resources)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from chalicelib import clients
from chalicelib.errors import GiveUpError, RetryableError
from chalicelib.pipeline import jobs
from chalicelib.settings import Settings, get_settings, reset_settings
from devstack.env import secret_values, service_environment
from devstack.moto import MotoServer
from devstack.resources import bootstrap


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Emulators:
    aws: MotoServer
    vultr: MotoServer
    settings: Settings
    secrets: dict[str, str]


@pytest.fixture(scope="session")
def emulators() -> Iterator[Emulators]:
    from chalicelib.ingress.service import default_ingress

    aws, vultr = MotoServer(free_port()).start(), MotoServer(free_port()).start()
    base = {"RELAY_AWS_PORT": str(aws.port), "RELAY_VULTR_PORT": str(vultr.port)}
    saved = dict(os.environ)
    os.environ.update(service_environment(base))
    reset_settings()
    clients.reset()
    default_ingress.cache_clear()
    # Provider API credentials for the fake Mux and Cloudflare servers (never real ones).
    secrets = secret_values({"MUX_TOKEN_ID": "test-mux-token-id", "MUX_TOKEN_SECRET": "test-mux-token-secret",
                             "CLOUDFLARE_API_TOKEN": "test-cloudflare-token"})
    try:
        os.environ["JOBS_QUEUE_URL"] = bootstrap(get_settings(), secrets)
        reset_settings()
        yield Emulators(aws, vultr, get_settings(), secrets)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()
        clients.reset()
        default_ingress.cache_clear()
        aws.stop()
        vultr.stop()



@pytest.fixture
def job_kinds() -> Iterator[list[dict]]:
    """Registers `ok`, `retry` and `give-up` job kinds; yields the jobs that ran."""
    ran: list[dict] = []

    @jobs.register("ok")
    def ok(job: dict) -> None:
        ran.append(job)

    @jobs.register("retry")
    def retry(job: dict) -> None:
        raise RetryableError("throttled", detail="try later")

    @jobs.register("give-up")
    def give_up(job: dict) -> None:
        raise GiveUpError("source gone", detail="404")

    yield ran
    for kind in ("ok", "retry", "give-up"):
        jobs.unregister(kind)
