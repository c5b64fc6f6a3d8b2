"""The organization's plan, subscription and billing periods."""

from __future__ import annotations

from typing import cast

from ..types import BillingStatus
from ._base import AsyncResource, SyncResource


class Billing(SyncResource):
    def status(self) -> BillingStatus:
        """Plan, subscription status, current period and billing periods (newest first)."""
        return cast(BillingStatus, self._t.request("GET", "/api/v1/billing/status"))


class AsyncBilling(AsyncResource):
    async def status(self) -> BillingStatus:
        return cast(BillingStatus, await self._t.request("GET", "/api/v1/billing/status"))
