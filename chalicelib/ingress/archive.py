"""The raw-request archive: every request we acknowledge is stored first, so a
normalizer bug never loses an event (it can be replayed)."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Mapping
from typing import Any

from chalicelib import clients
from chalicelib.providers.base import InboundRequest

# Headers and query parameters that carry a secret: never archived.
SECRET_HEADERS = frozenset({"authorization", "cf-webhook-auth", "cookie", "x-api-key", "proxy-authorization"})
SECRET_QUERY = frozenset({"token", "secret", "key", "signature"})
HOOK_ROUTES = frozenset({"nginx-rtmp", "srs", "mediamtx"})


def archive_key(provider: str, archive_id: str, received_at: float) -> str:
    day = time.strftime("%Y/%m/%d", time.gmtime(received_at))
    safe_id = "".join(c if c.isalnum() or c in "-_." else "_" for c in archive_id)[:200]
    return f"raw/{provider}/{day}/{safe_id}.json"


# Publishers' own credentials that nginx-rtmp and SRS copy into the hook body
# (`token=…` in the form, `"param": "?token=…"` in JSON). Not the ingest object key
# that contrib/relay-upload sends (`key=nginx-rtmp/…`): replay needs it, and it is no secret.
_BODY_SECRETS = re.compile(r"((?:^|[&?\"\s,])(?:token|secret|key|signature|password)=)"
                           r"(?!(?:nginx-rtmp|srs|mediamtx)(?:/|%2F))[^&\"\s]*", re.IGNORECASE)


def _body_fields(body: bytes, redact: bool) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(body).decode()}
    return {"body": _BODY_SECRETS.sub(r"\1REDACTED", text) if redact else text}


def raw_document(provider: str, route: str, request: InboundRequest) -> dict[str, Any]:
    """What we keep of a request: enough to replay it, nothing secret."""
    return {
        "provider": provider,
        "route": route,
        "received_at": request.received_at,
        "headers": _without(request.headers, SECRET_HEADERS),
        "query": _without(request.query, SECRET_QUERY),
        # Signed bodies are kept byte for byte (replay re-verifies nothing, but audits compare bytes);
        # unsigned hook bodies carry publishers' tokens, which are redacted.
        **_body_fields(request.body, redact=route in HOOK_ROUTES),
    }


def _without(values: Mapping[str, str], secret: frozenset[str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k.lower() not in secret}


class RawArchive:
    """S3 adapter: `store` returns the `s3://` location it wrote."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def store(self, key: str, document: dict[str, Any]) -> str:
        body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
        with clients.unavailable_on_error("raw archive"):
            clients.aws("s3").put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")
        return self.location(key)
