"""The GHG Protocol figures a sustainability report needs (Scope 3, category 1), for a year or a range of months."""

from __future__ import annotations

from typing import Any, Dict, Optional, Union, cast

from ..types import Disclosure as DisclosureDocument
from ._base import AsyncResource, SyncResource

PATH = "/api/v1/disclosure"
CSV_ACCEPT = "text/csv, application/json"


def query(year: Optional[Union[int, str]], from_: Optional[str], to: Optional[str], format: str) -> Dict[str, Any]:
    return {"year": year, "from": from_, "to": to, "format": format}


class Disclosure(SyncResource):
    def get(self, *, year: Optional[Union[int, str]] = None, from_: Optional[str] = None, to: Optional[str] = None) -> DisclosureDocument:
        """`year=2026` (default: the current year), or `from_`/`to` as months (YYYY-MM, at most 36): the same figures as
        the audit packs' disclosure.json."""
        return cast(DisclosureDocument, self._t.request("GET", PATH, params=query(year, from_, to, "json")))

    def csv(self, *, year: Optional[Union[int, str]] = None, from_: Optional[str] = None, to: Optional[str] = None) -> str:
        """The same as CSV: one row per month, provider, model, project and region."""
        return self._t.get_bytes(PATH, params=query(year, from_, to, "csv"), accept=CSV_ACCEPT).decode("utf-8")


class AsyncDisclosure(AsyncResource):
    async def get(self, *, year: Optional[Union[int, str]] = None, from_: Optional[str] = None, to: Optional[str] = None) -> DisclosureDocument:
        return cast(DisclosureDocument, await self._t.request("GET", PATH, params=query(year, from_, to, "json")))

    async def csv(self, *, year: Optional[Union[int, str]] = None, from_: Optional[str] = None, to: Optional[str] = None) -> str:
        return (await self._t.get_bytes(PATH, params=query(year, from_, to, "csv"), accept=CSV_ACCEPT)).decode("utf-8")
