"""`make run`: the whole service on loopback emulators, until Ctrl-C.

Starts moto_server for "AWS" and for "Vultr", creates what a deployment has,
serves the Chalice routes, drains the jobs queue through the same handler the
jobs Lambda runs, and runs reconciliation on a timer.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import FrameType

from devstack.env import (
    HOST,
    STAGE,
    ports,
    secret_values,
    service_environment,
    uses_real_vultr,
    write_env_file,
)
from devstack.moto import MotoServer

PROJECT = Path(__file__).resolve().parent.parent
ENV_FILE = PROJECT / ".relay" / "local.env"  # or $RELAY_STATE_DIR/local.env
READY_TIMEOUT_S = 60.0


def caller_environment() -> dict[str, str]:
    """The process environment over `.env` (the environment wins)."""
    from dotenv import dotenv_values

    from_file = {k: v for k, v in dotenv_values(PROJECT / ".env").items() if v is not None}
    return {**from_file, **os.environ}


def wait_until_answering(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:  # noqa: S310 - our own loopback URL
                if answer.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


def serve(api_port: int, stop: threading.Event, reconcile_every_s: float) -> tuple[object, list[threading.Thread]]:
    """Import the app (after the environment is set) and start its local drivers."""
    from chalice.config import Config
    from chalice.local import create_local_server

    import app as relay
    from chalicelib.settings import get_settings
    from devstack.worker import QueueDrainer, Timer

    settings = get_settings()
    config = Config.create(chalice_stage=STAGE, app_name="recording-relay", project_dir=str(PROJECT),
                           config_from_disk=json.loads((PROJECT / ".chalice" / "config.json").read_text()))
    server = create_local_server(relay.app, config, HOST, api_port)
    threads = [
        threading.Thread(target=server.serve_forever, name="api", daemon=True),
        QueueDrainer(relay.handle_jobs, settings.jobs_queue_url, settings.region, stop),
        Timer(relay.reconcile, reconcile_every_s, settings.region, stop),
    ]
    for thread in threads:
        thread.start()
    return server, threads


def main() -> int:
    base = caller_environment()
    aws_port, vultr_port, api_port = ports(base)
    real_vultr = uses_real_vultr(base)
    stop = threading.Event()
    signalled: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Only a plain append here: taking the Event's lock inside a handler deadlocks
        # when the signal lands while the main thread itself holds that lock.
        signalled.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    emulators = [MotoServer(aws_port)] + ([] if real_vultr else [MotoServer(vultr_port)])
    server = None
    try:
        for emulator in emulators:
            if signalled:
                return 130
            emulator.start()
        os.environ.update(service_environment(base))
        from chalicelib import clients
        from chalicelib.settings import get_settings, reset_settings
        from devstack.resources import bootstrap

        reset_settings()
        clients.reset()
        secrets = secret_values(base)
        os.environ["JOBS_QUEUE_URL"] = bootstrap(get_settings(), secrets, archive_emulated=not real_vultr)
        reset_settings()
        api_url = f"http://{HOST}:{api_port}"
        env_file = Path(base["RELAY_STATE_DIR"]) / "local.env" if base.get("RELAY_STATE_DIR") else ENV_FILE
        write_env_file(env_file, {**service_environment(base), "JOBS_QUEUE_URL": os.environ["JOBS_QUEUE_URL"],
                                  "RELAY_API_URL": api_url, **secrets})
        server, _ = serve(api_port, stop, float(base.get("RELAY_RECONCILE_SECONDS", "60")))
        wait_until_answering(f"{api_url}/health", READY_TIMEOUT_S)
        print(f"recording-relay ready on {api_url}", flush=True)
        while not signalled:
            time.sleep(0.2)
        print("recording-relay stopping", flush=True)
        return 0
    finally:
        stop.set()
        if server is not None:
            server.shutdown()  # type: ignore[attr-defined]
        for emulator in emulators:
            emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
