from __future__ import annotations

import json

from chalice.test import Client

from app import app
from chalicelib.events.schema import schema
from chalicelib.settings import reset_settings


def test_schema_is_served_as_shipped():
    with Client(app) as client:
        answer = client.http.get("/schemas/recording-event.v1.json")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.body) == schema()


def test_unknown_schema_is_a_json_404():
    with Client(app) as client:
        answer = client.http.get("/schemas/other.json")
    assert answer.status_code == 404
    assert json.loads(answer.body) == {"error": "not_found", "detail": "other.json"}


def test_health_names_the_stage_from_chalice_config():
    reset_settings()  # settings are read once per process, as in Lambda
    try:
        with Client(app, stage_name="prod") as client:
            answer = client.http.get("/health")
    finally:
        reset_settings()
    assert json.loads(answer.body) == {"status": "ok", "stage": "prod"}
