from __future__ import annotations

import os
import time

import pytest

from chalicelib.media.errors import BadMediaError, MediaTimeoutError
from chalicelib.media.operations import probe, remux_to_mp4
from chalicelib.media.probe import parse_header
from chalicelib.media.runner import run, workspace


def test_probe_reads_container_codecs_geometry_and_duration(clips):
    info = probe(str(clips["flv"]))
    assert info.container == "flv"
    assert (info.video_codec, info.width, info.height, info.audio_codec) == ("h264", 320, 240, "aac")
    assert info.fps == 30.0
    assert abs(info.duration_s - 3.0) <= 0.1


@pytest.mark.parametrize("name", ["flv", "ts", "mp4"])
def test_remux_to_faststart_mp4_keeps_the_duration(clips, tmp_path, name):
    output = tmp_path / "out.mp4"
    info = remux_to_mp4([str(clips[name])], str(output), timeout_s=60)
    assert info.container == "mp4"
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert abs(info.duration_s - 3.0) <= 0.1
    measured = probe(str(output))  # read back independently: what the API reported is what was written
    assert measured.container.startswith("mov,mp4") and abs(measured.duration_s - info.duration_s) <= 0.05
    data = output.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")  # faststart: the index comes before the media


def test_audio_only_input_remuxes(clips, tmp_path):
    info = remux_to_mp4([str(clips["audio_only"])], str(tmp_path / "a.mp4"), timeout_s=60)
    assert (info.video_codec, info.audio_codec) == (None, "aac")


def test_segments_are_joined_in_order(clips, tmp_path):
    info = remux_to_mp4([str(clips["ts"]), str(clips["ts"])], str(tmp_path / "joined.mp4"), timeout_s=60)
    assert abs(info.duration_s - 6.0) <= 0.2


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty"),
    (b"\x00" * 4096, "unreadable"),
])
def test_bad_media_is_a_give_up_with_a_reason_and_no_output(tmp_path, content, reason):
    bad = tmp_path / "bad.flv"
    bad.write_bytes(content)
    output = tmp_path / "out.mp4"
    with pytest.raises(BadMediaError) as caught:
        remux_to_mp4([str(bad)], str(output), timeout_s=30)
    assert reason in str(caught.value)
    assert os.listdir(tmp_path) == ["bad.flv"]


def test_truncated_file_still_yields_only_what_is_there_or_a_clear_error(clips, tmp_path):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clips["mp4"].read_bytes()[: 20_000])  # moov at the end is gone
    with pytest.raises(BadMediaError, match=r"moov atom not found|unreadable"):
        remux_to_mp4([str(cut)], str(tmp_path / "out.mp4"), timeout_s=30)


def test_header_parse_refuses_output_without_an_input():
    with pytest.raises(BadMediaError, match="Invalid data"):
        parse_header("x.flv: Invalid data found when processing input\n")


def test_timeout_kills_ffmpeg_and_cleans_up(tmp_path):
    from chalicelib.media.binary import ffmpeg

    endless = [ffmpeg(), "-hide_banner", "-f", "lavfi", "-i", "testsrc2=rate=30", "-f", "null", "-"]
    started = time.monotonic()
    with workspace() as scratch:
        with pytest.raises(MediaTimeoutError):
            run(endless, timeout_s=1.0)
        assert scratch.exists()
    assert time.monotonic() - started < 10
    assert not scratch.exists()


def test_faststart_mp4_passes_through_and_others_are_remuxed(clips, tmp_path):
    from chalicelib.media.mp4 import is_faststart
    from chalicelib.media.operations import to_faststart_mp4
    from tests.media.conftest import make

    progressive = make(tmp_path / "fast.mp4", 2, extra=("-movflags", "+faststart"))
    assert is_faststart(str(progressive)) and not is_faststart(str(clips["mp4"]))  # moov at the end
    path, _ = to_faststart_mp4(str(progressive), str(tmp_path / "out1.mp4"), timeout_s=30)
    assert path == str(progressive) and not (tmp_path / "out1.mp4").exists()
    path, info = to_faststart_mp4(str(clips["mp4"]), str(tmp_path / "out2.mp4"), timeout_s=30)
    assert path == str(tmp_path / "out2.mp4") and is_faststart(path)
    assert info.video_codec == "h264"
    fragmented = make(tmp_path / "frag.mp4", 2, extra=("-movflags", "frag_keyframe+empty_moov"))
    assert not is_faststart(str(fragmented))
    assert not is_faststart(str(clips["flv"]))


def test_video_only_input_remuxes(tmp_path):
    from tests.media.conftest import make

    silent = make(tmp_path / "silent.flv", 2, audio=False)
    info = remux_to_mp4([str(silent)], str(tmp_path / "v.mp4"), timeout_s=60)
    assert (info.video_codec, info.audio_codec) == ("h264", None)
