"""The shipped JSON Schema of RecordingEvent, and validation against it."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from chalicelib.errors import GiveUpError

SCHEMA_NAME = "recording-event.v1.json"


class InvalidEventError(GiveUpError):
    """An event does not match the RecordingEvent schema."""


def schema_text() -> str:
    return resources.files(__package__).joinpath(SCHEMA_NAME).read_text(encoding="utf-8")


@functools.cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@functools.cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def validate(event: dict[str, Any]) -> None:
    """Raise InvalidEventError naming the first offending field."""
    error = next(iter(sorted(_validator().iter_errors(event), key=lambda e: list(e.path))), None)
    if error is not None:
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required":  # name the missing field itself, not its parent
            path.append(next(k for k in error.validator_value if k not in error.instance))
        where = "/".join(path) or "(root)"
        raise InvalidEventError("event does not match the RecordingEvent schema",
                                detail=f"{where}: {error.message}")
