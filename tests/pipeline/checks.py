"""What every end-to-end test checks once a recording is processed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from chalicelib import clients
from chalicelib.catalog.recordings import Recordings
from chalicelib.media.operations import probe
from chalicelib.settings import get_settings

ARCHIVE_FILES = ("recording.mp4", "poster.jpg", "sprite.jpg", "thumbnails.vtt", "manifest.json")


def archived_objects(recording_id: str) -> list[str]:
    settings = get_settings()
    listed = clients.vultr().list_objects_v2(Bucket=settings.vultr_bucket, Prefix="recordings/").get("Contents", [])
    return sorted(o["Key"] for o in listed if f"/{recording_id}/" in o["Key"])


def download(key: str, tmp_path: Path) -> Path:
    path = tmp_path / key.replace("/", "_")
    answer = clients.vultr().get_object(Bucket=get_settings().vultr_bucket, Key=key)
    path.write_bytes(answer["Body"].read())
    return path


def open_uploads() -> list[dict]:
    answer = clients.vultr().list_multipart_uploads(Bucket=get_settings().vultr_bucket)
    return list(answer.get("Uploads", []))


def assert_processed(recording_id: str, source_duration_s: float, tmp_path: Path,
                     relay_events: Callable[[], list[dict]] | None = None) -> dict:
    """Processed; the five archive objects exist; the MP4 probes to the source's
    duration within 0.5 s; the manifest matches the catalog; events went out."""
    item = Recordings(get_settings().catalog_table).get(recording_id)
    assert item is not None and item["status"] == "processed", item
    keys = archived_objects(recording_id)
    assert sorted(k.rsplit("/", 1)[1] for k in keys if "/source/" not in k) == sorted(ARCHIVE_FILES)
    mp4 = probe(str(download(item["archive_key"], tmp_path)))
    assert abs(mp4.duration_s - source_duration_s) <= 0.5, (mp4.duration_s, source_duration_s)
    manifest = json.loads(download(item["manifest_key"], tmp_path).read_text())
    facts = json.loads(item["facts"])
    assert manifest["recording_id"] == recording_id
    assert manifest["provider"] == item["provider"] == facts["provider"]
    assert manifest["archive"]["mp4"] == item["archive_key"] and manifest["archive"]["manifest"] == item["manifest_key"]
    assert abs(manifest["media"]["duration_s"] - float(item["duration_s"])) < 0.01
    assert download(item["archive_key"].replace("recording.mp4", "thumbnails.vtt"), tmp_path).read_text() \
        .startswith("WEBVTT")
    if relay_events is not None:
        emitted = {(e["type"], e["subject"]) for e in relay_events()}
        assert ("io.recordingrelay.recording.archived", recording_id) in emitted
        assert ("io.recordingrelay.recording.processed", recording_id) in emitted
    assert not [u for u in open_uploads() if recording_id in u["Key"]]
    return item
