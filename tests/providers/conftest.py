from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.events.schema import validate
from chalicelib.providers.base import Context, InboundRequest, Normalized

FIXTURES = Path(__file__).parent / "fixtures"
INGEST = "recording-relay-test-ingest"
IVS = "recording-relay-test-ivs"
NOW = 1795178200.0


def fixture(group: str, name: str) -> Any:
    return json.loads((FIXTURES / f"{group}.json").read_text())[name]


def body_of(payload: Any) -> bytes:
    return payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()


def inbound(payload: Any, content_type: str = "application/json", received_at: float = NOW,
            headers: dict[str, str] | None = None, query: dict[str, str] | None = None) -> InboundRequest:
    return InboundRequest(body=body_of(payload), headers={"content-type": content_type, **(headers or {})},
                          query=query or {}, received_at=received_at)


def context(received_at: float = NOW) -> Context:
    return Context(received_at=received_at, raw="s3://raw/raw/x.json", ingest_bucket=INGEST,
                   accounts={"cloudflare": "023e105f4ecef8ad9ca31a8372d0c353", "agora": "app-1"})


def normalize(adapter: Any, request: InboundRequest) -> Normalized:
    """Parse + normalize like the ingress does; every event must match the schema."""
    result: Normalized = adapter.normalize(adapter.parse(request), request, context(request.received_at))
    for event in result.events:
        validate(event.to_dict())
    return result
