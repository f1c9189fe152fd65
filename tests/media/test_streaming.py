"""The streaming path: FFmpeg's fragmented MP4 on a pipe, straight into a multipart
upload on the Vultr emulator, with no temp file of the recording's size."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from chalicelib.media.budget import needs_streaming
from chalicelib.media.errors import MediaError
from chalicelib.media.operations import archive_mp4, probe, stream_to_archive
from chalicelib.transfer.destination import Destination
from chalicelib.transfer.engine import TransferConfig
from chalicelib.transfer.locations import transfer_client
from chalicelib.transfer.plan import MIB
from tests.media.conftest import make


def test_budget_decides_streaming():
    assert needs_streaming(1, 0)
    assert not needs_streaming(100 * MIB, 512)
    assert needs_streaming(300 * MIB, 512)


@pytest.fixture
def destination(emulators) -> Destination:
    return Destination(transfer_client(4), emulators.settings.vultr_bucket, f"recordings/{uuid.uuid4().hex}.mp4")


def test_streamed_recording_is_a_playable_mp4_in_the_archive(destination, tmp_path, monkeypatch):
    source = make(tmp_path / "rec.flv", 12, extra=("-vf", "noise=alls=80:allf=t+u", "-crf", "10"))  # > 8 MiB
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    config = TransferConfig(workers=2, target_part_size=8 * MIB)
    size = stream_to_archive([str(source)], destination, identity="rec-1", timeout_s=60, config=config)
    largest_temp = max((f.stat().st_size for f in scratch.rglob("*") if f.is_file()), default=0)
    assert largest_temp < 64 * 1024  # at most FFmpeg's stderr, never the recording
    archived = tmp_path / "archived.mp4"
    answer = destination.client.get_object(Bucket=destination.bucket, Key=destination.key)
    archived.write_bytes(answer["Body"].read())
    assert archived.stat().st_size == size > 8 * MIB
    info = probe(str(archived))
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert abs(info.duration_s - 12.0) <= 0.1
    uploads = destination.client.list_multipart_uploads(Bucket=destination.bucket).get("Uploads", [])
    assert all(u["Key"] != destination.key for u in uploads)


def test_corrupt_input_on_the_streaming_path_aborts_and_leaves_nothing(destination, tmp_path):
    bad = tmp_path / "bad.flv"
    bad.write_bytes(os.urandom(100_000))
    with pytest.raises(MediaError):
        stream_to_archive([str(bad)], destination, identity="bad", timeout_s=30)
    assert destination.head() is None
    uploads = destination.client.list_multipart_uploads(Bucket=destination.bucket).get("Uploads", [])
    assert all(u["Key"] != destination.key for u in uploads)


@pytest.mark.parametrize(("budget_mb", "expected"), [(0, "streamed"), (1024, "remuxed")])
def test_budget_picks_the_path_and_both_archive_a_playable_mp4(destination, tmp_path, budget_mb, expected):
    source = make(tmp_path / "rec.flv", 4)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = archive_mp4([str(source)], destination, identity="rec-2", budget_mb=budget_mb, timeout_s=60,
                       scratch=str(scratch))
    assert done.how == expected
    archived = tmp_path / "archived.mp4"
    archived.write_bytes(destination.client.get_object(Bucket=destination.bucket, Key=destination.key)["Body"].read())
    assert archived.stat().st_size == done.size
    assert abs(probe(str(archived)).duration_s - 4.0) <= 0.1
    if expected == "streamed":
        assert done.local_mp4 is None and list(scratch.iterdir()) == []
    else:  # kept for the thumbnails, byte for byte what was archived
        assert done.local_mp4 is not None and Path(done.local_mp4).read_bytes() == archived.read_bytes()


def test_an_mp4_that_is_already_faststart_is_copied_as_is(destination, tmp_path):
    source = make(tmp_path / "rec.mp4", 2, extra=("-movflags", "+faststart"))
    done = archive_mp4([str(source)], destination, identity="rec-3", budget_mb=1024, timeout_s=60,
                       scratch=str(tmp_path))
    assert done.how == "copied" and done.local_mp4 == str(source)
    body = destination.client.get_object(Bucket=destination.bucket, Key=destination.key)["Body"].read()
    assert body == source.read_bytes()


def test_timeout_follows_the_lambda_deadline():
    from chalicelib.media.runner import timeout_from

    assert timeout_from(300_000) == 270.0
    assert timeout_from(10_000) == 0.0
    assert timeout_from(3_600_000) == 900.0
