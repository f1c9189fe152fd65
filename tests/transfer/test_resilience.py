"""Faults, deadlines, changed sources and server-side copies."""

from __future__ import annotations

from dataclasses import replace

import boto3
import pytest

from chalicelib import clients
from chalicelib.clients import s3_compatible_config
from chalicelib.transfer.checkpoint import MemoryCheckpoints
from chalicelib.transfer.engine import Copier, Status
from chalicelib.transfer.errors import SourceChangedError
from chalicelib.transfer.plan import MIB
from chalicelib.transfer.sources import S3Source
from tests.transfer.conftest import SMALL_PARTS, copy, random_bytes, sha256
from tests.transfer.servers import FaultPlan, fault_proxy, serving

WITH_DEADLINE = replace(SMALL_PARTS, deadline_margin_s=5.0)


def s3_client(endpoint: str, counter: list[str] | None = None):
    """A fresh client (not the cached one), optionally counting its operations."""
    client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local",
        aws_secret_access_key="local", config=s3_compatible_config(8, sign_payload=False))
    if counter is not None:
        client.meta.events.register("before-send.s3", lambda event_name, **_: counter.append(event_name.split(".")[-1]))
    return client


@pytest.mark.parametrize("kind", ["500", "drop"])
def test_faults_on_parts_and_a_complete_that_succeeded_give_an_identical_object(stores, emulators, kind):
    data = random_bytes(80 * MIB)  # 10 parts: one in ten part requests fails
    source = stores.put_source(data)
    plan = FaultPlan(every=10, first=3, kind=kind)
    with serving(fault_proxy(emulators.vultr.url, plan)) as proxy:
        destination = stores.destination(s3_client(proxy))
        outcome = copy(source, destination)
    assert outcome.status == Status.DONE
    assert plan.failed_parts >= 1 and plan.completes_broken >= 1
    direct = type(destination)(stores.vultr, destination.bucket, destination.key)  # not through the proxy
    assert sha256(stores.archived(direct)) == sha256(data)
    assert stores.open_uploads(destination) == []


def test_deadline_stops_new_parts_and_resume_skips_finished_ones(stores, emulators):
    data = random_bytes(56 * MIB)  # 7 parts of 8 MiB
    source = stores.put_source(data)
    sent: list[str] = []
    destination = stores.destination(s3_client(emulators.vultr.url, sent))
    checkpoints = MemoryCheckpoints()
    reports: list[int] = []
    first = Copier(source, destination, checkpoints, config=WITH_DEADLINE, sleep=lambda s: None,
                   remaining_s=lambda: 300.0 if len(reports) < 2 else 0.0,
                   progress=lambda r: reports.append(r.done)).run()
    assert first.status == Status.CONTINUE
    saved = checkpoints.load(next(iter(checkpoints.items)))
    assert saved is not None and 2 <= len(saved.parts) < 7
    uploaded_first = sent.count("UploadPart")
    assert uploaded_first == len(saved.parts)

    second = Copier(S3Source(stores.aws, source.bucket, source.key), destination, checkpoints,
                    config=SMALL_PARTS, sleep=lambda s: None).run()
    assert second.status == Status.DONE
    assert sent.count("UploadPart") == 7  # every part exactly once across both runs
    assert "ListParts" in sent
    assert sha256(stores.archived(destination)) == sha256(data)
    assert checkpoints.items == {}


def test_source_changed_mid_copy_aborts_and_leaves_nothing(stores):
    data = random_bytes(40 * MIB)
    source = stores.put_source(data)
    destination = stores.destination()

    def overwrite_after_first_part(report) -> None:
        if report.done and report.done <= 8 * MIB:
            stores.aws.put_object(Bucket=source.bucket, Key=source.key, Body=b"replaced")

    with pytest.raises(SourceChangedError):
        copy(source, destination, progress=overwrite_after_first_part)
    assert stores.open_uploads(destination) == []
    assert destination.head() is None  # never a mixed object


def test_source_changed_between_runs_starts_over(stores, emulators):
    source = stores.put_source(random_bytes(32 * MIB))
    destination = stores.destination()
    checkpoints = MemoryCheckpoints()
    reports: list[int] = []
    paused = Copier(source, destination, checkpoints, config=WITH_DEADLINE, sleep=lambda s: None,
                    remaining_s=lambda: 300.0 if not reports else 0.0, progress=lambda r: reports.append(1)).run()
    assert paused.status == Status.CONTINUE
    replacement = random_bytes(24 * MIB)
    stores.aws.put_object(Bucket=source.bucket, Key=source.key, Body=replacement)
    fresh = S3Source(stores.aws, source.bucket, source.key)
    assert Copier(fresh, destination, checkpoints, config=SMALL_PARTS, sleep=lambda s: None).run().status == "done"
    assert sha256(stores.archived(destination)) == sha256(replacement)
    assert stores.open_uploads(destination) == []


@pytest.mark.parametrize(("size", "expected"), [(40 * MIB, "UploadPartCopy"), (3 * MIB, "CopyObject")])
def test_same_store_copies_move_no_bytes_through_us(stores, emulators, size, expected):
    sent: list[str] = []
    vultr = s3_client(emulators.vultr.url, sent)
    vultr.put_object(Bucket=stores.archive_bucket, Key="sources/x.flv", Body=random_bytes(size))
    sent.clear()
    source = S3Source(vultr, stores.archive_bucket, "sources/x.flv")
    destination = stores.destination(vultr)
    copy(source, destination)
    assert expected in sent
    assert not {"GetObject", "UploadPart", "PutObject"} & set(sent)
    original = vultr.get_object(Bucket=stores.archive_bucket, Key="sources/x.flv")["Body"].read()
    assert sha256(stores.archived(destination)) == sha256(original)


def test_transient_failures_exhausted_keep_the_checkpoint_for_later(stores, emulators):
    from chalicelib.errors import RetryableError

    source = stores.put_source(random_bytes(24 * MIB))
    plan = FaultPlan(every=1, first=1, kind="500")
    checkpoints = MemoryCheckpoints()
    with serving(fault_proxy(emulators.vultr.url, plan)) as proxy:
        destination = stores.destination(s3_client(proxy))
        with pytest.raises(RetryableError):
            Copier(source, destination, checkpoints, config=SMALL_PARTS, sleep=lambda s: None).run()
    assert len(checkpoints.items) == 1  # the upload stays open for the next attempt
    clients.aws("s3")  # the AWS side is untouched
