"""Checkpoints in DynamoDB, clean-up of abandoned uploads, integrity choice, error classes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from chalicelib.errors import GiveUpError
from chalicelib.transfer.checkpoint import Checkpoint, DynamoCheckpoints
from chalicelib.transfer.cleanup import abort_stale_uploads
from chalicelib.transfer.engine import Copier, Status
from chalicelib.transfer.errors import SourceChangedError, SourceGoneError, TransientTransferError
from chalicelib.transfer.integrity import Integrity, _probe, checksum_args
from chalicelib.transfer.plan import MIB
from chalicelib.transfer.retry import classify, retrying
from tests.transfer.conftest import SMALL_PARTS, random_bytes, sha256


def test_dynamo_checkpoint_round_trip_and_per_part_updates(emulators):
    store = DynamoCheckpoints(emulators.settings.catalog_table)
    store.create("copy-1", Checkpoint("up-1", '"etag"', 100 * MIB, 16 * MIB, "md5"))
    store.record_part("copy-1", 2, {"ETag": '"b"'})
    store.record_part("copy-1", 1, {"ETag": '"a"', "ChecksumCRC32": "AAAAAA=="})
    loaded = store.load("copy-1")
    assert loaded == Checkpoint("up-1", '"etag"', 100 * MIB, 16 * MIB, "md5",
                                {1: {"ETag": '"a"', "ChecksumCRC32": "AAAAAA=="}, 2: {"ETag": '"b"'}})
    store.delete("copy-1")
    assert store.load("copy-1") is None


def test_copy_resumes_from_a_dynamo_checkpoint(stores, emulators):
    data = random_bytes(40 * MIB)
    source, destination = stores.put_source(data), stores.destination()
    store = DynamoCheckpoints(emulators.settings.catalog_table)
    from dataclasses import replace

    config = replace(SMALL_PARTS, deadline_margin_s=5.0)
    reports: list[int] = []
    paused = Copier(source, destination, store, config=config, sleep=lambda s: None,
                    remaining_s=lambda: 300.0 if not reports else 0.0, progress=lambda r: reports.append(1)).run()
    assert paused.status == Status.CONTINUE
    done = Copier(source, destination, store, config=config, sleep=lambda s: None).run()
    assert done.status == Status.DONE and done.parts_moved < 5
    assert sha256(stores.archived(destination)) == sha256(data)


def test_abort_stale_uploads_spares_young_and_live_ones(stores):
    client, bucket = stores.vultr, stores.archive_bucket
    ids = {key: client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"] for key in ("stale/a", "stale/live")}
    # moto stamps every upload with one fixed time, so "young" and "stale" are judged by moving the clock.
    initiated = {u["Key"]: u["Initiated"] for u in client.list_multipart_uploads(Bucket=bucket)["Uploads"]}["stale/a"]
    is_live = lambda key, upload_id: key == "stale/live"  # noqa: E731
    assert abort_stale_uploads(client, bucket, timedelta(hours=24), is_live, now=initiated + timedelta(hours=1)) == []
    aborted = abort_stale_uploads(client, bucket, timedelta(hours=24), is_live, now=initiated + timedelta(days=2))
    assert ("stale/a", ids["stale/a"]) in aborted
    assert all(key != "stale/live" for key, _ in aborted)
    remaining = {u["Key"] for u in client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])}
    assert remaining == {"stale/live"}
    client.abort_multipart_upload(Bucket=bucket, Key="stale/live", UploadId=ids["stale/live"])


class FakeStore:
    """Answers PutObject like a store that verifies CRC32 (`mode="verify"`) or that
    does not know the checksum header at all (`mode="unsupported"`)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def put_object(self, Body, ChecksumCRC32, **kwargs):
        import base64
        import zlib

        if self.mode == "unsupported":
            raise _client_error(400, "InvalidArgument")
        if ChecksumCRC32 != base64.b64encode(zlib.crc32(Body).to_bytes(4, "big")).decode():
            raise _client_error(400, "BadDigest")

    def delete_object(self, **kwargs):
        pass


def test_probe_picks_crc32_only_where_the_store_checks_it(stores):
    assert _probe(FakeStore("verify"), "bucket") is Integrity.CRC32
    assert _probe(FakeStore("unsupported"), "bucket") is Integrity.MD5
    assert _probe(stores.vultr, stores.archive_bucket) is Integrity.MD5  # moto accepts any checksum


def test_checksum_arguments():
    assert checksum_args(Integrity.CRC32, b"hello") == {"ChecksumCRC32": "NhCmhg=="}
    assert checksum_args(Integrity.MD5, b"hello") == {"ContentMD5": "XUFAKrxLKna5cZ2REBfFkg=="}


def _client_error(status: int, code: str) -> ClientError:
    return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject")


@pytest.mark.parametrize(("error", "expected"), [
    (_client_error(412, "PreconditionFailed"), SourceChangedError),
    (_client_error(503, "SlowDown"), TransientTransferError),
    (_client_error(500, "InternalError"), TransientTransferError),
    (_client_error(404, "NoSuchKey"), SourceGoneError),
    (_client_error(403, "AccessDenied"), SourceGoneError),
    (EndpointConnectionError(endpoint_url="http://x"), TransientTransferError),
    (ConnectionResetError(), TransientTransferError),
    (_client_error(400, "BadDigest"), TransientTransferError),
    (_client_error(501, "NotImplemented"), GiveUpError),
])
def test_classify(error, expected):
    assert isinstance(classify(error, "s3://b/k"), expected)


def test_destination_access_denied_is_a_plain_give_up():
    error = classify(_client_error(403, "AccessDenied"), "PutObject", source=False)
    assert type(error) is GiveUpError


def test_retrying_backs_off_with_jitter_then_gives_the_last_error():
    delays: list[float] = []
    calls = []

    def flaky():
        calls.append(1)
        raise TransientTransferError("down")

    with pytest.raises(TransientTransferError):
        retrying(flaky, attempts=4, base_s=0.5, cap_s=1.5, sleep=delays.append, jitter=lambda: 1.0)
    assert len(calls) == 4 and delays == [0.5, 1.0, 1.5]


def test_locations_keep_keys_with_hash_and_question_mark():
    from chalicelib.errors import BadRequestError
    from chalicelib.transfer.locations import split_bucket_key

    assert split_bucket_key("s3://ingest/srs/live/cam#1/a?b.flv") == ("s3", "ingest", "srs/live/cam#1/a?b.flv")
    with pytest.raises(BadRequestError):
        split_bucket_key("vultr://bucket-only")
