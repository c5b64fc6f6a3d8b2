"""Projects group connections; every organization has exactly one default project."""

from __future__ import annotations

from typing import Literal, Optional, cast

from .._pagination import AsyncPager, SyncPager
from ..types import Project
from ._base import AsyncResource, SyncResource, body_of, segment

PATH = "/api/v1/projects"


class Projects(SyncResource):
    def list(self, *, limit: Optional[int] = None) -> SyncPager[Project]:
        return SyncPager(lambda cursor: self._t.request("GET", PATH, params={"limit": limit, "cursor": cursor}))

    def get(self, id: str) -> Project:
        return cast(Project, self._t.request("GET", f"{PATH}/{segment(id)}"))

    def create(self, *, name: str, slug: Optional[str] = None, idempotency_key: Optional[str] = None) -> Project:
        """The slug is derived from the name when omitted; a taken slug is a ConflictError."""
        return cast(Project, self._t.request("POST", PATH, body=body_of(name=name, slug=slug), idempotency_key=idempotency_key))

    def update(self, id: str, *, name: Optional[str] = None, slug: Optional[str] = None,
               is_default: Optional[Literal[True]] = None) -> Project:
        """Rename, change the slug, or make it the default (`is_default=True`; the previous default loses the flag)."""
        return cast(Project, self._t.request("PATCH", f"{PATH}/{segment(id)}", body=body_of(name=name, slug=slug, isDefault=is_default)))

    def delete(self, id: str) -> None:
        """Refused (ConflictError) for the default project and for one with connections or usage history."""
        self._t.request("DELETE", f"{PATH}/{segment(id)}")


class AsyncProjects(AsyncResource):
    def list(self, *, limit: Optional[int] = None) -> AsyncPager[Project]:
        return AsyncPager(lambda cursor: self._t.request("GET", PATH, params={"limit": limit, "cursor": cursor}))

    async def get(self, id: str) -> Project:
        return cast(Project, await self._t.request("GET", f"{PATH}/{segment(id)}"))

    async def create(self, *, name: str, slug: Optional[str] = None, idempotency_key: Optional[str] = None) -> Project:
        return cast(Project, await self._t.request("POST", PATH, body=body_of(name=name, slug=slug), idempotency_key=idempotency_key))

    async def update(self, id: str, *, name: Optional[str] = None, slug: Optional[str] = None,
                     is_default: Optional[Literal[True]] = None) -> Project:
        return cast(Project, await self._t.request("PATCH", f"{PATH}/{segment(id)}", body=body_of(name=name, slug=slug, isDefault=is_default)))

    async def delete(self, id: str) -> None:
        await self._t.request("DELETE", f"{PATH}/{segment(id)}")
