"""Transfer engine against rclone and the aws-cli pipe, between two local S3
endpoints (nanio), for a 1 GiB and a 4 GiB random object.

For each copier, alternately over --rounds rounds: median wall time and MB/s,
client CPU seconds per GiB (user+sys of the copier's processes alone), peak RSS,
and temp disk (bytes left in the copier's own TMPDIR). Then the ratios of ours
to each peer, and the endpoints' raw single-stream PUT and GET ceiling.

    make bench-deps && .venv/bin/python bench/transfer.py [--sizes-gib 1 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
GIB = 1024**3
KEYS = {"access": "benchaccess", "secret": "benchsecret123"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_nanio(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "NANIO_ACCESS_KEY": KEYS["access"], "NANIO_SECRET_KEY": KEYS["secret"]}
    process = subprocess.Popen([PROJECT / ".venv/bin/nanio", "serve", "--data-dir", str(data_dir), "--host",
                                "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}"
        time.sleep(0.05)
    raise RuntimeError("nanio did not start")


def client(endpoint: str) -> Any:
    from chalicelib.clients import s3_compatible_config

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=KEYS["access"],
                        aws_secret_access_key=KEYS["secret"], region_name="us-east-1",
                        config=s3_compatible_config(16, sign_payload=False))


def make_object(endpoint: str, bucket: str, key: str, size: int) -> None:
    """Random bytes, uploaded in parallel parts (written once, reused every round)."""
    chunk = os.urandom(64 * 1024 * 1024)
    with tempfile.TemporaryFile() as data:
        for offset in range(0, size, len(chunk)):
            data.write(chunk[: min(len(chunk), size - offset)])
            chunk = chunk[1:] + chunk[:1]  # no two chunks alike
        data.seek(0)
        client(endpoint).upload_fileobj(data, bucket, key, Config=TransferConfig(multipart_chunksize=64 * 2**20))


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    rss_mb: float
    temp_bytes: int


@dataclass
class Copier:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    shell: bool = False  # command[0] is a bash pipeline
    runs: dict[int, list[Run]] = field(default_factory=dict)


def run_copier(copier: Copier) -> Run:
    # GNU time measures the copier alone: user+sys of it and every descendant it waited for
    # (the pipe's two aws processes), and its peak RSS. (Forking from this process directly
    # would report our own RSS at fork time as the child's peak.)
    command = copier.command if not copier.shell else ["bash", "-c", copier.command[0]]
    with tempfile.TemporaryDirectory(prefix="copier-tmp-") as tmp:
        env = {**os.environ, **copier.env, "TMPDIR": tmp}
        done = subprocess.run(["/usr/bin/time", "-f", "RELAYTIME %e %U %S %M", *command], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{copier.name} failed: {done.stderr[-2000:]}")
        temp = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
    wall, user, system, rss_kb = done.stderr.strip().splitlines()[-1].split()[1:]
    return Run(float(wall), float(user) + float(system), float(rss_kb) / 1024, temp)


def copiers(src: str, dst: str, size: int) -> list[Copier]:
    ours_env = {"AWS_ENDPOINT_URL": src, "AWS_ACCESS_KEY_ID": KEYS["access"], "AWS_SECRET_ACCESS_KEY": KEYS["secret"],
                "AWS_REGION": "us-east-1", "VULTR_ENDPOINT": dst, "VULTR_ACCESS_KEY": KEYS["access"],
                "VULTR_SECRET_KEY": KEYS["secret"], "SECRETS_BACKEND": "env", "POWERTOOLS_LOG_LEVEL": "WARNING",
                "ALLOW_PRIVATE_SOURCES": "1"}
    ours = [sys.executable, "-m", "chalicelib.cli", "copy", "s3://src/object", "vultr://dst/object", "--quiet",
            "--workers", "4", "--part-size-mib", "16"]
    rclone_env = {f"RCLONE_CONFIG_{name}_{k}": v for name, url in (("SRC", src), ("DST", dst)) for k, v in {
        "TYPE": "s3", "PROVIDER": "Other", "ENDPOINT": url, "ACCESS_KEY_ID": KEYS["access"],
        "SECRET_ACCESS_KEY": KEYS["secret"], "REGION": "us-east-1"}.items()}
    rclone = ["rclone", "copyto", "--ignore-times", "src:src/object", "dst:dst/object"]
    aws_env = {"AWS_ACCESS_KEY_ID": KEYS["access"], "AWS_SECRET_ACCESS_KEY": KEYS["secret"],
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
               "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required"}
    pipe = (f"/usr/bin/aws s3 cp s3://src/object - --endpoint-url {src} | "
            f"/usr/bin/aws s3 cp - s3://dst/object --endpoint-url {dst} --expected-size {size}")
    no_ca = {"AWS_CA_BUNDLE": ""}  # rclone 1.60 fails while AWS_CA_BUNDLE is set
    return [
        Copier("ours (auto: md5 here)", ours, {**ours_env, "PYTHONPATH": str(PROJECT)}),
        Copier("ours (crc32)", [*ours, "--integrity", "crc32"], {**ours_env, "PYTHONPATH": str(PROJECT)}),
        Copier("rclone default", rclone, {**rclone_env, **no_ca}),
        Copier("rclone tuned", [*rclone, "--s3-chunk-size", "16M", "--s3-upload-concurrency", "8"],
               {**rclone_env, **no_ca}),
        Copier("aws-cli pipe", [pipe], aws_env, shell=True),
    ]


def ceilings(endpoint: str, size: int) -> tuple[float, float]:
    """Single-stream PUT and GET MB/s of one endpoint (no parallelism, unsigned payload)."""
    s3 = client(endpoint)
    body = os.urandom(min(size, 512 * 2**20))
    started = time.perf_counter()
    s3.put_object(Bucket="src", Key="ceiling", Body=body)
    put = len(body) / (time.perf_counter() - started) / 1e6
    started = time.perf_counter()
    stream = s3.get_object(Bucket="src", Key="object")["Body"]
    got = sum(len(c) for c in iter(lambda: stream.read(8 * 2**20), b""))
    return put, got / (time.perf_counter() - started) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-gib", type=float, nargs="+", default=[1, 4])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for tool in ("rclone", "/usr/bin/aws"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: run `make bench-deps`")
    with tempfile.TemporaryDirectory(prefix="bench-transfer-", dir=os.environ.get("BENCH_DIR")) as root:
        (Path(root) / "a").mkdir()
        (Path(root) / "b").mkdir()
        servers = [start_nanio(Path(root) / "a"), start_nanio(Path(root) / "b")]
        src, dst = servers[0][1], servers[1][1]
        try:
            client(src).create_bucket(Bucket="src")
            client(dst).create_bucket(Bucket="dst")
            report = {}
            for gib in args.sizes_gib:
                size = int(gib * GIB)
                make_object(src, "src", "object", size)
                peers = copiers(src, dst, size)
                for _ in range(args.rounds):
                    for copier in peers:
                        client(dst).delete_object(Bucket="dst", Key="object")
                        copier.runs.setdefault(size, []).append(run_copier(copier))
                report[size] = peers
            put, get = ceilings(src, GIB)
        finally:
            for process, _ in servers:
                process.terminate()
                process.wait()
    print_report(report, args.rounds, put, get)


def print_report(report: dict[int, list[Copier]], rounds: int, put: float, get: float) -> None:
    print(f"transfer benchmark: two nanio endpoints on loopback, {os.cpu_count()} cores, median of {rounds} rounds")
    print(f"{'size':>6} {'copier':24} {'wall s':>7} {'MB/s':>7} {'CPU s/GiB':>10} {'peak RSS MB':>12}"
          f" {'temp disk':>10}")
    for size, peers in report.items():
        medians = {}
        for copier in peers:
            runs = copier.runs[size]
            wall = statistics.median(r.wall_s for r in runs)
            cpu = statistics.median(r.cpu_s for r in runs) / (size / GIB)
            rss = max(r.rss_mb for r in runs)
            temp = max(r.temp_bytes for r in runs)
            medians[copier.name] = (wall, cpu, rss)
            print(f"{size / GIB:5.0f}G {copier.name:24} {wall:7.2f} {size / wall / 1e6:7.1f} {cpu:10.2f}"
                  f" {rss:12.0f} {temp:9d}B")
        for ours in [n for n in medians if n.startswith("ours")]:
            for peer in [n for n in medians if not n.startswith("ours")]:
                print(f"{'':7}{ours} / {peer}: wall {medians[ours][0] / medians[peer][0]:.2f}x,"
                      f" CPU {medians[ours][1] / medians[peer][1]:.2f}x")
    print(f"endpoint ceiling, single stream: PUT {put:.0f} MB/s, GET {get:.0f} MB/s")
    print("targets: CPU/GiB <= 0.45x rclone tuned with per-part integrity; wall <= 1.0x fastest peer;"
          " RSS <= 256 MB, 4 GiB within 10% of 1 GiB; no temp disk")


if __name__ == "__main__":
    main()
