"""recording-relay: wiring only. Every handler hands its event to chalicelib.

Heavy SDKs (cloudflare, mux_python, pydantic, idempotency, X-Ray) are imported
lazily by the code that needs them; tests/test_cold_start.py guards this.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, ConvertToMiddleware, Request, Response, SQSEvent

from chalicelib.api import events as events_api
from chalicelib.api import recordings as recordings_api
from chalicelib.api import schemas, webhooks
from chalicelib.api.http import conform_framework_errors, json_errors, json_response
from chalicelib.observability import lambda_wrappers
from chalicelib.settings import get_settings

app = Chalice(app_name="recording-relay", configure_logs=False)  # Powertools Logger owns logging
for wrapper in lambda_wrappers():
    app.register_middleware(ConvertToMiddleware(wrapper))

# Placeholder: infra/resources.json replaces it with the stage's own queue ARN.
JOBS_QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:recording-relay-jobs"
IVS_PATTERN = {"source": ["aws.ivs"], "detail-type": ["IVS Recording State Change", "IVS Stream State Change"]}
S3_PATTERN = {"source": ["aws.s3"], "detail-type": ["Object Created"]}  # buckets narrowed by the merge template


def _request() -> Request:
    request = app.current_request
    assert request is not None  # always set while a route runs
    return request


@app.middleware("http")
def error_contract(request: Request, get_response: Callable[[Request], Response]) -> Response:
    return conform_framework_errors(get_response(request))


@app.route("/health", methods=["GET"])
@json_errors
def health() -> Response:
    return json_response({"status": "ok", "stage": get_settings().stage})


@app.route("/schemas/{name}", methods=["GET"])
@json_errors
def get_schema(name: str) -> Response:
    return schemas.get_schema(name)


@app.route("/webhooks/{name}", methods=["POST"], content_types=webhooks.CONTENT_TYPES)
@json_errors
def provider_webhook(name: str) -> Response:
    return webhooks.receive("webhooks", name, _request())


@app.route("/hooks/{name}", methods=["POST"], content_types=webhooks.CONTENT_TYPES)
@json_errors
def server_hook(name: str) -> Response:
    return webhooks.receive("hooks", name, _request())


@app.route("/events", methods=["GET"])
@json_errors
def list_events() -> Response:
    return events_api.list_events(_request())


@app.route("/events/{event_id}", methods=["GET"])
@json_errors
def get_event(event_id: str) -> Response:
    return events_api.get_event(_request(), event_id)


@app.route("/recordings", methods=["GET"])
@json_errors
def list_recordings() -> Response:
    return recordings_api.list_recordings(_request())


@app.route("/recordings/{recording_id}", methods=["GET"])
@json_errors
def get_recording(recording_id: str) -> Response:
    return recordings_api.get_recording(_request(), recording_id)


@app.route("/recordings/{recording_id}/events", methods=["GET"])
@json_errors
def recording_events(recording_id: str) -> Response:
    return recordings_api.recording_events(_request(), recording_id)


@app.route("/recordings/{recording_id}/retry", methods=["POST"])
@json_errors
def retry_recording(recording_id: str) -> Response:
    return recordings_api.retry_recording(_request(), recording_id)


@app.on_cw_event(IVS_PATTERN, name="ivs_events")
def ivs_events(event: CloudWatchEvent) -> None:
    from chalicelib.ingress.service import handle_eventbridge

    handle_eventbridge(event.to_dict(), event.context)


@app.on_cw_event(S3_PATTERN, name="object_created")
def object_created(event: CloudWatchEvent) -> None:
    from chalicelib.ingress.service import handle_eventbridge

    handle_eventbridge(event.to_dict(), event.context)


# One job per invocation: a process job can take most of the 900 s, and jobs batched
# behind it would time out with it and come back only after the visibility timeout.
@app.on_sqs_message(queue_arn=JOBS_QUEUE_ARN, batch_size=1)
def handle_jobs(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.pipeline.worker import handle_batch

    return handle_batch(event.to_dict(), event.context)


@app.schedule("rate(15 minutes)", name="reconcile")
def reconcile(event: CloudWatchEvent) -> dict[str, Any]:
    from dataclasses import asdict

    from chalicelib import reconcile as reconciliation

    return asdict(reconciliation.run(lambda_context=event.context))


# The local stack's stand-in for EventBridge. Chalice's CLI (package, deploy) sets
# AWS_CHALICE_CLI_MODE, so the route can never reach a packaged template.
if get_settings().local and not os.environ.get("AWS_CHALICE_CLI_MODE"):

    @app.route("/_local/eventbridge", methods=["POST"])
    @json_errors
    def local_eventbridge() -> Response:
        return webhooks.receive_local_eventbridge(_request())
