"""Auto-pagination: every item of every page, in order, fetched lazily by cursor (sync and async)."""

from __future__ import annotations

import asyncio
from typing import List
from urllib.parse import parse_qs, urlsplit

import pytest

from carbonplan_ai import AsyncClient, Client
from scripted_server import Reply, Seen, serving

PAGES = {None: (["a", "b"], "c1"), "c1": (["c", "d"], "c2"), "c2": (["e"], None)}


def paged(seen: Seen, _i: int) -> Reply:
    cursor = parse_qs(urlsplit(seen.path).query).get("cursor", [None])[0]
    ids, next_cursor = PAGES[cursor]
    return Reply(200, {"data": [{"id": i} for i in ids], "nextCursor": next_cursor})


def test_for_walks_every_page_lazily() -> None:
    with serving(paged) as server, Client(api_key="k", base_url=server.url) as client:
        pager = client.connections.list(limit=2)
        assert server.seen == [], "nothing is fetched before iterating"
        ids = [c["id"] for c in pager]
        first = pager.first_page()
    assert ids == ["a", "b", "c", "d", "e"]
    assert [urlsplit(s.path).query for s in server.seen[:3]] == ["limit=2", "limit=2&cursor=c1", "limit=2&cursor=c2"]
    assert first.next_cursor == "c1" and first.has_more and len(first.data) == 2


def test_async_for_walks_every_page() -> None:
    async def collect(url: str) -> List[str]:
        async with AsyncClient(api_key="k", base_url=url) as client:
            return [r["id"] async for r in client.receipts.list()]

    with serving(paged) as server:
        assert asyncio.run(collect(server.url)) == ["a", "b", "c", "d", "e"]


def test_a_cursor_that_repeats_stops_instead_of_looping() -> None:
    with serving([Reply(200, {"data": [{"id": "x"}], "nextCursor": "same"})]) as server, Client(api_key="k", base_url=server.url) as client:
        with pytest.raises(RuntimeError, match="same nextCursor twice"):
            list(client.projects.list())
