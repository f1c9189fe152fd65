"""Secrets by name: SSM SecureString or Secrets Manager through Powertools
Parameters (cached), with the environment as the fallback for local runs.

A secret may hold several comma-separated values so that it can be rotated
without downtime. Values never appear in logs or error messages.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from chalicelib import clients
from chalicelib.errors import ConfigError
from chalicelib.settings import get_settings

CACHE_SECONDS = 300
BACKENDS = ("env", "ssm", "secretsmanager")


def get_secret(name: str) -> str:
    """The secret's raw value; raises ConfigError (naming the secret, not its value)."""
    settings = get_settings()
    backend = settings.secrets_backend
    if backend not in BACKENDS:
        raise ConfigError("unknown secrets backend", detail=f"SECRETS_BACKEND={backend!r}")
    value = None if backend == "env" else _from_store(backend, f"{settings.secrets_path}/{name}")
    if value is None:
        value = os.environ.get(name)
    if not value:
        raise ConfigError("secret is not configured", detail=name)
    return value


def get_secret_values(name: str) -> list[str]:
    """All current values of a rotatable secret, in order."""
    return [v.strip() for v in get_secret(name).split(",") if v.strip()]


@functools.cache
def _provider(backend: str) -> Any:
    """One Parameters provider per backend: its cache lives as long as the process."""
    from aws_lambda_powertools.utilities import parameters

    if backend == "ssm":
        return parameters.SSMProvider(boto3_client=clients.aws("ssm"))
    return parameters.SecretsProvider(boto3_client=clients.aws("secretsmanager"))


def _from_store(backend: str, path: str) -> str | None:
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    options = {"decrypt": True} if backend == "ssm" else {}
    try:
        return str(_provider(backend).get(path, max_age=CACHE_SECONDS, **options))
    except GetParameterError:
        return None


def reset() -> None:
    """Forget cached providers and values (tests and the local stack change endpoints)."""
    _provider.cache_clear()

# Every secret the relay reads, by name (the SSM leaf under SECRETS_PATH).
SECRET_NAMES = (
    "MUX_WEBHOOK_SECRET",
    "CLOUDFLARE_STREAM_WEBHOOK_SECRET",
    "CLOUDFLARE_NOTIFICATIONS_SECRET",
    "AGORA_NCS_SECRET",
    "HOOK_TOKEN",
    "RELAY_API_TOKEN",
    "VULTR_ACCESS_KEY",
    "VULTR_SECRET_KEY",
    "OUTBOUND_WEBHOOK_SECRET",
    "MUX_TOKEN_ID",
    "MUX_TOKEN_SECRET",
    "CLOUDFLARE_API_TOKEN",
)
