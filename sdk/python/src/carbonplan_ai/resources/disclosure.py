"""The GHG Protocol figures a sustainability report needs (Scope 3, category 1), for a year or a range of months."""

from __future__ import annotations

from typing import Optional, cast

from ..types import Disclosure as DisclosureResult
from ._base import AsyncResource, SyncResource

PATH = "/api/v1/disclosure"


class Disclosure(SyncResource):
    def get(self, *, year: Optional[int] = None, from_: Optional[str] = None, to: Optional[str] = None) -> DisclosureResult:
        """`year=2025`, or `from_`/`to` as months (YYYY-MM)."""
        return cast(DisclosureResult, self._t.request("GET", PATH, params={"year": year, "from": from_, "to": to}))


class AsyncDisclosure(AsyncResource):
    async def get(self, *, year: Optional[int] = None, from_: Optional[str] = None, to: Optional[str] = None) -> DisclosureResult:
        return cast(DisclosureResult, await self._t.request("GET", PATH, params={"year": year, "from": from_, "to": to}))
