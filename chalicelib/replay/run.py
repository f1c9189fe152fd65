"""Replay: archived raw requests back through parse → normalize → record.

Each document in the window, oldest first, is rebuilt as ingress received it
(body bytes, headers and query as stored) and goes through the Ingress's own
parse and normalize, `via` replay, then through the same idempotency ledger as
live traffic, so an event already seen (kept 3 days) is not enqueued twice.
Signatures are not verified: the archive keeps none of the secret headers, and
it is our own bucket. Nothing is archived again.

`force` bypasses the ledger (for a catalog wiped within the ledger's 3 days):
every normalized event is appended to the history and enqueued. That is safe
because event ids are deterministic and catalog transitions only move forward.
`dry_run` normalizes and reports, and writes nothing.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.catalog.events import EventHistory
from chalicelib.errors import BadRequestError, ClientInputError, RetryableError
from chalicelib.events import RecordingEvent, rfc3339
from chalicelib.ingress.service import Ingress, Ledger
from chalicelib.observability import logger
from chalicelib.pipeline.queue import JobQueue, event_job
from chalicelib.providers.base import Normalized, check_size
from chalicelib.replay.documents import DayListing, RawDocument, RawReader
from chalicelib.replay.window import day_prefixes
from chalicelib.settings import Settings

# How long the idempotency ledger's in-progress lock on one event outlives a crashed replay
# (Lambda ties it to the invocation's deadline; a CLI has none).
IN_PROGRESS_S = 60


@dataclass
class Summary:
    provider: str
    since: float
    until: float
    dry_run: bool = False
    force: bool = False
    listed: int = 0  # documents under the window's day prefixes
    outside: int = 0  # of those, received outside [since, until)
    read: int = 0  # documents replayed
    events: int = 0  # events normalized
    new: int = 0  # recorded and enqueued (every event with force)
    duplicates: int = 0  # already in the ledger: not enqueued again
    ignored: collections.Counter[str] = field(default_factory=collections.Counter)  # reason -> documents
    refused: list[tuple[str, str]] = field(default_factory=list)  # (key, reason)
    types: collections.Counter[str] = field(default_factory=collections.Counter)

    def lines(self, max_refused: int = 20) -> list[str]:
        mode = " (dry run: nothing written)" if self.dry_run else " (forced: ledger bypassed)" if self.force else ""
        lines = [
            f"replay {self.provider} [{rfc3339(self.since)}, {rfc3339(self.until)}){mode}",
            f"  documents read:    {self.read}"
            + (f" (and {self.outside} outside the window)" if self.outside else ""),
            f"  events normalized: {self.events}"
            + (" (" + ", ".join(f"{t} {n}" for t, n in sorted(self.types.items())) + ")" if self.types else ""),
        ]
        if not self.dry_run:
            lines.append(f"  new (enqueued):    {self.new}")
            lines.append(f"  duplicates:        {self.duplicates}")
        lines.append(f"  ignored:           {sum(self.ignored.values())}")
        lines.extend(f"    {n} × {reason}" for reason, n in self.ignored.most_common())
        lines.append(f"  refused:           {len(self.refused)}")
        lines.extend(f"    {key}: {reason}" for key, reason in self.refused[:max_refused])
        if len(self.refused) > max_refused:
            lines.append(f"    … and {len(self.refused) - max_refused} more")
        return lines


class ForcedLedger:
    """The ledger bypassed: every event is appended to the history and enqueued."""

    def __init__(self, history: EventHistory, queue: JobQueue) -> None:
        self.history, self.queue = history, queue

    def register_context(self, lambda_context: Any) -> None:
        pass

    def record(self, event: RecordingEvent) -> bool:
        self.history.append(event)
        self.queue.send(event_job(event.to_dict()))
        return True


class NoLedger:
    """A dry run's ledger: it must never be reached."""

    def register_context(self, lambda_context: Any) -> None:
        pass

    def record(self, event: RecordingEvent) -> bool:
        raise AssertionError("a dry run records nothing")


def replay_ingress(settings: Settings, *, force: bool = False, dry_run: bool = False) -> Ingress:
    """The Ingress wired for replay: the configured stores, the ledger chosen by the mode."""
    from chalicelib.ingress.archive import RawArchive
    from chalicelib.ingress.ledger import EventLedger

    history, queue = EventHistory(settings.catalog_table), JobQueue(settings.jobs_queue_url)
    ledger: Ledger
    if dry_run:
        ledger = NoLedger()
    elif force:
        ledger = ForcedLedger(history, queue)
    else:
        ledger = EventLedger(settings.idempotency_table, history, queue, settings.idempotency_ttl_s)
    from chalicelib.ingress.ledger import OfflineContext

    ledger.register_context(OfflineContext(IN_PROGRESS_S))
    return Ingress(settings, RawArchive(settings.raw_bucket), ledger)


Report = Callable[[str], None]


class Replay:
    def __init__(self, ingress: Ingress, reader: RawReader, *, dry_run: bool = False, force: bool = False,
                 report: Report | None = None) -> None:
        self.ingress, self.reader = ingress, reader
        self.dry_run, self.force = dry_run, force
        self.report = report or (lambda line: None)

    def keys(self, provider: str, since: float, until: float) -> list[DayListing]:
        """The window's days, oldest first, each with its number of documents (for a progress
        bar's total). Only counts are kept: each day's keys are listed again when it is replayed."""
        return [self.reader.day(prefix) for prefix in day_prefixes(provider, since, until)]

    def run(self, provider: str, since: float, until: float, days: Iterable[Iterable[str]] | None = None,
            progress: Callable[[int], object] | None = None) -> Summary:
        """Replay the window; `days` (each an iterable of keys) from `keys` (listed here, a day at
        a time, when not given); `progress(n)` after every n documents done with. A store outage
        raises (a re-run is deduplicated).

        Memory is bounded by one day's keys, not by its documents: a first pass reads each one
        (a few at a time) and keeps only its key and `received_at`; the second reads them again,
        oldest first, and replays them as they come."""
        summary = Summary(provider, since, until, dry_run=self.dry_run, force=self.force)
        if days is None:
            days = (self.reader.keys(prefix) for prefix in day_prefixes(provider, since, until))
        for keys in days:
            # Ordered by each document's own received_at, read once more rather than by S3's LastModified:
            # that is whole seconds on AWS, the PUT's end (not the request's start), and reset by any copy.
            window = []
            for doc in self.reader.read(self._listed(summary, keys)):
                when = self._within(summary, doc, since, until, progress)
                if when is not None:
                    window.append((when, doc.key))
                del doc  # not held while the next ones are read
            # A day's documents are sorted here; days come in order, so the whole run is oldest first.
            window.sort()
            for doc in self.reader.read(key for _, key in window):
                # Judged again on what was read now (an archive key rewritten in between is rare but legal).
                when = self._within(summary, doc, since, until, progress)
                if when is not None:
                    summary.read += 1
                    self._one(summary, doc, when)
                    if progress:
                        progress(1)
                del doc
        return summary

    @staticmethod
    def _listed(summary: Summary, keys: Iterable[str]) -> Iterable[str]:
        for key in keys:
            summary.listed += 1
            yield key

    def _within(self, summary: Summary, doc: RawDocument, since: float, until: float,
                progress: Callable[[int], object] | None) -> float | None:
        """The document's received_at when it is in the window; otherwise it is done with:
        refused (unreadable or timeless) or counted outside."""
        when = doc.received_at
        if doc.document is not None and when is not None and since <= when < until:
            return when
        if doc.document is None or when is None:
            summary.read += 1
            self.report(f"{'(no time)':24}  {doc.key}")
            self._refuse(summary, doc, doc.problem or "no received_at")
        else:
            summary.outside += 1
        if progress:
            progress(1)
        return None

    def _one(self, summary: Summary, doc: RawDocument, when: float) -> None:
        self.report(f"{rfc3339(when)}  {doc.key}")
        try:
            provider, result = self._normalize(doc, when)
            for event in result.events:
                check_size(event)  # the whole document is refused before any of it is recorded
        except ClientInputError as exc:
            self._refuse(summary, doc, str(exc))
            return
        except RetryableError:
            raise
        except Exception as exc:  # a normalizer bug: report it and carry on with the rest
            logger.exception("replay: normalization failed", extra={"key": doc.key})
            self._refuse(summary, doc, f"{type(exc).__name__}: {str(exc)[:200]}")
            return
        if not result.events:
            summary.ignored[result.ignored or "nothing to do"] += 1
            self.report(f"    ignored: {result.ignored or 'nothing to do'}")
            return
        for event in result.events:
            summary.events += 1
            summary.types[event.type.short] += 1
            self.report(f"    {event.type.short} {event.id} {event.subject}")
            if self.dry_run:
                continue
            try:
                [first] = self.ingress.record(provider, Normalized.of(event))
            except ClientInputError as exc:  # another delivery of it is being processed right now
                self._refuse(summary, doc, f"{event.id}: {exc}")
                return
            if first:
                summary.new += 1
            else:
                summary.duplicates += 1

    def _normalize(self, doc: RawDocument, when: float) -> tuple[str, Normalized]:
        if doc.route == "eventbridge":
            return self.ingress.replay_envelope(doc.envelope(), when, doc.location)
        if not doc.route:
            raise BadRequestError("archived document names no route", detail="route")
        return self.ingress.replay_request(doc.route, doc.request(), doc.location)

    def _refuse(self, summary: Summary, doc: RawDocument, reason: str) -> None:
        summary.refused.append((doc.key, reason))
        self.report(f"    refused: {reason}")

