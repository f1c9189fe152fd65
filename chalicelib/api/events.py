"""GET /events and GET /events/{id}: the normalized event history."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from chalice.app import Request, Response

from chalicelib.api.auth import require_api_token
from chalicelib.api.http import json_response
from chalicelib.catalog.events import MAX_KEY_TEXT, MAX_LIMIT, EventHistory, EventQuery
from chalicelib.errors import BadRequestError, NotFoundError
from chalicelib.events import EventType, Provider, rfc3339
from chalicelib.settings import get_settings

_TYPES = {t.short for t in EventType}
T = TypeVar("T")


def parse_query(params: Mapping[str, str]) -> EventQuery:
    provider, kind = params.get("provider"), params.get("type")
    if provider is not None and provider not in {str(p) for p in Provider}:
        raise BadRequestError("unknown provider", detail="provider")
    if kind is not None:
        kind = kind.removeprefix("io.recordingrelay.")
        if kind not in _TYPES:
            raise BadRequestError("unknown event type", detail="type")
    limit = _parsed(int, params.get("limit", "50"), "limit")
    since = _parsed(rfc3339, params["since"], "since") if "since" in params else None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequestError("limit out of range", detail=f"limit: 1..{MAX_LIMIT}")
    subject = params.get("subject")
    if subject is not None and len(subject.encode()) > MAX_KEY_TEXT:
        raise BadRequestError("subject too long", detail="subject")
    return EventQuery(provider=provider, type=kind, subject=subject, since=since, limit=limit,
                      cursor=params.get("cursor"))


def _parsed(parse: Callable[[str], T], value: str, name: str) -> T:
    try:
        return parse(value)
    except (ValueError, OverflowError):
        raise BadRequestError("invalid parameter", detail=name) from None


def list_events(request: Request) -> Response:
    require_api_token(request.headers)
    events, cursor = EventHistory(get_settings().catalog_table).list(parse_query(request.query_params or {}))
    return json_response({"events": events, "next": cursor})


def get_event(request: Request, event_id: str) -> Response:
    require_api_token(request.headers)
    found = EventHistory(get_settings().catalog_table).get(event_id)
    if not found:
        raise NotFoundError("no such event", detail=event_id)
    return json_response(found[0] if len(found) == 1 else {"events": found})
