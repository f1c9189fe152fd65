from __future__ import annotations

import itertools
import re

import pytest

from chalicelib.media.errors import BadMediaError
from chalicelib.media.operations import make_poster, make_sprite, probe
from chalicelib.media.thumbnails import plan_sprite, webvtt
from tests.media.conftest import make

CUE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$")


def seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    lines = text.splitlines()
    assert lines[0] == "WEBVTT"
    cues = []
    for i, line in enumerate(lines):
        match = CUE.match(line)
        if match:
            cues.append((seconds(*match.groups()[:4]), seconds(*match.groups()[4:]), lines[i + 1]))
    return cues


def test_plan_one_tile_per_ten_seconds_capped_at_a_hundred():
    assert plan_sprite(95, 1280, 720).count == 10
    capped = plan_sprite(3 * 3600, 1280, 720)
    assert capped.count == 100 and capped.interval_s == pytest.approx(108.0)
    assert (capped.columns, capped.rows, capped.tile_height) == (10, 10, 90)
    assert not capped.use_seeks and plan_sprite(60, 1280, 720).use_seeks


def test_vtt_cues_tile_the_whole_duration():
    plan = plan_sprite(95, 1280, 720, tile_width=160)
    cues = parse_vtt(webvtt(plan))
    assert cues[0][0] == 0.0 and cues[-1][1] == 95.0
    assert all(a[1] == b[0] for a, b in itertools.pairwise(cues))
    assert cues[1][2] == "sprite.jpg#xywh=160,0,160,90"


def jpeg_size(path) -> tuple[int, int]:
    info = probe(str(path), exact=False)
    return info.width, info.height


def test_poster_is_a_jpeg_near_ten_percent(clips, tmp_path):
    info = probe(str(clips["mp4"]))
    at = make_poster(str(clips["mp4"]), info, str(tmp_path / "poster.jpg"), width=160)
    assert at == pytest.approx(0.3, abs=0.01)
    assert jpeg_size(tmp_path / "poster.jpg") == (160, 120)


def test_poster_skips_a_black_start(tmp_path):
    black_then_color = tmp_path / "fade.mp4"
    make(black_then_color, 10, extra=("-vf", "fade=in:st=3:d=0.1"))  # black for the first 3 s
    info = probe(str(black_then_color))
    at = make_poster(str(black_then_color), info, str(tmp_path / "poster.jpg"), width=160)
    assert at > 3.0


@pytest.mark.parametrize("seconds_long", [3, 250])
def test_sprite_has_the_planned_count_and_geometry(tmp_path, seconds_long):
    source = make(tmp_path / "long.ts", seconds_long, audio=False, extra=("-s", "320x180"))
    info = probe(str(source))
    plan = make_sprite(str(source), info, str(tmp_path / "sprite.jpg"), str(tmp_path / "thumbnails.vtt"),
                       tile_width=80)
    assert plan.tile_height == 44  # 80 × 180/320 = 45, kept even
    assert jpeg_size(tmp_path / "sprite.jpg") == (plan.columns * 80, plan.rows * 44)
    cues = parse_vtt((tmp_path / "thumbnails.vtt").read_text())
    assert len(cues) == plan.count == max(1, -(-seconds_long // 10))
    assert cues[-1][1] == pytest.approx(info.duration_s, abs=0.01)


def test_audio_only_has_no_thumbnails(clips, tmp_path):
    info = probe(str(clips["audio_only"]))
    with pytest.raises(BadMediaError, match="no video"):
        make_sprite(str(clips["audio_only"]), info, str(tmp_path / "s.jpg"), str(tmp_path / "t.vtt"))


def test_sprite_by_seeks_with_several_tiles(tmp_path):
    source = make(tmp_path / "one-minute.mp4", 60, audio=False, extra=("-s", "320x180", "-g", "60"))
    info = probe(str(source))
    plan = make_sprite(str(source), info, str(tmp_path / "sprite.jpg"), str(tmp_path / "t.vtt"), tile_width=80)
    assert plan.use_seeks and plan.count == 6
    assert jpeg_size(tmp_path / "sprite.jpg") == (6 * 80, 44)


def test_poster_of_a_one_second_recording_with_one_keyframe(tmp_path):
    from chalicelib.media.operations import make_poster, make_sprite, probe
    from tests.media.conftest import make

    clip = make(tmp_path / "short.mp4", 1, extra=("-g", "300"))
    info = probe(str(clip))
    make_poster(str(clip), info, str(tmp_path / "poster.jpg"))
    assert probe(str(tmp_path / "poster.jpg"), exact=False).video_codec == "mjpeg"
    make_sprite(str(clip), info, str(tmp_path / "sprite.jpg"), str(tmp_path / "thumbnails.vtt"))
    assert (tmp_path / "sprite.jpg").stat().st_size > 0
