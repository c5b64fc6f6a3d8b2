"""Monthly audit packs (paid plans): a zip an auditor can recompute every figure from."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager, contextmanager
from typing import AsyncIterator, Iterator, Optional, Union, cast

from .._download import AsyncDownload, Download
from .._pagination import AsyncPager, SyncPager
from ..types import AuditPack, AuditPackRequested
from ._base import AsyncResource, SyncResource, segment

PATH = "/api/v1/audit-packs"
ZIP_ACCEPT = "application/zip, application/json"
PathLike = Union[str, "os.PathLike[str]"]


class AuditPacks(SyncResource):
    def list(self, *, month: Optional[str] = None, limit: Optional[int] = None) -> SyncPager[AuditPack]:
        """Every version of every pack (newest month first, then newest version), or one month's (YYYY-MM)."""
        return SyncPager(lambda cursor: self._t.request("GET", PATH, params={"month": month, "limit": limit, "cursor": cursor}))

    def create(self, *, month: str, idempotency_key: Optional[str] = None) -> AuditPackRequested:
        """Builds the pack of a closed `month` (YYYY-MM) now, or joins the build running; a new version only when the
        month's inputs changed. The pack appears in list() when the build is done."""
        return cast(AuditPackRequested, self._t.request("POST", PATH, body={"month": month}, idempotency_key=idempotency_key))

    @contextmanager
    def stream(self, id: str) -> Iterator[Download]:
        """The zip as it arrives: `with client.audit_packs.stream(id) as d: for chunk in d: ...`."""
        with self._t.stream(f"{PATH}/{segment(id)}/download", accept=ZIP_ACCEPT) as response:
            yield Download(response)

    def download(self, id: str) -> bytes:
        """The whole zip in memory; see download_to and stream for large packs."""
        return self._t.get_bytes(f"{PATH}/{segment(id)}/download", accept=ZIP_ACCEPT)

    def download_to(self, id: str, path: PathLike) -> int:
        """Streams the zip into the file at `path`; returns the number of bytes written."""
        written = 0
        with self.stream(id) as download, open(path, "wb") as file:
            for chunk in download:
                written += file.write(chunk)
        return written


class AsyncAuditPacks(AsyncResource):
    def list(self, *, month: Optional[str] = None, limit: Optional[int] = None) -> AsyncPager[AuditPack]:
        return AsyncPager(lambda cursor: self._t.request("GET", PATH, params={"month": month, "limit": limit, "cursor": cursor}))

    async def create(self, *, month: str, idempotency_key: Optional[str] = None) -> AuditPackRequested:
        return cast(AuditPackRequested, await self._t.request("POST", PATH, body={"month": month}, idempotency_key=idempotency_key))

    @asynccontextmanager
    async def stream(self, id: str) -> AsyncIterator[AsyncDownload]:
        async with self._t.stream(f"{PATH}/{segment(id)}/download", accept=ZIP_ACCEPT) as response:
            yield AsyncDownload(response)

    async def download(self, id: str) -> bytes:
        return await self._t.get_bytes(f"{PATH}/{segment(id)}/download", accept=ZIP_ACCEPT)

    async def download_to(self, id: str, path: PathLike) -> int:
        written = 0
        async with self.stream(id) as download:
            with open(path, "wb") as file:
                async for chunk in download:
                    written += file.write(chunk)
        return written
