"""POST /webhooks/{name} and /hooks/{name}: Chalice request → ingress → answer."""

from __future__ import annotations

import json
import time
from typing import Any

from chalice.app import Request, Response

from chalicelib.api.http import json_response
from chalicelib.errors import NotFoundError

# API Gateway and Chalice only pass bodies of the content types a route lists;
# the adapters then refuse what is wrong for them with our own 415.
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain", "application/octet-stream"]
FAMILIES = {
    "webhooks": frozenset({"mux", "cloudflare", "cloudflare-live", "agora"}),
    "hooks": frozenset({"nginx-rtmp", "srs", "mediamtx"}),
}


def inbound(request: Request) -> Any:
    from chalicelib.providers.base import InboundRequest

    return InboundRequest(
        body=_as_bytes(request.raw_body),
        headers={k.lower(): v for k, v in (request.headers or {}).items()},
        query=dict(request.query_params or {}),
        received_at=time.time(),
    )


def _as_bytes(body: str | bytes | None) -> bytes:
    return body.encode() if isinstance(body, str) else body or b""


def receive(family: str, name: str, request: Request) -> Response:
    if name not in FAMILIES[family]:
        raise NotFoundError("no such endpoint", detail=f"/{family}/{name}")
    from chalicelib.ingress.service import default_ingress
    from chalicelib.observability import count

    count("WebhooksReceived", provider=name)
    answer = default_ingress().webhook(name, inbound(request), request.lambda_context)
    return json_response(answer.body, answer.status)


def receive_local_eventbridge(request: Request) -> Response:
    """The local stage's stand-in for EventBridge: a raw envelope in the body."""
    from chalicelib.errors import BadRequestError
    from chalicelib.ingress.service import default_ingress

    try:
        envelope = json.loads(_as_bytes(request.raw_body))
    except ValueError as exc:
        raise BadRequestError("body is not JSON", detail=str(exc)[:200]) from None
    if not isinstance(envelope, dict):
        raise BadRequestError("body is not a JSON object", detail="envelope")
    result = default_ingress().eventbridge(envelope, lambda_context=request.lambda_context)
    if not result.events:
        return json_response({"status": "ignored", "reason": result.ignored}, 202)
    return json_response({"status": "accepted", "events": [e.id for e in result.events]})
