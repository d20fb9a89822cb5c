"""Retry and circuit-breaker policies for calls to a remote model, with injectable time."""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Literal, TypeVar

from dreamchat.providers import ProviderError

log = logging.getLogger(__name__)

T = TypeVar("T")
BreakerState = Literal["closed", "open", "half_open"]

NEVER_RETRIED_KINDS = frozenset({"quota", "config"})


class RetryPolicy:
    """Decides whether a failed call is tried again and how long to wait first.

    Up to max_attempts calls in all. The wait before retry n (n = attempts made so far) is an
    exponential backoff base_delay * 2**(n-1), capped at max_delay, with "equal jitter" (a random
    point in its upper half) from rng. A server hint (ProviderError.retry_after) is honoured: the
    wait is at least the hint, but never more than max_delay. Errors that are not retryable, and
    quota or config errors whatever they say, are never retried.
    """

    def __init__(self, max_attempts: int = 3, base_delay: float = 0.5, max_delay: float = 8.0,
                 rng: random.Random | None = None) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if base_delay < 0 or max_delay < 0:
            raise ValueError("delays must not be negative")
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._rng = rng or random.Random()
        self._lock = threading.Lock()

    def retry_delay(self, attempts_made: int, error: ProviderError) -> float | None:
        """Seconds to wait before the next attempt, or None when the error must be raised."""
        if not error.retryable or error.kind in NEVER_RETRIED_KINDS or attempts_made >= self.max_attempts:
            return None
        backoff = min(self.max_delay, self.base_delay * 2.0 ** max(0, attempts_made - 1))
        with self._lock:
            delay = backoff * self._rng.uniform(0.5, 1.0)
        if error.retry_after is not None and error.retry_after > 0:
            delay = max(delay, error.retry_after)
        return min(delay, self.max_delay)

    def run(self, call: Callable[[], T], *, sleep: Callable[[float], object] = time.sleep) -> T:
        """Call until it returns, retrying ProviderErrors as this policy allows; raises the last error."""
        attempts_made = 0
        while True:
            attempts_made += 1
            try:
                return call()
            except ProviderError as error:
                delay = self.retry_delay(attempts_made, error)
                if delay is None:
                    raise
                log.warning("attempt %d failed (%s); retrying in %.2fs", attempts_made, error.kind, delay)
                sleep(delay)


class CircuitBreaker:
    """Stops calling a failing backend for a while, so requests fail fast instead of piling up.

    closed: calls go through; failure_threshold consecutive failures open the circuit.
    open: before_call() raises ProviderError(kind="unavailable", retryable=True) with retry_after
    set to the time left, without touching the network. After reset_seconds, the next call is
    let through as a trial (half_open) while others still fail fast; its success closes the
    circuit, its failure opens it again. A trial that never reports back (its caller vanished)
    is replaced by a new one after reset_seconds. Thread-safe.
    """

    def __init__(self, failure_threshold: int = 5, reset_seconds: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if reset_seconds <= 0:
            raise ValueError("reset_seconds must be positive")
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._state: BreakerState = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._trial_started_at = 0.0

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state

    def before_call(self) -> None:
        """Let a call through, or raise ProviderError(kind="unavailable") while the circuit is open."""
        with self._lock:
            if self._state == "closed":
                return
            now = self._clock()
            since = now - (self._opened_at if self._state == "open" else self._trial_started_at)
            if since >= self.reset_seconds:
                self._state = "half_open"
                self._trial_started_at = now
                return
            wait = self.reset_seconds - since
        raise ProviderError("unavailable", f"AI backend circuit is open; next try in {wait:.1f}s",
                            retryable=True, retry_after=wait)

    def record_success(self) -> None:
        with self._lock:
            self._state = "closed"
            self._failures = 0

    def record_failure(self) -> None:
        with self._lock:
            if self._state == "half_open":
                self._open()
            elif self._state == "closed":
                self._failures += 1
                if self._failures >= self.failure_threshold:
                    self._open()

    def call(self, function: Callable[[], T]) -> T:
        """Run function under the breaker: any exception counts as a failure."""
        self.before_call()
        try:
            result = function()
        except Exception:
            self.record_failure()
            raise
        self.record_success()
        return result

    def _open(self) -> None:
        if self._state != "open":
            log.warning("AI backend circuit opened for %.0fs", self.reset_seconds)
        self._state = "open"
        self._opened_at = self._clock()
        self._failures = 0
