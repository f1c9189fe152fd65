"""Conditional transitions in the catalog table, and the recording-event job."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest

from chalicelib.catalog.recordings import Recordings
from chalicelib.catalog.states import Status, may_move
from chalicelib.events import EventType, RecordingRef, recording_id
from chalicelib.pipeline.jobs import run_job
from chalicelib.pipeline.queue import event_job
from tests.events.conftest import ivs_ready_event


def event_of(kind: EventType, rec: str):
    base = ivs_ready_event()
    data = dataclasses.replace(base.data, recording=RecordingRef(id=rec, provider_ids={"x": rec}))
    return dataclasses.replace(base, id=str(uuid.uuid4()), type=kind, subject=rec, data=data)


@pytest.fixture
def recordings(emulators) -> Recordings:
    return Recordings(emulators.settings.catalog_table)


@pytest.mark.parametrize("order", [
    [EventType.RECORDING_STARTED, EventType.RECORDING_READY],
    [EventType.RECORDING_READY, EventType.RECORDING_STARTED],  # disorder
    [EventType.RECORDING_READY, EventType.RECORDING_READY, EventType.RECORDING_STARTED],  # duplicates too
])
def test_any_order_of_events_ends_ready(recordings, order):
    rec = recording_id("ivs", uuid.uuid4().hex)
    from chalicelib.catalog.states import TARGET

    for kind in order:
        recordings.move(event_of(kind, rec), TARGET[kind])
    assert recordings.get(rec)["status"] == "ready"


def test_moves_report_whether_anything_changed(recordings):
    rec = recording_id("ivs", uuid.uuid4().hex)
    assert recordings.move(event_of(EventType.RECORDING_READY, rec), Status.READY) is True
    assert recordings.move(event_of(EventType.RECORDING_READY, rec), Status.READY) is False
    assert recordings.move(event_of(EventType.RECORDING_STARTED, rec), Status.ANNOUNCED) is False


def test_failed_is_terminal_and_keeps_the_error(recordings):
    rec = recording_id("ivs", uuid.uuid4().hex)
    failed = event_of(EventType.RECORDING_FAILED, rec)
    from chalicelib.events import ErrorInfo

    failed = dataclasses.replace(failed, data=dataclasses.replace(failed.data, error=ErrorInfo("gone", "404")))
    assert recordings.move(failed, Status.FAILED)
    assert not recordings.move(event_of(EventType.RECORDING_READY, rec), Status.READY)
    item = recordings.get(rec)
    assert (item["status"], item["last_error"]) == ("failed", "gone: 404")


def test_status_index_lists_recordings(recordings):
    rec = recording_id("ivs", uuid.uuid4().hex)
    recordings.move(event_of(EventType.RECORDING_STARTED, rec), Status.ANNOUNCED)
    assert rec in recordings.by_status(Status.ANNOUNCED, limit=1000)


def test_catalog_agrees_with_the_pure_state_machine(recordings):
    statuses = [Status.ANNOUNCED, Status.READY, Status.ARCHIVED, Status.PROCESSED, Status.FAILED]
    kinds = {Status.ANNOUNCED: EventType.RECORDING_STARTED, Status.READY: EventType.RECORDING_READY,
             Status.ARCHIVED: EventType.RECORDING_ARCHIVED, Status.PROCESSED: EventType.RECORDING_PROCESSED,
             Status.FAILED: EventType.RECORDING_FAILED}
    for first in statuses:
        for second in statuses:
            rec = recording_id("ivs", uuid.uuid4().hex)
            recordings.move(event_of(kinds[first], rec), first)
            moved = recordings.move(event_of(kinds[second], rec), second)
            assert moved is may_move(first, second), (first, second)


def test_recording_event_job_applies_the_event(recordings):
    rec = recording_id("ivs", uuid.uuid4().hex)
    run_job(json.loads(json.dumps(event_job(event_of(EventType.RECORDING_READY, rec).to_dict()))))
    assert recordings.get(rec)["status"] == "ready"


@pytest.mark.parametrize("job", [{"kind": "recording-event"}, {"kind": "recording-event", "event": {"id": "x"}}])
def test_recording_event_job_without_a_valid_event_is_a_give_up(job):
    from chalicelib.errors import GiveUpError

    with pytest.raises(GiveUpError):
        run_job(job)
