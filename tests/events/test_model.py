from __future__ import annotations

import copy
import dataclasses
import json

import pytest

from chalicelib.events import EventData, RecordingEvent, rfc3339
from chalicelib.events.model import MediaRef, RecordingRef, StreamRef
from chalicelib.events.schema import InvalidEventError, schema, validate


def test_round_trip_is_lossless(any_event: RecordingEvent):
    assert RecordingEvent.from_json(any_event.to_json()) == any_event


def test_wire_form_validates_against_shipped_schema(any_event: RecordingEvent):
    validate(any_event.to_dict())


def test_wire_form_is_cloudevents_structured(ready_event: RecordingEvent):
    wire = json.loads(ready_event.to_json())
    assert wire["specversion"] == "1.0"
    assert wire["datacontenttype"] == "application/json"
    assert wire["type"] == "io.recordingrelay.recording.ready"
    assert wire["subject"] == wire["data"]["recording"]["id"]


def test_time_is_normalized_to_utc_z():
    assert rfc3339("2026-11-20T19:04:11+01:00") == "2026-11-20T18:04:11.000Z"
    assert rfc3339(0) == "1970-01-01T00:00:00.000Z"
    with pytest.raises(ValueError, match="timezone"):
        rfc3339("2026-11-20T18:04:11")


def _schema_keys(definition: str) -> set[str]:
    node = schema()["$defs"]["data"]["properties"][definition] if definition != "data" else schema()["$defs"]["data"]
    return set(node["properties"])


@pytest.mark.parametrize(("model", "definition"), [
    (EventData, "data"), (StreamRef, "stream"), (RecordingRef, "recording"),
])
def test_model_and_schema_name_the_same_fields(model: type, definition: str):
    assert {f.name for f in dataclasses.fields(model)} == _schema_keys(definition)


def test_media_and_envelope_fields_match_schema():
    assert {f.name for f in dataclasses.fields(MediaRef)} == set(schema()["$defs"]["media"]["properties"])
    assert {f.name for f in dataclasses.fields(RecordingEvent)} == set(schema()["properties"])


def _mutated(event: RecordingEvent, path: list[str], value: object) -> dict:
    wire = copy.deepcopy(event.to_dict())
    node = wire
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return wire


@pytest.mark.parametrize(("path", "value", "names"), [
    (["specversion"], "0.3", "specversion"),
    (["type"], "io.recordingrelay.recording.exploded", "type"),
    (["subject"], "recording-1", "subject"),
    (["time"], "yesterday", "time"),
    (["id"], KeyError, "id"),
    (["data", "provider"], "youtube", "data/provider"),
    (["data", "media"], [{"kind": "ftp", "location": "x", "container": "mp4"}], "data/media/0/kind"),
    (["data", "recording", "duration_s"], -1, "data/recording/duration_s"),
    (["data", "surprise"], 1, "data"),
])
def test_invalid_events_are_rejected_naming_the_field(ready_event, path, value, names):
    with pytest.raises(InvalidEventError) as caught:
        RecordingEvent.from_dict(_mutated(ready_event, path, value))
    assert caught.value.detail.startswith(names)
