"""Usage, energy and CO2e with bounds. A range is `from_` (included) to `to` (excluded), days as YYYY-MM-DD (UTC)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Optional, Union, cast

from .._pagination import AsyncPager, SyncPager
from ..types import ModelUsageList, Provider, TelemetrySummary, UsageEvent
from ._base import AsyncResource, SyncResource

Day = Union[str, dt.date]


def _day(value: Optional[Day]) -> Optional[str]:
    return value.isoformat() if isinstance(value, dt.date) else value


def filters(from_: Optional[Day], to: Optional[Day], project_id: Optional[str], connection_id: Optional[str],
            provider: Optional[Provider], model: Optional[str]) -> Dict[str, Any]:
    """The filters every telemetry endpoint (and the export) takes, as query parameters."""
    return {"from": _day(from_), "to": _day(to), "projectId": project_id, "connectionId": connection_id, "provider": provider, "model": model}


class Telemetry(SyncResource):
    def summary(self, *, from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
                connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None) -> TelemetrySummary:
        """Totals with bounds, per model, per day (every day of the range) and the cached-input share."""
        params = filters(from_, to, project_id, connection_id, provider, model)
        return cast(TelemetrySummary, self._t.request("GET", "/api/v1/telemetry/summary", params=params))

    def models(self, *, from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
               connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None) -> ModelUsageList:
        """Per model: tier, matched rule, factor version and figures; `isUnmatched` flags models to map."""
        params = filters(from_, to, project_id, connection_id, provider, model)
        return cast(ModelUsageList, self._t.request("GET", "/api/v1/telemetry/models", params=params))

    def events(self, *, from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
               connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None,
               limit: Optional[int] = None) -> SyncPager[UsageEvent]:
        """Every usage event of the range in a stable order, `limit` (max 500) per page."""
        params = filters(from_, to, project_id, connection_id, provider, model)
        return SyncPager(lambda cursor: self._t.request("GET", "/api/v1/telemetry/events", params={**params, "limit": limit, "cursor": cursor}))


class AsyncTelemetry(AsyncResource):
    async def summary(self, *, from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
                      connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None) -> TelemetrySummary:
        params = filters(from_, to, project_id, connection_id, provider, model)
        return cast(TelemetrySummary, await self._t.request("GET", "/api/v1/telemetry/summary", params=params))

    async def models(self, *, from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
                     connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None) -> ModelUsageList:
        params = filters(from_, to, project_id, connection_id, provider, model)
        return cast(ModelUsageList, await self._t.request("GET", "/api/v1/telemetry/models", params=params))

    def events(self, *, from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
               connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None,
               limit: Optional[int] = None) -> AsyncPager[UsageEvent]:
        params = filters(from_, to, project_id, connection_id, provider, model)
        return AsyncPager(lambda cursor: self._t.request("GET", "/api/v1/telemetry/events", params={**params, "limit": limit, "cursor": cursor}))
