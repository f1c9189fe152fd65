"""EventBridge envelopes: `aws.ivs` events and `aws.s3` Object Created on the
ingest and IVS buckets. The envelope `id` is the event id."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from chalicelib.events import Provider, Via
from chalicelib.providers.base import Context, Normalized
from chalicelib.providers.fields import number, require_text
from chalicelib.providers.ivs import normalize_ivs, normalize_ivs_object
from chalicelib.providers.selfhosted import IngestObject, file_event


def provider_of(envelope: dict[str, Any], ivs_bucket: str) -> Provider:
    """Which provider an envelope is about (for the raw archive path)."""
    if envelope.get("source") == "aws.s3":
        detail = envelope.get("detail")
        bucket = detail.get("bucket", {}).get("name") if isinstance(detail, dict) else None
        if bucket == ivs_bucket:
            return Provider.IVS
        key = detail.get("object", {}).get("key", "") if isinstance(detail, dict) else ""
        obj = IngestObject.from_key(unquote_plus(str(key)))
        return obj.server if obj else Provider.NGINX_RTMP
    return Provider.IVS


def normalize_envelope(envelope: dict[str, Any], ctx: Context, ivs_bucket: str) -> Normalized:
    ctx = Context(received_at=ctx.received_at, raw=ctx.raw, via=Via.EVENTBRIDGE,
                  ingest_bucket=ctx.ingest_bucket, accounts=ctx.accounts)
    source = require_text(envelope, "source")
    if source == "aws.ivs":
        return normalize_ivs(envelope, ctx)
    if source == "aws.s3" and require_text(envelope, "detail-type") == "Object Created":
        return _object_created(envelope, ctx, ivs_bucket)
    return Normalized.ignore(f"{source} {envelope.get('detail-type')}")


def _object_created(envelope: dict[str, Any], ctx: Context, ivs_bucket: str) -> Normalized:
    bucket = require_text(envelope, "detail.bucket.name")
    key = unquote_plus(require_text(envelope, "detail.object.key"))  # S3 event keys are URL-encoded
    if bucket == ivs_bucket:
        return normalize_ivs_object(envelope, bucket, key, ctx)
    if bucket != ctx.ingest_bucket:
        return Normalized.ignore(f"object in unknown bucket {bucket}")
    obj = IngestObject.from_key(key)
    if obj is None:
        return Normalized.ignore("ingest object outside the {server}/{app}/{stream}/{file} layout")
    size = number(envelope, "detail.object.size")
    return Normalized.of(file_event(obj, ctx, time=require_text(envelope, "time"),
                                    size=int(size) if size is not None else None))
