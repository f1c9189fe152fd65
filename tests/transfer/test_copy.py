"""Copies between two separate moto_server processes ("AWS" and "Vultr")."""

from __future__ import annotations

import pytest

from chalicelib.transfer.engine import Status
from chalicelib.transfer.plan import MIB
from tests.transfer.conftest import copy, random_bytes, sha256

SIZES = [0, 1, 5 * MIB - 1, 5 * MIB, 8 * MIB + 1, 40 * MIB]


@pytest.mark.parametrize("size", SIZES, ids=[str(s) for s in SIZES])
def test_s3_to_vultr_is_byte_identical(stores, size):
    data = random_bytes(size)
    source, destination = stores.put_source(data), stores.destination()
    outcome = copy(source, destination)
    assert outcome.status == "done"
    assert sha256(stores.archived(destination)) == sha256(data)
    assert stores.open_uploads(destination) == []


def test_multipart_copy_uses_the_planned_parts(stores):
    data = random_bytes(40 * MIB)
    outcome = copy(stores.put_source(data), stores.destination())
    assert outcome.parts_moved == 5


def test_rerun_of_a_finished_copy_moves_nothing(stores):
    source, destination = stores.put_source(random_bytes(9 * MIB)), stores.destination()
    assert copy(source, destination).status == Status.DONE
    again = copy(source, destination)
    assert (again.status, again.parts_moved) == (Status.ALREADY_DONE, 0)


def test_destination_records_the_source_identity(stores):
    source, destination = stores.put_source(b"x" * 100), stores.destination()
    copy(source, destination)
    head = destination.client.head_object(Bucket=destination.bucket, Key=destination.key)
    assert head["Metadata"]["source-identity"] == source.identity.strip('"')
    assert head["Metadata"]["source"] == source.uri


def test_missing_source_is_a_give_up(stores):
    from chalicelib.transfer.errors import SourceGoneError
    from chalicelib.transfer.sources import S3Source

    with pytest.raises(SourceGoneError):
        S3Source(stores.aws, stores.source_bucket, "no/such/key")
