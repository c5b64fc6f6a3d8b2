"""Auto-pagination: every list is iterated item by item across pages (`for` / `async for`), fetching lazily."""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable, Generic, Iterator, List, Mapping, Optional, TypeVar, cast

T = TypeVar("T")

FetchPage = Callable[[Optional[str]], Mapping[str, Any]]
AsyncFetchPage = Callable[[Optional[str]], Awaitable[Mapping[str, Any]]]

# A cursor that comes back unchanged would loop forever; the API never does it, but a proxy cache might.
_REPEATED_CURSOR = "the API returned the same nextCursor twice; stopping instead of looping"


class Page(Generic[T]):
    """One page as the API answered it: `data`, `next_cursor`, and the raw body (e.g. telemetry events' `range`)."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body = body
        self.data: List[T] = cast(List[T], list(body.get("data") or []))
        cursor = body.get("nextCursor")
        self.next_cursor: Optional[str] = cursor if isinstance(cursor, str) and cursor else None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


class SyncPager(Generic[T]):
    """`for item in client.receipts.list(): ...` walks every page; `.pages()` yields whole pages."""

    def __init__(self, fetch: FetchPage) -> None:
        self._fetch = fetch

    def pages(self) -> Iterator[Page[T]]:
        cursor: Optional[str] = None
        seen: set[str] = set()
        while True:
            page: Page[T] = Page(self._fetch(cursor))
            yield page
            if page.next_cursor is None:
                return
            if page.next_cursor in seen:
                raise RuntimeError(_REPEATED_CURSOR)
            seen.add(page.next_cursor)
            cursor = page.next_cursor

    def first_page(self) -> Page[T]:
        return next(iter(self.pages()))

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.data


class AsyncPager(Generic[T]):
    """`async for item in client.receipts.list(): ...` walks every page; `.pages()` yields whole pages."""

    def __init__(self, fetch: AsyncFetchPage) -> None:
        self._fetch = fetch

    async def pages(self) -> AsyncIterator[Page[T]]:
        cursor: Optional[str] = None
        seen: set[str] = set()
        while True:
            page: Page[T] = Page(await self._fetch(cursor))
            yield page
            if page.next_cursor is None:
                return
            if page.next_cursor in seen:
                raise RuntimeError(_REPEATED_CURSOR)
            seen.add(page.next_cursor)
            cursor = page.next_cursor

    async def first_page(self) -> Page[T]:
        async for page in self.pages():
            return page
        raise RuntimeError("no page")  # pages() always yields at least one

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.data:
                yield item
