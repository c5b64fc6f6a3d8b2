"""`Client` and `AsyncClient`: the API's resources over one httpx connection pool."""

from __future__ import annotations

from types import TracebackType
from typing import Mapping, Optional, Type, Union

import httpx

from ._retry import RetryPolicy
from ._transport import DEFAULT_TIMEOUT, AsyncTransport, SyncTransport
from .resources.audit_packs import AsyncAuditPacks, AuditPacks
from .resources.billing import AsyncBilling, Billing
from .resources.connections import AsyncConnections, Connections
from .resources.disclosure import AsyncDisclosure, Disclosure
from .resources.estimate import AsyncEstimate, Estimate
from .resources.export import AsyncExport, Export
from .resources.projects import AsyncProjects, Projects
from .resources.receipts import AsyncReceipts, Receipts
from .resources.telemetry import AsyncTelemetry, Telemetry


class Client:
    """The CarbonPlan API. Without arguments it reads CARBONPLAN_API_KEY and CARBONPLAN_BASE_URL
    (default http://127.0.0.1:3000); arguments win. Without a key only the public endpoints answer.

    `max_retries` retries follow 429, 5xx and network errors, with jittered exponential backoff that waits for a
    Retry-After of up to `max_retry_after` seconds; every POST carries an Idempotency-Key reused by its retries.
    Use it as a context manager, or call close(), to release connections.
    """

    def __init__(
        self,
        *,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: Union[float, httpx.Timeout] = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        max_retry_after: float = 60.0,
        default_headers: Optional[Mapping[str, str]] = None,
        http_client: Optional[httpx.Client] = None,
        retry_policy: Optional[RetryPolicy] = None,
    ) -> None:
        retry = retry_policy or RetryPolicy(max_retries=max_retries, max_retry_after=max_retry_after)
        self._transport = SyncTransport(api_key=api_key, base_url=base_url, timeout=timeout, retry=retry,
                                        default_headers=default_headers, http_client=http_client)
        self.base_url = self._transport.base_url
        self.connections = Connections(self._transport)
        self.projects = Projects(self._transport)
        self.telemetry = Telemetry(self._transport)
        self.export = Export(self._transport)
        self.estimate = Estimate(self._transport)
        self.billing = Billing(self._transport)
        self.receipts = Receipts(self._transport)
        self.audit_packs = AuditPacks(self._transport)
        self.disclosure = Disclosure(self._transport)

    @property
    def transport(self) -> SyncTransport:
        """The request layer (retries, idempotency keys, typed errors), for endpoints the resources do not cover yet."""
        return self._transport

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()


class AsyncClient:
    """`Client` for asyncio: the same resources with `await`, and `async for` over every list."""

    def __init__(
        self,
        *,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: Union[float, httpx.Timeout] = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        max_retry_after: float = 60.0,
        default_headers: Optional[Mapping[str, str]] = None,
        http_client: Optional[httpx.AsyncClient] = None,
        retry_policy: Optional[RetryPolicy] = None,
    ) -> None:
        retry = retry_policy or RetryPolicy(max_retries=max_retries, max_retry_after=max_retry_after)
        self._transport = AsyncTransport(api_key=api_key, base_url=base_url, timeout=timeout, retry=retry,
                                         default_headers=default_headers, http_client=http_client)
        self.base_url = self._transport.base_url
        self.connections = AsyncConnections(self._transport)
        self.projects = AsyncProjects(self._transport)
        self.telemetry = AsyncTelemetry(self._transport)
        self.export = AsyncExport(self._transport)
        self.estimate = AsyncEstimate(self._transport)
        self.billing = AsyncBilling(self._transport)
        self.receipts = AsyncReceipts(self._transport)
        self.audit_packs = AsyncAuditPacks(self._transport)
        self.disclosure = AsyncDisclosure(self._transport)

    @property
    def transport(self) -> AsyncTransport:
        return self._transport

    async def close(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        await self.close()
