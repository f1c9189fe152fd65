from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from chalicelib.transfer.plan import MIB
from tests.transfer.conftest import random_bytes, sha256

PROJECT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chalicelib.cli", *args], cwd=PROJECT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)


def test_cli_copies_a_file_with_a_progress_bar(stores, tmp_path):
    data = random_bytes(20 * MIB)
    (tmp_path / "rec.flv").write_bytes(data)
    done = cli("copy", str(tmp_path / "rec.flv"), f"vultr://{stores.archive_bucket}/cli/rec.flv", "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert "100%" in done.stderr and "done:" in done.stderr
    archived = stores.vultr.get_object(Bucket=stores.archive_bucket, Key="cli/rec.flv")["Body"].read()
    assert sha256(archived) == sha256(data)


def test_cli_copies_from_s3(stores):
    data = random_bytes(1000)
    source = stores.put_source(data)
    done = cli("copy", source.uri, f"vultr://{stores.archive_bucket}/cli/s3.bin", "--quiet")
    assert done.returncode == 0, done.stderr
    assert stores.vultr.get_object(Bucket=stores.archive_bucket, Key="cli/s3.bin")["Body"].read() == data


def test_cli_refuses_a_bad_destination_clearly(stores, tmp_path):
    (tmp_path / "a").write_bytes(b"a")
    done = cli("copy", str(tmp_path / "a"), "s3://somewhere/else")
    assert done.returncode == 1
    assert "destinations are vultr://bucket/key" in done.stderr


def test_cli_refuses_a_host_not_on_the_allow_list(stores):
    done = cli("copy", "https://example.com/x.mp4", f"vultr://{stores.archive_bucket}/x")
    assert done.returncode == 1 and "not allowed" in done.stderr
