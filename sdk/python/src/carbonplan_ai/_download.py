"""A response body read as it arrives (exports, PDFs, audit-pack zips): never held whole in memory unless asked."""

from __future__ import annotations

import re
from typing import AsyncIterator, Iterator, Optional

import httpx

_FILENAME = re.compile(r'filename="([^"]+)"')


def _filename(response: httpx.Response) -> Optional[str]:
    match = _FILENAME.search(response.headers.get("content-disposition", ""))
    return match.group(1) if match else None


class Download:
    """`for chunk in download` (bytes), or `download.iter_lines()`; valid inside the `with` that opened it."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.content_type: Optional[str] = response.headers.get("content-type")
        self.filename = _filename(response)

    def iter_bytes(self, chunk_size: Optional[int] = None) -> Iterator[bytes]:
        return self.response.iter_bytes(chunk_size)

    def iter_lines(self) -> Iterator[str]:
        return self.response.iter_lines()

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_bytes()


class AsyncDownload:
    """`async for chunk in download` (bytes), or `download.aiter_lines()`; valid inside the `async with` that opened it."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.content_type: Optional[str] = response.headers.get("content-type")
        self.filename = _filename(response)

    def aiter_bytes(self, chunk_size: Optional[int] = None) -> AsyncIterator[bytes]:
        return self.response.aiter_bytes(chunk_size)

    def aiter_lines(self) -> AsyncIterator[str]:
        return self.response.aiter_lines()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.aiter_bytes()
