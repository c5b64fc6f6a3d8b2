"""Energy and CO2e (central, low, high) of one request's tokens, with the current factor set."""

from __future__ import annotations

from typing import Optional, cast

from ..types import Estimate as EstimateResult, Provider
from ._base import AsyncResource, SyncResource, body_of

PATH = "/api/v1/estimate"


def estimate_body(model: str, input_tokens: int, output_tokens: int, provider: Optional[Provider], cached_tokens: Optional[int],
                  cache_write_tokens: Optional[int], reasoning_tokens: Optional[int]) -> dict[str, object]:
    return body_of(model=model, provider=provider, inputTokens=input_tokens, outputTokens=output_tokens, cachedTokens=cached_tokens,
                   cacheWriteTokens=cache_write_tokens, reasoningTokens=reasoning_tokens)


class Estimate(SyncResource):
    def create(self, *, model: str, input_tokens: int, output_tokens: int, provider: Optional[Provider] = None,
               cached_tokens: Optional[int] = None, cache_write_tokens: Optional[int] = None, reasoning_tokens: Optional[int] = None,
               idempotency_key: Optional[str] = None) -> EstimateResult:
        """`input_tokens` counts every prompt token (cached and cache-write ones included); `output_tokens` includes reasoning."""
        body = estimate_body(model, input_tokens, output_tokens, provider, cached_tokens, cache_write_tokens, reasoning_tokens)
        return cast(EstimateResult, self._t.request("POST", PATH, body=body, idempotency_key=idempotency_key))


class AsyncEstimate(AsyncResource):
    async def create(self, *, model: str, input_tokens: int, output_tokens: int, provider: Optional[Provider] = None,
                     cached_tokens: Optional[int] = None, cache_write_tokens: Optional[int] = None, reasoning_tokens: Optional[int] = None,
                     idempotency_key: Optional[str] = None) -> EstimateResult:
        body = estimate_body(model, input_tokens, output_tokens, provider, cached_tokens, cache_write_tokens, reasoning_tokens)
        return cast(EstimateResult, await self._t.request("POST", PATH, body=body, idempotency_key=idempotency_key))
