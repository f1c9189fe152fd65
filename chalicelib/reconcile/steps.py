"""The steps of a reconciliation run (see the package docstring)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.catalog.recordings import Recordings
from chalicelib.catalog.states import Status
from chalicelib.errors import RelayError
from chalicelib.observability import logger
from chalicelib.settings import Settings

if TYPE_CHECKING:
    from chalicelib.events import RecordingEvent
    from chalicelib.reconcile import ReconcileSummary

ACTIVE = (Status.READY, Status.ARCHIVING, Status.ARCHIVED)  # work the pipeline owns


def discover(settings: Settings, since: float, now: float, summary: ReconcileSummary,
             sources: list[str] | None = None, lambda_context: Any = None) -> None:
    from chalicelib.ingress.service import default_ingress
    from chalicelib.reconcile.discover import SOURCES, configured

    recordings, ledger = Recordings(settings.catalog_table), default_ingress().ledger
    from chalicelib.ingress.ledger import OfflineContext

    ledger.register_context(lambda_context or OfflineContext())
    # Re-drive and clean-up must still run when discovery is slow: it stops at its budget.
    deadline = time.monotonic() + settings.discovery_budget_s
    for name in configured(settings) if sources is None else sources:
        if time.monotonic() > deadline:
            summary.source_errors[name] = "skipped: discovery time budget spent"
            continue
        try:
            for batch in _batches(SOURCES[name](settings, since, now), 100):
                if time.monotonic() > deadline:
                    summary.source_errors[name] = "stopped: discovery time budget spent"
                    break
                known = recordings.get_many([e.data.recording.id for e in batch if e.data.recording])
                for event in batch:
                    summary.checked += 1
                    if _missing(known, event) and _submit(ledger, event):
                        summary.missing_found += 1
                        logger.info("recording found missing", extra={"recording_id": event.subject,
                                                                       "type": event.type.short, "source": name})
        except RelayError as exc:  # one provider down must not stop the others
            summary.source_errors[name] = str(exc)[:300]
            logger.warning("discovery failed", extra={"source": name, "reason": str(exc)[:300]})


def _submit(ledger: Any, event: RecordingEvent) -> bool:
    """Through the webhook's ledger: False when it was already seen, or is being
    recorded right now (a concurrent run, or the webhook itself)."""
    from chalicelib.errors import ConflictError

    try:
        return bool(ledger.record(event))
    except ConflictError:
        return False


def _batches(events: Iterable[RecordingEvent], size: int) -> Iterator[list[RecordingEvent]]:
    batch: list[RecordingEvent] = []
    for event in events:
        batch.append(event)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _missing(known: dict[str, dict[str, Any]], event: RecordingEvent) -> bool:
    """Unknown to the catalog, or known only as announced while the provider says it is over."""
    if event.data.recording is None:
        return False
    item = known.get(event.data.recording.id)
    if item is None:
        return True
    return item["status"] == Status.ANNOUNCED and event.type.short != "recording.started"


def redrive_stuck(settings: Settings, now: float, summary: ReconcileSummary) -> None:
    """Re-enqueue active recordings untouched for `redrive_after_s`; past the cap, fail them."""
    import json

    from chalicelib.errors import GiveUpError
    from chalicelib.pipeline.process import fail, process_job
    from chalicelib.pipeline.queue import JobQueue

    recordings, queue = Recordings(settings.catalog_table), JobQueue(settings.jobs_queue_url)
    cutoff = _iso(now - settings.redrive_after_s)
    oldest = now
    for status in ACTIVE:
        for item in recordings.stale(status, before=_iso(now)):
            oldest = min(oldest, _epoch(item["updated_at"]))
            if item["updated_at"] >= cutoff or item.get("redriven_at", "") >= cutoff:
                continue
            attempts = int(item.get("attempts") or 0)
            if attempts >= settings.redrive_max_attempts:
                fail(recordings, item["pk"], json.loads(item["facts"]),
                     GiveUpError("stuck after re-drives", detail=f"{attempts} attempts, last in {status}"))
                summary.failed += 1
            elif recordings.mark_redriven(item["pk"], status, _iso(now), cutoff):
                queue.send(process_job(item["pk"]))
                summary.redriven += 1
    summary.oldest_non_terminal_age_s = round(now - oldest, 1)


def abort_abandoned_uploads(settings: Settings, now: float, summary: ReconcileSummary) -> None:
    from chalicelib.transfer.checkpoint import DynamoCheckpoints
    from chalicelib.transfer.cleanup import abort_stale_uploads
    from chalicelib.transfer.destination import Destination
    from chalicelib.transfer.engine import copy_id_for
    from chalicelib.transfer.locations import transfer_client

    client = transfer_client(settings.transfer_workers)
    checkpoints = DynamoCheckpoints(settings.catalog_table)

    def is_live(key: str, upload_id: str) -> bool:
        found = checkpoints.load(copy_id_for(Destination(client, settings.vultr_bucket, key)))
        return found is not None and found.upload_id == upload_id

    aborted = abort_stale_uploads(client, settings.vultr_bucket, timedelta(seconds=settings.abandoned_upload_s),
                                  is_live, now=datetime.fromtimestamp(now, UTC))
    summary.uploads_aborted = len(aborted)
    for key, upload_id in aborted:
        logger.info("abandoned upload aborted", extra={"key": key, "upload_id": upload_id})


def report(summary: ReconcileSummary) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    from chalicelib.observability import metrics

    for name, value in (("RecordingsFoundMissing", summary.missing_found), ("RecordingsRedriven", summary.redriven),
                        ("RecordingsFailed", summary.failed), ("UploadsAborted", summary.uploads_aborted)):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.add_metric(name="OldestNonTerminalAgeSeconds", unit=MetricUnit.Seconds,
                       value=summary.oldest_non_terminal_age_s)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


