"""The replay window: reading `--since`/`--until`, and the archive's day prefixes."""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime

DAY_S = 86400
_AGO = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": DAY_S}


def parse_moment(text: str, now: float | None = None) -> float:
    """Epoch seconds from an RFC 3339 / ISO 8601 date or time (UTC when it names no
    zone), or a duration ago: `90m`, `48h`, `7d`. Raises ValueError."""
    text = text.strip()
    ago = _AGO.fullmatch(text)
    if ago:
        return (time.time() if now is None else now) - float(ago[1]) * _UNIT_S[ago[2]]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is neither a date/time (2026-11-20, 2026-11-20T12:00:00Z) "
                         "nor a duration ago (90m, 48h, 7d)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def day_prefixes(provider: str, since: float, until: float) -> list[str]:
    """The archive prefixes (`raw/{provider}/{yyyy}/{mm}/{dd}/`) of the UTC days that
    [since, until) touches, oldest first."""
    if until <= since:
        return []
    first, last = math.floor(since / DAY_S), math.ceil(until / DAY_S)
    return [f"raw/{provider}/{time.strftime('%Y/%m/%d', time.gmtime(day * DAY_S))}/" for day in range(first, last)]
