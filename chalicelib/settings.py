"""One typed settings object, read from the environment.

Lambda gets these from the stage's environment (set by the packaged template);
the local stack writes them into the process environment, honouring `.env`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

MIB = 1024 * 1024


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    ingest_bucket: str
    ivs_bucket: str
    raw_bucket: str
    catalog_table: str
    idempotency_table: str
    jobs_queue_url: str
    event_bus: str
    vultr_endpoint: str
    vultr_region: str
    vultr_bucket: str
    secrets_backend: str
    secrets_path: str
    max_body_bytes: int
    tracing_enabled: bool
    local: bool
    cloudflare_account_id: str
    agora_app_id: str
    idempotency_ttl_s: int
    allowed_source_hosts: str
    allow_private_sources: bool
    transfer_workers: int
    transfer_part_mib: int
    transfer_integrity: str
    ephemeral_budget_mb: int
    outbound_webhook_url: str
    keep_source: bool
    mux_api_url: str
    mux_stream_url: str
    mux_prefer_master: bool
    cloudflare_api_url: str
    agora_backup_grace_s: int
    mediamtx_settle_s: int
    defer_max_s: int
    retry_backoff_base_s: int
    reconcile_window_s: int
    redrive_after_s: int
    redrive_max_attempts: int
    abandoned_upload_s: int
    upload_quiet_s: int
    provider_page_pause_s: float
    ivs_prefixes: tuple[str, ...]
    discovery_budget_s: float
    presign_ttl_s: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        stage = env.get("RELAY_STAGE", "dev")
        return cls(
            stage=stage,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            ingest_bucket=env.get("INGEST_BUCKET", f"recording-relay-{stage}-ingest"),
            ivs_bucket=env.get("IVS_BUCKET", f"recording-relay-{stage}-ivs"),
            raw_bucket=env.get("RAW_ARCHIVE_BUCKET", f"recording-relay-{stage}-raw"),
            catalog_table=env.get("CATALOG_TABLE", f"recording-relay-{stage}-catalog"),
            idempotency_table=env.get("IDEMPOTENCY_TABLE", f"recording-relay-{stage}-idempotency"),
            jobs_queue_url=env.get("JOBS_QUEUE_URL", ""),
            event_bus=env.get("EVENT_BUS_NAME", "default"),
            vultr_endpoint=env.get("VULTR_ENDPOINT", "https://ewr1.vultrobjects.com"),
            vultr_region=env.get("VULTR_REGION", "us-east-1"),
            vultr_bucket=env.get("VULTR_BUCKET", f"recording-relay-{stage}-archive"),
            secrets_backend=env.get("SECRETS_BACKEND", "ssm"),
            secrets_path=env.get("SECRETS_PATH", f"/recording-relay/{stage}").rstrip("/"),
            max_body_bytes=int(env.get("MAX_BODY_BYTES", str(MIB))),
            tracing_enabled=_flag(env.get("RELAY_TRACING")),
            local=_flag(env.get("RELAY_LOCAL")),
            cloudflare_account_id=env.get("CLOUDFLARE_ACCOUNT_ID", ""),
            agora_app_id=env.get("AGORA_APP_ID", ""),
            idempotency_ttl_s=int(env.get("IDEMPOTENCY_TTL_SECONDS", str(3 * 24 * 3600))),
            allowed_source_hosts=env.get("ALLOWED_SOURCE_HOSTS", ""),
            allow_private_sources=_flag(env.get("ALLOW_PRIVATE_SOURCES")),
            transfer_workers=int(env.get("TRANSFER_WORKERS", "4")),
            transfer_part_mib=int(env.get("TRANSFER_PART_SIZE_MIB", "16")),
            transfer_integrity=env.get("TRANSFER_INTEGRITY", "auto"),
            ephemeral_budget_mb=int(env.get("EPHEMERAL_BUDGET_MB", "8192")),
            outbound_webhook_url=env.get("OUTBOUND_WEBHOOK_URL", ""),
            keep_source=_flag(env.get("KEEP_SOURCE")),
            mux_api_url=env.get("MUX_API_URL", "https://api.mux.com").rstrip("/"),
            mux_stream_url=env.get("MUX_STREAM_URL", "https://stream.mux.com").rstrip("/"),
            mux_prefer_master=_flag(env.get("MUX_PREFER_MASTER")),
            cloudflare_api_url=env.get("CLOUDFLARE_API_URL", "https://api.cloudflare.com/client/v4").rstrip("/"),
            agora_backup_grace_s=int(env.get("AGORA_BACKUP_GRACE_SECONDS", str(6 * 3600))),
            mediamtx_settle_s=int(env.get("MEDIAMTX_SETTLE_SECONDS", "30")),
            defer_max_s=min(900, int(env.get("DEFER_MAX_SECONDS", "900"))),  # SQS DelaySeconds tops out at 900
            retry_backoff_base_s=int(env.get("RETRY_BACKOFF_BASE_SECONDS", "30")),
            reconcile_window_s=int(env.get("RECONCILE_WINDOW_SECONDS", str(48 * 3600))),
            redrive_after_s=int(env.get("REDRIVE_AFTER_SECONDS", "3600")),
            redrive_max_attempts=int(env.get("REDRIVE_MAX_ATTEMPTS", "5")),
            abandoned_upload_s=int(env.get("ABANDONED_UPLOAD_SECONDS", str(24 * 3600))),
            upload_quiet_s=int(env.get("UPLOAD_QUIET_SECONDS", "600")),
            provider_page_pause_s=float(env.get("PROVIDER_PAGE_PAUSE_SECONDS", "0.5")),
            ivs_prefixes=tuple(p.strip() for p in env.get("IVS_PREFIXES", "ivs/v1/").split(",") if p.strip()),
            discovery_budget_s=float(env.get("DISCOVERY_BUDGET_SECONDS", "600")),
            presign_ttl_s=int(env.get("PRESIGN_TTL", "3600")),
        )


@functools.cache
def get_settings() -> Settings:
    return Settings.from_env(os.environ)


def reset_settings() -> None:
    """Forget the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
