"""`python -m chalicelib.cli reconcile` and `backfill`."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest

from chalicelib.cli.__main__ import main
from chalicelib.cli.reconcile import _epoch
from chalicelib.events import recording_id
from chalicelib.reconcile.backfill import _pace
from tests.media.conftest import make
from tests.pipeline.checks import assert_processed
from tests.pipeline.test_providers import upload


def uploads(tmp_path, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
        upload(make(tmp_path / name, 1), f"srs/live/{stream}/{name}")
        ids.append(recording_id("srs", f"live/{stream}/{name}"))
    return ids


def test_backfill_dry_run_changes_nothing_then_backfill_archives(pipeline, tmp_path, capsys):
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    ids = uploads(tmp_path, 2)
    # Other tests' SRS uploads of the same second may be counted too (the window is by second).
    assert main(["backfill", "--provider", "srs", "--since", since, "--dry-run", "--quiet"]) == 0
    assert int(re.search(r"would archive (\d+)", capsys.readouterr().out)[1]) >= 2
    assert all(pipeline.status(r) is None for r in ids)
    assert main(["backfill", "--provider", "srs", "--since", since, "--rate", "50", "--quiet"]) == 0
    assert int(re.search(r"submitted (\d+)", capsys.readouterr().out)[1]) >= 2
    pipeline.drain(lambda: all(pipeline.status(r) in ("processed", "failed") for r in ids))
    for rec in ids:
        assert_processed(rec, 1.0, tmp_path)


def test_reconcile_command_prints_its_summary(pipeline, tmp_path, capsys):
    [rec] = uploads(tmp_path, 1)
    assert main(["reconcile", "--since", "1m", "--source", "ingest", "--no-redrive", "--no-cleanup"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["missing_found"] >= 1 and pipeline.status(rec) is None  # enqueued, not yet run
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))


def test_pace_keeps_under_the_rate():
    slept: list[float] = []
    started = time.monotonic()
    for submitted in range(1, 6):
        _pace(submitted, 2.0, started, sleep=slept.append)
    assert slept and max(slept) == pytest.approx(2.5, abs=0.05)  # the 5th may go at 2.5 s


@pytest.mark.parametrize(("text", "ago"), [("90m", 5400), ("48h", 172800), ("7d", 604800)])
def test_relative_windows(text, ago):
    assert time.time() - _epoch(text) == pytest.approx(ago, abs=5)


def test_absolute_window():
    assert _epoch("2026-11-26T00:00:00Z") == 1795651200.0
