"""Every usage event of a range with its factor version and bounds, streamed as CSV (RFC 4180) or a JSON array."""

from __future__ import annotations

from contextlib import asynccontextmanager, contextmanager
from typing import AsyncIterator, Iterator, Literal, Optional

from .._download import AsyncDownload, Download
from ..types import Provider
from ._base import AsyncResource, SyncResource
from .telemetry import Day, filters

PATH = "/api/v1/export"
Format = Literal["csv", "json"]
# Errors stay JSON whatever the format, so a refused export still becomes a typed error.
ACCEPT = {"csv": "text/csv, application/json", "json": "application/json"}


class Export(SyncResource):
    @contextmanager
    def stream(self, *, format: Format = "csv", from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
               connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None) -> Iterator[Download]:
        """`with client.export.stream(from_="2025-01-01") as download: for line in download.iter_lines(): ...`"""
        params = {**filters(from_, to, project_id, connection_id, provider, model), "format": format}
        with self._t.stream(PATH, params=params, accept=ACCEPT[format]) as response:
            yield Download(response)

    def iter_bytes(self, *, format: Format = "csv", from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
                   connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None) -> Iterator[bytes]:
        """The export's bytes as they arrive; the connection closes when the iteration ends or is abandoned."""
        with self.stream(format=format, from_=from_, to=to, project_id=project_id, connection_id=connection_id, provider=provider, model=model) as d:
            yield from d.iter_bytes()

    def iter_lines(self, *, format: Format = "csv", from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
                   connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None) -> Iterator[str]:
        """The export's lines (without line endings). A CSV field may hold a newline: use the csv module on iter_bytes for those."""
        with self.stream(format=format, from_=from_, to=to, project_id=project_id, connection_id=connection_id, provider=provider, model=model) as d:
            yield from d.iter_lines()


class AsyncExport(AsyncResource):
    @asynccontextmanager
    async def stream(self, *, format: Format = "csv", from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
                     connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None) -> AsyncIterator[AsyncDownload]:
        params = {**filters(from_, to, project_id, connection_id, provider, model), "format": format}
        async with self._t.stream(PATH, params=params, accept=ACCEPT[format]) as response:
            yield AsyncDownload(response)

    async def iter_bytes(self, *, format: Format = "csv", from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
                         connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None) -> AsyncIterator[bytes]:
        async with self.stream(format=format, from_=from_, to=to, project_id=project_id, connection_id=connection_id, provider=provider, model=model) as d:
            async for chunk in d.aiter_bytes():
                yield chunk

    async def iter_lines(self, *, format: Format = "csv", from_: Optional[Day] = None, to: Optional[Day] = None, project_id: Optional[str] = None,
                         connection_id: Optional[str] = None, provider: Optional[Provider] = None, model: Optional[str] = None) -> AsyncIterator[str]:
        async with self.stream(format=format, from_=from_, to=to, project_id=project_id, connection_id=connection_id, provider=provider, model=model) as d:
            async for line in d.aiter_lines():
                yield line
