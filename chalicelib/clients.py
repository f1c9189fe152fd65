"""The one place boto3 clients are made: lazily, cached, resettable.

AWS clients take their endpoints from botocore's own `AWS_ENDPOINT_URL` /
`AWS_ENDPOINT_URL_<SERVICE>` variables, so the local stack and the tests point
them at moto without code paths of their own. The Vultr client is an S3 client
for a third-party store: path-style, SigV4 and checksums only when required
(boto3 >= 1.36 otherwise sends CRC headers that S3-compatible stores reject).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from chalicelib.errors import UnavailableError
from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from botocore.config import Config


def s3_compatible_config(max_pool_connections: int = 10, sign_payload: bool | None = None,
                         attempts: int = 5, **overrides: Any) -> Config:
    """botocore Config for any S3-compatible endpoint that is not AWS.

    `sign_payload=False` skips SigV4's SHA-256 of each body (about 1 CPU-s/GiB);
    use it only where every body carries its own Content-MD5 or CRC32.
    """
    from botocore.config import Config

    s3: dict[str, Any] = {"addressing_style": "path"}
    if sign_payload is not None:
        s3["payload_signing_enabled"] = sign_payload
    return Config(
        signature_version="s3v4",
        s3=s3,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        max_pool_connections=max_pool_connections,
        retries={"mode": "standard", "max_attempts": attempts},
        **overrides,
    )


@functools.cache
def aws(service: str) -> Any:
    """A client for an AWS service in the configured region."""
    import boto3

    return boto3.session.Session().client(service, region_name=get_settings().region)


@functools.cache
def vultr(max_pool_connections: int = 10, sign_payload: bool | None = None, attempts: int = 5) -> Any:
    """The S3 client for the Vultr archive bucket."""
    import boto3

    from chalicelib.secrets import get_secret

    settings = get_settings()
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.vultr_endpoint,
        region_name=settings.vultr_region,
        aws_access_key_id=get_secret("VULTR_ACCESS_KEY"),
        aws_secret_access_key=get_secret("VULTR_SECRET_KEY"),
        config=s3_compatible_config(max_pool_connections, sign_payload, attempts),
    )


def reset() -> None:
    """Drop every cached client (after the environment changes)."""
    from chalicelib import secrets

    aws.cache_clear()
    vultr.cache_clear()
    secrets.reset()


# Errors that are not outages, passed through as they are: our request was wrong (a bug to
# surface), or a condition we wrote did not hold (an answer the caller handles).
PASS_THROUGH = frozenset({"ValidationException", "SerializationException", "InvalidParameterValue",
                          "InvalidParameterCombination", "MissingParameter", "InvalidArgument",
                          "ConditionalCheckFailedException"})


@contextlib.contextmanager
def unavailable_on_error(what: str) -> Iterator[None]:
    """Turn an AWS/HTTP failure inside the block (outage, throttling, missing
    resource, denied access) into UnavailableError(what), so callers retry."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in PASS_THROUGH:
            raise
        raise UnavailableError(f"{what} failed", detail=code or type(exc).__name__) from exc
    except BotoCoreError as exc:
        raise UnavailableError(f"{what} failed", detail=type(exc).__name__) from exc
