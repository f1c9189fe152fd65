from __future__ import annotations

import pytest

from chalicelib import clients
from chalicelib.media import hls
from chalicelib.media.operations import remux_hls_from_s3, remux_to_mp4
from tests.media.conftest import make

MASTER = """#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=480x270
../270p/playlist.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,CODECS="avc1.4d401f,mp4a.40.2"
../720p30/playlist.m3u8
"""


def test_best_variant_is_the_largest():
    assert hls.best_variant(MASTER) == "../720p30/playlist.m3u8"
    assert hls.relative_key("ivs/v1/rec/media/hls/master/master.m3u8", "../720p30/playlist.m3u8") == \
        "ivs/v1/rec/media/hls/720p30/playlist.m3u8"


def test_rewrite_keeps_tags_and_maps_every_uri():
    playlist = ('#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.0,\nseg0.m4s\n'
                '#EXT-X-DISCONTINUITY\n#EXTINF:2.0,\nseg1.m4s\n')
    rewritten = hls.rewrite_media_playlist(playlist, lambda uri: f"https://x/{uri}")
    assert 'URI="https://x/init.mp4"' in rewritten
    assert "https://x/seg1.m4s" in rewritten and "#EXT-X-DISCONTINUITY" in rewritten


def test_hls_in_s3_becomes_an_mp4_reading_only_the_chosen_rendition(emulators, tmp_path):
    local = tmp_path / "hls"
    local.mkdir()
    make(local / "playlist.m3u8", 5, fmt="hls",
         extra=("-hls_time", "1", "-hls_list_size", "0", "-hls_segment_filename", str(local / "seg_%d.ts")))
    segments = sorted(local.glob("seg_*.ts"))
    assert len(segments) == 5
    s3 = clients.aws("s3")
    bucket, prefix = emulators.settings.ivs_bucket, "ivs/v1/123/chan/2026/11/20/11/34/rec1/media/hls"
    s3.put_object(Bucket=bucket, Key=f"{prefix}/master/master.m3u8", Body=MASTER.encode())
    for path in [local / "playlist.m3u8", *segments]:
        s3.put_object(Bucket=bucket, Key=f"{prefix}/720p30/{path.name}", Body=path.read_bytes())
    # 270p's playlist and segments do not exist: reading them would fail the remux.
    info = remux_hls_from_s3(s3, bucket, f"{prefix}/master/master.m3u8", str(tmp_path / "out.mp4"), timeout_s=60)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert abs(info.duration_s - 5.0) <= 0.1


def test_fragmented_mp4_segments_join_in_order(tmp_path):
    fragmented = ("-movflags", "frag_keyframe+empty_moov+default_base_moof")
    first = make(tmp_path / "2026-11-20_11-34-50.mp4", 2, extra=fragmented)
    second = make(tmp_path / "2026-11-20_11-34-52.mp4", 3, extra=fragmented)
    info = remux_to_mp4([str(first), str(second)], str(tmp_path / "joined.mp4"), timeout_s=60)
    assert abs(info.duration_s - 5.0) <= 0.15


def test_segments_with_a_timestamp_discontinuity_join(tmp_path):
    early = make(tmp_path / "a.ts", 2)
    late = make(tmp_path / "b.ts", 2, extra=("-output_ts_offset", "3600"))  # a reconnect an hour later
    info = remux_to_mp4([str(early), str(late)], str(tmp_path / "joined.mp4"), timeout_s=60)
    assert abs(info.duration_s - 4.0) <= 0.15


def test_missing_playlist_is_a_give_up(emulators, tmp_path):
    from chalicelib.transfer.errors import SourceGoneError

    with pytest.raises(SourceGoneError):
        remux_hls_from_s3(clients.aws("s3"), emulators.settings.ivs_bucket, "no/such/master.m3u8",
                          str(tmp_path / "x.mp4"), timeout_s=30)
