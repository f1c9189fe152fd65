"""The ingress sequence, the same for every provider:

authenticate → size check → parse → archive raw → normalize → deduplicate +
append to history + enqueue → answer.

The raw archive's key is known before it is written, so the write runs beside
normalize/record instead of before them; the answer waits for both. A request
is answered 2xx only after its raw copy is stored and its events are recorded
and enqueued, so an acknowledged request is never lost. Stores being down
surface as UnavailableError (503) and the provider's retry is deduplicated.

Replay (`chalicelib.replay`) feeds archived copies back through the same parse →
normalize → record, minus authentication and the archive write.
"""

from __future__ import annotations

import functools
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Protocol

from chalicelib.errors import BadRequestError, ClientInputError, PayloadTooLargeError
from chalicelib.events import RecordingEvent, Via
from chalicelib.observability import bind, logger
from chalicelib.providers import WEBHOOKS
from chalicelib.providers.base import Context, InboundRequest, Normalized, WebhookAdapter, check_size
from chalicelib.providers.eventbridge import normalize_envelope, provider_of
from chalicelib.secrets import get_secret_values
from chalicelib.settings import Settings, get_settings


class Archive(Protocol):
    def location(self, key: str) -> str: ...

    def store(self, key: str, document: dict[str, Any]) -> str: ...


class Ledger(Protocol):
    def record(self, event: RecordingEvent) -> bool: ...

    def register_context(self, lambda_context: Any) -> None: ...


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


@dataclass(frozen=True)
class Ingress:
    settings: Settings
    archive: Archive
    ledger: Ledger

    def context(self, received_at: float, raw: str | None, via: Via = Via.WEBHOOK) -> Context:
        accounts = {"cloudflare": self.settings.cloudflare_account_id, "agora": self.settings.agora_app_id}
        return Context(received_at=received_at, raw=raw, via=via, ingest_bucket=self.settings.ingest_bucket,
                       accounts=accounts)

    def webhook(self, route: str, request: InboundRequest, lambda_context: Any = None) -> Answer:
        from chalicelib.ingress.archive import archive_key, raw_document

        adapter = WEBHOOKS[route]
        self.ledger.register_context(lambda_context)
        adapter.authenticate(request, get_secret_values(adapter.secret_name), request.received_at)
        payload = self._parse(adapter, request)
        provider = str(adapter.provider)
        key = archive_key(provider, adapter.archive_id(payload, request), request.received_at)
        archived = io_pool().submit(self.archive.store, key, raw_document(provider, route, request))
        try:
            result = adapter.normalize(payload, request, self.context(request.received_at, self.archive.location(key)))
            self.record(provider, result)
        finally:
            archived.result()  # raises if the archive failed: no 2xx without the raw copy
        return Answer(*adapter.answer(result))

    def eventbridge(self, envelope: dict[str, Any], received_at: float | None = None,
                    lambda_context: Any = None) -> Normalized:
        from chalicelib.ingress.archive import archive_key

        received_at = time.time() if received_at is None else received_at
        self.ledger.register_context(lambda_context)
        provider = str(provider_of(envelope, self.settings.ivs_bucket))
        event_id = str(envelope.get("id") or "") or f"{int(received_at * 1000)}"
        key = archive_key(provider, event_id, received_at)
        document = {"provider": provider, "route": "eventbridge", "received_at": received_at, "envelope": envelope}
        archived = io_pool().submit(self.archive.store, key, document)
        try:
            result = normalize_envelope(envelope, self.context(received_at, self.archive.location(key)),
                                        self.settings.ivs_bucket)
            self.record(provider, result)
        finally:
            archived.result()
        return result

    def replay_request(self, route: str, request: InboundRequest, raw: str) -> tuple[str, Normalized]:
        """Parse and normalize an archived request as `webhook` does, `via` replay; `raw` is
        its archive location. Not authenticated (the archive keeps no secret headers, and it
        is our own copy) and not archived again (it is the copy). Record with `record`."""
        adapter = WEBHOOKS.get(route)
        if adapter is None:
            raise BadRequestError("unknown route", detail=route)
        payload = self._parse(adapter, request)
        return str(adapter.provider), adapter.normalize(payload, request,
                                                        self.context(request.received_at, raw, Via.REPLAY))

    def replay_envelope(self, envelope: dict[str, Any], received_at: float, raw: str) -> tuple[str, Normalized]:
        """`replay_request` for an archived EventBridge envelope."""
        provider = str(provider_of(envelope, self.settings.ivs_bucket))
        result = normalize_envelope(envelope, self.context(received_at, raw, Via.REPLAY), self.settings.ivs_bucket)
        # normalize_envelope stamps every event `eventbridge`; a replayed one says `replay`.
        events = tuple(replace(e, data=replace(e.data, via=Via.REPLAY)) for e in result.events)
        return provider, replace(result, events=events)

    def _parse(self, adapter: WebhookAdapter, request: InboundRequest) -> Any:
        if len(request.body) > self.settings.max_body_bytes:
            raise PayloadTooLargeError("body too large", detail=f"{len(request.body)} > {self.settings.max_body_bytes}")
        return adapter.parse(request)

    def record(self, provider: str, result: Normalized) -> list[bool]:
        """Deduplicate, append to history and enqueue; per event, True when it was new."""
        if not result.events:
            logger.debug("event ignored", extra={"provider": provider, "reason": result.ignored})
        for event in result.events:
            check_size(event)
        firsts = []
        for event in result.events:
            bind(event)
            first = self.ledger.record(event)
            logger.info("event recorded" if first else "duplicate event", extra={"type": event.type.short})
            firsts.append(first)
        return firsts


@functools.cache
def io_pool() -> ThreadPoolExecutor:
    """Threads for store writes that do not depend on each other (boto3 clients are thread-safe)."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="relay-io")


@functools.cache
def default_ingress() -> Ingress:
    """The ingress wired to the configured stores (built on first use)."""
    from chalicelib.catalog.events import EventHistory
    from chalicelib.ingress.archive import RawArchive
    from chalicelib.ingress.ledger import EventLedger
    from chalicelib.pipeline.queue import JobQueue

    settings = get_settings()
    ledger = EventLedger(settings.idempotency_table, EventHistory(settings.catalog_table),
                         JobQueue(settings.jobs_queue_url), settings.idempotency_ttl_s)
    return Ingress(settings, RawArchive(settings.raw_bucket), ledger)


def handle_eventbridge(envelope: dict[str, Any], lambda_context: Any = None) -> None:
    """EventBridge entry: a malformed event is logged and dropped (its raw copy is
    archived for replay); a store outage raises so Lambda's async retries retry."""
    try:
        default_ingress().eventbridge(envelope, lambda_context=lambda_context)
    except ClientInputError as exc:
        logger.error("eventbridge event refused", extra={"reason": str(exc), "event_id": envelope.get("id")})
