import re

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.events import event_id, recording_id, stream_id


def test_recording_id_is_deterministic_and_shaped():
    first = recording_id("mux", "asset-123")
    assert first == recording_id("mux", "asset-123")
    assert re.fullmatch(r"rec_[a-z2-7]{16}", first)


def test_recording_id_depends_on_provider_and_id():
    assert recording_id("mux", "a") != recording_id("ivs", "a")
    assert recording_id("mux", "a") != recording_id("mux", "b")


def test_fields_cannot_be_shifted_across_the_separator():
    assert event_id("ab", "c") != event_id("a", "bc")


def test_stream_and_event_ids_are_prefixed():
    assert re.fullmatch(r"str_[a-z2-7]{16}", stream_id("srs", "live/cam1"))
    assert re.fullmatch(r"evt_[a-z2-7]{26}", event_id("host", "/tmp/rec.flv"))


@given(st.text(), st.text())
def test_distinct_inputs_give_distinct_ids(a, b):
    if a != b:
        assert recording_id("mux", a) != recording_id("mux", b)


@given(st.text(), st.sampled_from([10, 16]))
def test_digest_text_is_rfc4648_base32(text, size):
    import base64
    import hashlib

    from chalicelib.events.ids import _digest

    raw = hashlib.blake2b(text.encode(), digest_size=size).digest()
    assert _digest((text,), size) == base64.b32encode(raw).decode().rstrip("=").lower()
