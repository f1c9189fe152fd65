"""The environment of the local stack, derived from the caller's (and `.env`)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from pathlib import Path

from chalicelib.secrets import SECRET_NAMES
from chalicelib.settings import Settings

HOST = "127.0.0.1"
STAGE = "local"


def ports(base: Mapping[str, str]) -> tuple[int, int, int]:
    """(AWS emulator, Vultr emulator, API) ports."""
    return (int(base.get("RELAY_AWS_PORT", "5000")), int(base.get("RELAY_VULTR_PORT", "5001")),
            int(base.get("RELAY_API_PORT", "8000")))


def uses_real_vultr(base: Mapping[str, str]) -> bool:
    return bool(base.get("VULTR_ENDPOINT"))


PROVIDER_URLS = ("MUX_API_URL", "MUX_STREAM_URL", "CLOUDFLARE_API_URL")


def service_environment(base: Mapping[str, str]) -> dict[str, str]:
    """Variables the service runs with: every AWS call goes to the AWS emulator."""
    aws_port, vultr_port, _ = ports(base)
    names = Settings.from_env({"RELAY_STAGE": STAGE})
    return {
        "INGEST_BUCKET": names.ingest_bucket,
        "IVS_BUCKET": names.ivs_bucket,
        "RAW_ARCHIVE_BUCKET": names.raw_bucket,
        "CATALOG_TABLE": names.catalog_table,
        "IDEMPOTENCY_TABLE": names.idempotency_table,
        "RELAY_STAGE": STAGE,
        "RELAY_LOCAL": "1",
        "AWS_ENDPOINT_URL": f"http://{HOST}:{aws_port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "SECRETS_BACKEND": "ssm",
        "SECRETS_PATH": f"/recording-relay/{STAGE}",
        "VULTR_ENDPOINT": base.get("VULTR_ENDPOINT") or f"http://{HOST}:{vultr_port}",
        "VULTR_REGION": base.get("VULTR_REGION", "us-east-1"),
        "VULTR_BUCKET": base.get("VULTR_BUCKET", f"recording-relay-{STAGE}-archive"),
        "POWERTOOLS_METRICS_DISABLED": base.get("POWERTOOLS_METRICS_DISABLED", "true"),
        "ALLOW_PRIVATE_SOURCES": "1",  # the local stack's fake providers serve media on loopback
        # Locally nobody wants to wait minutes between polls of a provider or retries.
        "DEFER_MAX_SECONDS": base.get("DEFER_MAX_SECONDS", "2"),
        "RETRY_BACKOFF_BASE_SECONDS": base.get("RETRY_BACKOFF_BASE_SECONDS", "1"),
        "MEDIAMTX_SETTLE_SECONDS": base.get("MEDIAMTX_SETTLE_SECONDS", "1"),
        **({"CLOUDFLARE_ACCOUNT_ID": base["CLOUDFLARE_ACCOUNT_ID"]} if base.get("CLOUDFLARE_ACCOUNT_ID") else {}),
        **{name: base[name] for name in PROVIDER_URLS if name in base},
    }


# Credentials of provider APIs: only when given. A made-up one would make the local
# stack's reconciliation call the real Mux and Cloudflare APIs.
PROVIDER_API_SECRETS = frozenset({"MUX_TOKEN_ID", "MUX_TOKEN_SECRET", "CLOUDFLARE_API_TOKEN"})


def secret_values(base: Mapping[str, str]) -> dict[str, str]:
    """Each secret from the caller's environment, else a fresh random one for this run
    (the outbound webhook secret in Standard Webhooks' `whsec_` + base64 form); provider
    API credentials only when given."""
    fresh = {name: secrets.token_urlsafe(24) for name in SECRET_NAMES}
    fresh["OUTBOUND_WEBHOOK_SECRET"] = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    return {name: base.get(name) or fresh[name] for name in SECRET_NAMES
            if name not in PROVIDER_API_SECRETS or base.get(name)}


def write_env_file(path: Path, values: Mapping[str, str]) -> None:
    """Write `KEY=value` lines (readable by `set -a; . file` and python-dotenv)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in sorted(values.items())))
    path.chmod(0o600)
