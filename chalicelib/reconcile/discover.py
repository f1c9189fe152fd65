"""Discovery: what each provider finished in the window, as the events its
webhook would have produced (marked `via: reconcile`).

Where the provider's own event id can be rebuilt (Cloudflare, self-hosted
files), the synthesized event has the very same id and the ledger deduplicates;
elsewhere the id is deterministic per recording, and the catalog's forward-only
transitions make a race with a late webhook harmless.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from chalicelib import clients
from chalicelib.events import RecordingEvent, Via, event_id, rfc3339
from chalicelib.observability import logger
from chalicelib.providers.base import Context, InboundRequest
from chalicelib.settings import Settings

# Agora composite names: [bak<n>_]<sid>_<cname>[_<utc>|_<index>].(m3u8|mp4|ts)
AGORA_FILE = re.compile(r"(?:bak\d+_)?(?P<sid>[0-9a-f]{32})_(?P<cname>[^/]+?)(?:_\d+)?\.(?P<ext>m3u8|mp4)$")


def context(settings: Settings, now: float) -> Context:
    return Context(received_at=now, via=Via.RECONCILE, ingest_bucket=settings.ingest_bucket,
                   accounts={"cloudflare": settings.cloudflare_account_id, "agora": settings.agora_app_id})


def _request(now: float) -> InboundRequest:
    return InboundRequest(body=b"", headers={}, query={}, received_at=now)


# -- Mux ------------------------------------------------------------------------------------------
def mux_events(settings: Settings, since: float, now: float) -> Iterator[RecordingEvent]:
    """Assets of live streams created since `since`: `list_assets`, newest first, cursor paging."""
    from chalicelib.providers.mux import MuxAdapter
    from chalicelib.resolve.mux import MuxApi

    api, adapter, cursor = MuxApi(), MuxAdapter(), None
    while True:
        page = api.list_assets(cursor)
        for asset in page["data"]:
            if float(asset.get("created_at") or 0) < since:
                return
            if asset.get("live_stream_id") and not asset.get("is_live") and asset.get("status") in ("ready", "errored"):
                yield from adapter.normalize(_mux_payload(asset), _request(now), context(settings, now)).events
        cursor = page.get("next_cursor")
        if not cursor or not page["data"]:
            return
        time.sleep(settings.provider_page_pause_s)  # GET /assets is rate-limited


def _mux_payload(asset: dict[str, Any]) -> dict[str, Any]:
    errored = asset.get("status") == "errored"
    return {"type": "video.asset.errored" if errored else "video.asset.live_stream_completed",
            "id": event_id("reconcile", "mux", str(asset["id"]), str(asset.get("status"))),
            "created_at": rfc3339(float(asset.get("created_at") or 0)), "environment": {"id": "reconcile"},
            "data": _jsonable(asset)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return {"seconds": value.timestamp(), "nanos": 0}  # Mux's webhook form of a timestamp
    return value


# -- Cloudflare -----------------------------------------------------------------------------------
def cloudflare_events(settings: Settings, since: float, now: float) -> Iterator[RecordingEvent]:
    """Live recordings in the window (`type=live`, by time: this endpoint has no cursor)."""
    from urllib.parse import urlencode

    from chalicelib.providers.cloudflare import CloudflareStreamAdapter
    from chalicelib.resolve.cloudflare import CloudflareApi

    adapter = CloudflareStreamAdapter()
    query = urlencode({"type": "live", "after": rfc3339(since), "before": rfc3339(now), "limit": 1000, "asc": "true"})
    for video in CloudflareApi().call("GET", f"stream?{query}").get("result") or []:
        if isinstance(video, dict):
            yield from adapter.normalize(video, _request(now), context(settings, now)).events


# -- IVS ------------------------------------------------------------------------------------------
def ivs_events(settings: Settings, since: float, now: float) -> Iterator[RecordingEvent]:
    """`recording-ended.json` / `recording-failed.json` objects written in the window."""
    from chalicelib.providers.ivs import ENDED_OBJECT, FAILED_OBJECT, normalize_ivs_object

    for prefix in settings.ivs_prefixes:
        for obj in (o for day in _ivs_days(settings.ivs_bucket, prefix, since, now)
                    for o in _objects(settings.ivs_bucket, day, since)):
            key = obj["Key"]
            if not key.endswith((ENDED_OBJECT, FAILED_OBJECT)):
                continue
            parts = key.split("/")
            envelope = {"id": event_id("reconcile", "ivs", key), "account": parts[2] if len(parts) > 2 else "unknown",
                        "region": settings.region, "time": rfc3339(obj["LastModified"])}
            yield from normalize_ivs_object(envelope, settings.ivs_bucket, key, context(settings, now)).events


def _ivs_days(bucket: str, root: str, since: float, now: float) -> Iterator[str]:
    """`ivs/v1/{account}/{channel}/{y}/{m}/{d}/` for each day of the window, so a run lists
    the window's objects and not the bucket's whole history (IVS does not pad the
    numbers; padded forms are listed too in case)."""
    days = {datetime.fromtimestamp(t, UTC).date() for t in _every_day(since, now)}
    for account in _folders(bucket, root.rstrip("/") + "/"):
        for channel in _folders(bucket, account):
            for day in sorted(days):
                forms = {f"{day.year}/{day.month}/{day.day}/", f"{day.year}/{day.month:02d}/{day.day:02d}/"}
                yield from (channel + form for form in sorted(forms))


def _every_day(since: float, now: float) -> Iterator[float]:
    moment = since
    while moment < now:
        yield moment
        moment += 86400
    yield now


def _folders(bucket: str, prefix: str) -> Iterator[str]:
    with clients.unavailable_on_error("object listing"):
        for page in clients.aws("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix,
                                                                                 Delimiter="/"):
            for common in page.get("CommonPrefixes", []):
                yield str(common["Prefix"])


# -- Self-hosted and Agora (our ingest bucket) ----------------------------------------------------
def ingest_events(settings: Settings, since: float, now: float) -> Iterator[RecordingEvent]:
    """Files in the ingest bucket: self-hosted recordings and segments, MediaMTX sessions
    gone quiet, and Agora recordings gone quiet."""
    from chalicelib.providers.selfhosted import IngestObject, file_event, session_ended

    ctx = context(settings, now)
    quiet_before = now - settings.upload_quiet_s
    sessions: dict[tuple[str, str, str], float] = defaultdict(float)
    agora: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for obj in _objects(settings.ingest_bucket, "", since):
        found = IngestObject.from_key(obj["Key"])
        if found is not None:
            yield file_event(found, ctx, time=rfc3339(obj["LastModified"]), size=int(obj["Size"]))
            if found.session:
                key = (found.app, found.stream, found.session)
                sessions[key] = max(sessions[key], obj["LastModified"].timestamp())
        elif match := AGORA_FILE.search(obj["Key"]):
            agora[match["sid"]].append({**obj, "cname": match["cname"], "ext": match["ext"]})
    from chalicelib.events import Provider

    for (app, stream, session), newest in sessions.items():
        if newest < quiet_before:  # no segment for a while: the session is over
            yield session_ended(Provider.MEDIAMTX, app, stream, session, ctx, newest)
    yield from _agora_events(agora, quiet_before, ctx)


def _agora_events(files: dict[str, list[dict[str, Any]]], quiet_before: float, ctx: Context) -> Iterator[
        RecordingEvent]:
    from chalicelib.providers.agora import AgoraAdapter

    adapter = AgoraAdapter()
    for sid, objects in files.items():
        newest = max(o["LastModified"].timestamp() for o in objects)
        if newest >= quiet_before:
            continue  # still recording, or still uploading
        payload = {"noticeId": event_id("reconcile", "agora", sid), "eventType": 31, "notifyMs": int(newest * 1000),
                   "payload": {"sid": sid, "cname": objects[0]["cname"], "sendts": int(newest * 1000),
                               "details": {"fileList": [{"fileName": o["Key"], "trackType": "audio_and_video"}
                                                        for o in sorted(objects, key=lambda o: o["Key"])]}}}
        yield from adapter.normalize(payload, _request(ctx.received_at), ctx).events


def _objects(bucket: str, prefix: str, since: float) -> Iterator[dict[str, Any]]:
    cutoff = datetime.fromtimestamp(since, UTC)
    with clients.unavailable_on_error("object listing"):
        for page in clients.aws("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                if obj["LastModified"] >= cutoff:
                    yield obj


SOURCES = {"mux": mux_events, "cloudflare": cloudflare_events, "ivs": ivs_events, "ingest": ingest_events}


def configured(settings: Settings) -> list[str]:
    """The discovery sources this deployment can use (provider APIs need their credentials)."""
    from chalicelib.errors import ConfigError
    from chalicelib.secrets import get_secret

    names = ["ivs", "ingest"]
    try:
        get_secret("MUX_TOKEN_ID")
        names.insert(0, "mux")
    except ConfigError:
        logger.debug("Mux API not configured: skipped")
    if settings.cloudflare_account_id:
        try:
            get_secret("CLOUDFLARE_API_TOKEN")
            names.insert(0, "cloudflare")
        except ConfigError:
            logger.debug("Cloudflare API not configured: skipped")
    return names
