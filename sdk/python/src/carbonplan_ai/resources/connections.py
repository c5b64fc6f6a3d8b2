"""Provider connections: each polls one provider account's usage."""

from __future__ import annotations

from typing import Optional, cast

from .._pagination import AsyncPager, SyncPager
from ..types import Connection, Provider, SyncAccepted
from ._base import AsyncResource, SyncResource, body_of, segment

PATH = "/api/v1/connections"


class Connections(SyncResource):
    def list(self, *, limit: Optional[int] = None) -> SyncPager[Connection]:
        """Every connection (deleted ones excluded), fetched `limit` per page as you iterate."""
        return SyncPager(lambda cursor: self._t.request("GET", PATH, params={"limit": limit, "cursor": cursor}))

    def get(self, id: str) -> Connection:
        return cast(Connection, self._t.request("GET", f"{PATH}/{segment(id)}"))

    def create(self, *, provider: Provider, api_key: str, name: Optional[str] = None, project_id: Optional[str] = None,
               idempotency_key: Optional[str] = None) -> Connection:
        """Validates the key with the provider first (ValidationError PROVIDER_KEY_REJECTED when it refuses it)."""
        body = body_of(provider=provider, apiKey=api_key, name=name, projectId=project_id)
        return cast(Connection, self._t.request("POST", PATH, body=body, idempotency_key=idempotency_key))

    def delete(self, id: str) -> None:
        self._t.request("DELETE", f"{PATH}/{segment(id)}")

    def sync(self, id: str, *, idempotency_key: Optional[str] = None) -> SyncAccepted:
        """Asks for a poll now; one per connection per 5 minutes (RateLimitError with retry_after otherwise)."""
        return cast(SyncAccepted, self._t.request("POST", f"{PATH}/{segment(id)}/sync", idempotency_key=idempotency_key))

    def move(self, id: str, *, project_id: str) -> Connection:
        return cast(Connection, self._t.request("PUT", f"{PATH}/{segment(id)}/project", body={"projectId": project_id}))

    def replace_key(self, id: str, *, api_key: str) -> Connection:
        return cast(Connection, self._t.request("PUT", f"{PATH}/{segment(id)}/key", body={"apiKey": api_key}))


class AsyncConnections(AsyncResource):
    def list(self, *, limit: Optional[int] = None) -> AsyncPager[Connection]:
        return AsyncPager(lambda cursor: self._t.request("GET", PATH, params={"limit": limit, "cursor": cursor}))

    async def get(self, id: str) -> Connection:
        return cast(Connection, await self._t.request("GET", f"{PATH}/{segment(id)}"))

    async def create(self, *, provider: Provider, api_key: str, name: Optional[str] = None, project_id: Optional[str] = None,
                     idempotency_key: Optional[str] = None) -> Connection:
        body = body_of(provider=provider, apiKey=api_key, name=name, projectId=project_id)
        return cast(Connection, await self._t.request("POST", PATH, body=body, idempotency_key=idempotency_key))

    async def delete(self, id: str) -> None:
        await self._t.request("DELETE", f"{PATH}/{segment(id)}")

    async def sync(self, id: str, *, idempotency_key: Optional[str] = None) -> SyncAccepted:
        return cast(SyncAccepted, await self._t.request("POST", f"{PATH}/{segment(id)}/sync", idempotency_key=idempotency_key))

    async def move(self, id: str, *, project_id: str) -> Connection:
        return cast(Connection, await self._t.request("PUT", f"{PATH}/{segment(id)}/project", body={"projectId": project_id}))

    async def replace_key(self, id: str, *, api_key: str) -> Connection:
        return cast(Connection, await self._t.request("PUT", f"{PATH}/{segment(id)}/key", body={"apiKey": api_key}))
