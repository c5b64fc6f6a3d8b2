"""When to retry and how long to wait: jittered exponential backoff; the server's Retry-After wins (it knows when it recovers)."""

from __future__ import annotations

import random as _random
from dataclasses import dataclass
from typing import Callable, Optional

from ._errors import APIError, APIConnectionError

# A 503 that no wait will change (the server runs without Stripe settings).
NEVER_RETRIED_CODES = frozenset({"BILLING_NOT_CONFIGURED"})
# 409: the first request with this Idempotency-Key is still running; the server says to retry shortly.
RETRIED_CONFLICT_CODES = frozenset({"IDEMPOTENCY_KEY_IN_USE"})


@dataclass(frozen=True)
class RetryPolicy:
    """`max_retries` retries after the first attempt; waits grow from `initial_delay` to at most `max_delay` seconds.

    A Retry-After longer than `max_retry_after` is not waited for: the error is raised at once so the caller can
    decide (a manual sync answers 429 with up to five minutes).
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    #: A number in [0, 1): the jitter source (tests pin it).
    jitter: Callable[[], float] = _random.random

    def is_retryable(self, error: APIError) -> bool:
        if isinstance(error, APIConnectionError):
            return True
        if error.code in NEVER_RETRIED_CODES:
            return False
        if error.code in RETRIED_CONFLICT_CODES:
            return True
        return error.status is not None and (error.status == 429 or error.status >= 500)

    def delay(self, retry: int, retry_after: Optional[float]) -> Optional[float]:
        """Seconds to wait before retry number `retry` (1-based), or None when the server asks for too long a wait."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        # Equal jitter: half the exponential step is kept, half is random, so clients spread out but still back off.
        step = min(self.max_delay, self.initial_delay * 2.0 ** (retry - 1))
        return step / 2 + self.jitter() * step / 2
