from __future__ import annotations

import json

import pytest

from chalicelib.api.http import json_errors
from chalicelib.errors import (
    BadRequestError,
    PayloadTooLargeError,
    UnauthorizedError,
    UnavailableError,
)


@pytest.mark.parametrize(("error", "status", "code"), [
    (BadRequestError("bad body", detail="data.id"), 400, "bad_request"),
    (UnauthorizedError("bad signature", detail="mux-signature"), 401, "unauthorized"),
    (PayloadTooLargeError("too big", detail="1048577 bytes"), 413, "payload_too_large"),
])
def test_client_errors_become_the_json_contract(error, status, code):
    def view():
        raise error

    answer = json_errors(view)()
    assert answer.status_code == status
    assert json.loads(answer.body) == {"error": code, "detail": error.detail}


def test_unavailable_store_is_503_so_providers_retry():
    def view():
        raise UnavailableError("raw archive down", detail="s3 PutObject: timeout")

    answer = json_errors(view)()
    assert answer.status_code == 503
    assert json.loads(answer.body)["error"] == "unavailable"
    assert "timeout" not in answer.body  # internal detail stays in the logs


def test_other_exceptions_are_not_swallowed():
    def view():
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        json_errors(view)()


def test_a_missing_secret_is_a_json_500_that_does_not_name_it():
    from chalicelib.errors import ConfigError

    def view():
        raise ConfigError("secret is not configured", detail="MUX_WEBHOOK_SECRET")

    answer = json_errors(view)()
    assert answer.status_code == 500
    assert json.loads(answer.body)["error"] == "misconfigured"
    assert "MUX_WEBHOOK_SECRET" not in answer.body
