"""What every provider (replies in ai/, pictures in photos/) shares: ProviderError, and the server's retry hint."""
from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable, Mapping


class ProviderError(Exception):
    """A provider failed. kind: timeout, rate_limited, server, quota, malformed, unavailable, config.
    retryable says whether the same call may succeed later; retry_after is the server's hint in seconds."""

    def __init__(self, kind: str, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.retry_after = retry_after


def parse_retry_after(headers: Mapping[str, str] | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from retry-after-ms or Retry-After (seconds or an HTTP date); None if absent or invalid."""
    if headers is None:
        return None
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            continue
        return max(0.0, seconds) if math.isfinite(seconds) else None
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now())
