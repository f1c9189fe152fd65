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


@pytest.mark.parametrize("streamed", [False, True])
def test_a_segment_that_cannot_be_read_is_a_retry_not_a_hole(emulators, tmp_path, streamed):
    """FFmpeg skips a segment it cannot fetch and exits 0; the relay must not archive the hole."""
    from chalicelib.media.errors import SegmentUnreadableError
    from chalicelib.media.operations import stream_to_archive
    from chalicelib.transfer.destination import Destination
    from chalicelib.transfer.locations import transfer_client

    local = tmp_path / "hls"
    local.mkdir()
    make(local / "playlist.m3u8", 4, fmt="hls",
         extra=("-hls_time", "1", "-hls_list_size", "0", "-hls_segment_filename", str(local / "seg_%d.ts")))
    s3, bucket = clients.aws("s3"), emulators.settings.ivs_bucket
    prefix = f"ivs/v1/123/chan/2026/11/26/12/0/hole-{streamed}-{tmp_path.name}/media/hls/720p30"
    for path in local.iterdir():
        if path.name != "seg_2.ts":  # lost
            s3.put_object(Bucket=bucket, Key=f"{prefix}/{path.name}", Body=path.read_bytes())
    if streamed:
        text = (local / "playlist.m3u8").read_text()
        playlist = tmp_path / "presigned.m3u8"
        playlist.write_text(hls.rewrite_media_playlist(text, lambda uri: s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": f"{prefix}/{uri}"}, ExpiresIn=600)))
        destination = Destination(transfer_client(2), emulators.settings.vultr_bucket, f"test/{prefix}/recording.mp4")

        def remux() -> object:
            return stream_to_archive([str(playlist)], destination, identity="hole", timeout_s=60, hls_playlist=True)
    else:
        def remux() -> object:
            return remux_hls_from_s3(s3, bucket, f"{prefix}/playlist.m3u8", str(tmp_path / "out.mp4"), timeout_s=60)
    with pytest.raises(SegmentUnreadableError) as caught:
        remux()
    assert "X-Amz-Signature" not in str(caught.value)  # credentials never reach an error
    assert not (tmp_path / "out.mp4").exists()
    if streamed:
        assert clients.vultr().list_objects_v2(Bucket=emulators.settings.vultr_bucket,
                                               Prefix=f"test/{prefix}").get("KeyCount", 0) == 0


def test_redact_urls_drops_query_strings():
    from chalicelib.errors import redact_urls

    text = "Error opening input 'https://s3.example/b/k.mp4?X-Amz-Signature=abc&X-Amz-Security-Token=t': 403"
    assert redact_urls(text) == "Error opening input 'https://s3.example/b/k.mp4?…': 403"
