"""The signature schemes: known-answer vectors (computed with `openssl dgst
-hmac`) and one test per rejection reason."""

from __future__ import annotations

import hashlib

import pytest

from chalicelib.errors import UnauthorizedError
from chalicelib.verify import BodyHmac, TimestampedHmac, parse_kv_header, verify_shared_secret

MUX = TimestampedHmac(header="mux-signature", timestamp_key="t", signature_key="v1")
CLOUDFLARE = TimestampedHmac(header="webhook-signature", timestamp_key="time", signature_key="sig1")
AGORA = BodyHmac(headers=(("agora-signature-v2", hashlib.sha256), ("agora-signature", hashlib.sha1)))

T = 1777638896
MUX_BODY = b'{"type":"video.asset.ready","id":"evt-1"}'
MUX_KAT = "a759ed634e589e15f89b0d734e1926f2c287acee82b0f1d390fa0e23cbac15ce"
CF_BODY = b'{"uid":"abc","status":{"state":"ready"}}'
CF_KAT = "358df701ef08df31d6e0221348a4422e99195c4516d0e4a990b8ee2e734f9edc"
AGORA_BODY = b'{"noticeId":"n1","eventType":31}'
AGORA_V2_KAT = "e60c05764c1ce1d45a9e37a241cb7004dcb98d398c8f4717d8801cb64dd2dd0c"
AGORA_V1_KAT = "74b8aa92af97a94932f866afa0353d280f7fc164"


def reason(call) -> str:
    with pytest.raises(UnauthorizedError) as caught:
        call()
    return caught.value.message


def test_mux_known_answer():
    assert MUX.sign(MUX_BODY, "mux-test-secret", T) == f"t={T},v1={MUX_KAT}"
    assert MUX.verify(MUX_BODY, f"t={T},v1={MUX_KAT}", ["mux-test-secret"], now=T) == T


def test_cloudflare_known_answer():
    assert CLOUDFLARE.sign(CF_BODY, "cf-test-secret", T) == f"time={T},sig1={CF_KAT}"
    CLOUDFLARE.verify(CF_BODY, f"time={T},sig1={CF_KAT}", ["cf-test-secret"], now=T + 10)


def test_agora_known_answers_for_both_versions():
    assert AGORA.sign(AGORA_BODY, "agora-test-secret") == {
        "agora-signature-v2": AGORA_V2_KAT, "agora-signature": AGORA_V1_KAT}
    assert AGORA.verify(AGORA_BODY, {"agora-signature-v2": AGORA_V2_KAT}, ["agora-test-secret"]) == "agora-signature-v2"
    assert AGORA.verify(AGORA_BODY, {"agora-signature": AGORA_V1_KAT}, ["agora-test-secret"]) == "agora-signature"


def test_any_of_several_signatures_and_secrets_verifies():
    header = f"t={T},v1={'0' * 64},v1={MUX_KAT}"
    assert MUX.verify(MUX_BODY, header, ["rotated-out", "mux-test-secret"], now=T) == T


def test_uppercase_hex_is_accepted():
    MUX.verify(MUX_BODY, f"t={T},v1={MUX_KAT.upper()}", ["mux-test-secret"], now=T)


def test_missing_header():
    assert reason(lambda: MUX.verify(MUX_BODY, None, ["s"], now=T)) == "missing signature header"


@pytest.mark.parametrize("header", ["garbage", f"t={T}", f"v1={MUX_KAT}", f"t=abc,v1={MUX_KAT}",
                                    f"t=\u00b2,v1={MUX_KAT}", f"t={'9' * 5000},v1={MUX_KAT}",
                                    f"t={T},t={T},v1={MUX_KAT}", f"t={T},v1="])
def test_malformed_header(header):
    assert reason(lambda: MUX.verify(MUX_BODY, header, ["mux-test-secret"], now=T)) == "malformed signature header"


def test_wrong_secret():
    assert reason(lambda: MUX.verify(MUX_BODY, f"t={T},v1={MUX_KAT}", ["other"], now=T)) == "signature mismatch"


def test_tampered_body():
    body = MUX_BODY.replace(b"evt-1", b"evt-2")
    assert reason(lambda: MUX.verify(body, f"t={T},v1={MUX_KAT}", ["mux-test-secret"], now=T)) == "signature mismatch"


def test_reserialized_json_fails():
    body = b'{"type": "video.asset.ready", "id": "evt-1"}'  # same JSON, other bytes
    assert reason(lambda: MUX.verify(body, f"t={T},v1={MUX_KAT}", ["mux-test-secret"], now=T)) == "signature mismatch"


def test_signature_bound_to_timestamp():
    header = f"t={T + 1},v1={MUX_KAT}"
    assert reason(lambda: MUX.verify(MUX_BODY, header, ["mux-test-secret"], now=T)) == "signature mismatch"


def test_stale_timestamp():
    assert reason(lambda: MUX.verify(MUX_BODY, f"t={T},v1={MUX_KAT}", ["mux-test-secret"], now=T + 301)) == \
        "timestamp too old"


def test_future_timestamp_beyond_tolerance():
    assert reason(lambda: MUX.verify(MUX_BODY, f"t={T},v1={MUX_KAT}", ["mux-test-secret"], now=T - 301)) == \
        "timestamp too new"


def test_tolerance_edges_are_inclusive():
    for now in (T - 300, T + 300):
        MUX.verify(MUX_BODY, f"t={T},v1={MUX_KAT}", ["mux-test-secret"], now=now)


def test_agora_prefers_v2_and_does_not_fall_back_when_v2_is_wrong():
    headers = {"agora-signature-v2": "0" * 64, "agora-signature": AGORA_V1_KAT}
    assert reason(lambda: AGORA.verify(AGORA_BODY, headers, ["agora-test-secret"])) == "signature mismatch"


def test_agora_missing_both_headers():
    assert reason(lambda: AGORA.verify(AGORA_BODY, {}, ["agora-test-secret"])) == "missing signature header"


def test_shared_secret_missing_and_wrong():
    assert reason(lambda: verify_shared_secret(None, ["s3cret"], "cf-webhook-auth")) == "missing credential"
    assert reason(lambda: verify_shared_secret("nope", ["s3cret"], "cf-webhook-auth")) == "wrong credential"
    verify_shared_secret("s3cret", ["old", "s3cret"], "cf-webhook-auth")


def test_errors_never_contain_secret_or_signature():
    with pytest.raises(UnauthorizedError) as caught:
        MUX.verify(MUX_BODY, f"t={T},v1={'1' * 64}", ["mux-test-secret"], now=T)
    text = f"{caught.value} {caught.value.detail}"
    assert "mux-test-secret" not in text and MUX_KAT not in text


def test_parse_kv_header_keeps_repeated_keys():
    assert parse_kv_header("t=1, v1=a ,v1=b") == [("t", "1"), ("v1", "a"), ("v1", "b")]
