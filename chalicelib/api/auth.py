"""Bearer-token auth of the query API (`RELAY_API_TOKEN`, rotatable)."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.secrets import get_secret_values
from chalicelib.verify import verify_shared_secret


def require_api_token(headers: Mapping[str, str]) -> None:
    authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
    verify_shared_secret(token, get_secret_values("RELAY_API_TOKEN"), "Authorization: Bearer")
