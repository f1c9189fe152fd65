"""GET /schemas/...: the shipped JSON Schemas."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api.http import JSON_HEADERS
from chalicelib.errors import NotFoundError
from chalicelib.events.schema import SCHEMA_NAME, schema_text


def get_schema(name: str) -> Response:
    if name != SCHEMA_NAME:
        raise NotFoundError("no such schema", detail=name)
    return Response(body=schema_text(), status_code=200,
                    headers={**JSON_HEADERS, "Cache-Control": "public, max-age=3600"})
