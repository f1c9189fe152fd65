"""recording-relay: wiring only. Every handler hands its event to chalicelib.

Heavy SDKs (cloudflare, mux_python, pydantic, idempotency, X-Ray) are imported
lazily by the code that needs them; tests/test_cold_start.py guards this.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, CloudWatchEvent, ConvertToMiddleware, Response, SQSEvent

from chalicelib.api import schemas
from chalicelib.api.http import json_errors, json_response
from chalicelib.observability import lambda_wrappers
from chalicelib.settings import get_settings

app = Chalice(app_name="recording-relay", configure_logs=False)  # Powertools Logger owns logging
for wrapper in lambda_wrappers():
    app.register_middleware(ConvertToMiddleware(wrapper))

# Placeholder: infra/resources.json replaces it with the stage's own queue ARN.
JOBS_QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:recording-relay-jobs"


@app.route("/health", methods=["GET"])
@json_errors
def health() -> Response:
    return json_response({"status": "ok", "stage": get_settings().stage})


@app.route("/schemas/{name}", methods=["GET"])
@json_errors
def get_schema(name: str) -> Response:
    return schemas.get_schema(name)


@app.on_sqs_message(queue_arn=JOBS_QUEUE_ARN, batch_size=10)
def handle_jobs(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.pipeline.worker import handle_batch

    return handle_batch(event.to_dict(), event.context)


@app.schedule("rate(15 minutes)", name="reconcile")
def reconcile(event: CloudWatchEvent) -> dict[str, Any]:
    from dataclasses import asdict

    from chalicelib import reconcile as reconciliation

    return asdict(reconciliation.run())
