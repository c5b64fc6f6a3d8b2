"""Signed carbon receipts (paid plans: PlanRequiredError on free) and their public verification."""

from __future__ import annotations

from typing import Optional, cast

from .._pagination import AsyncPager, SyncPager
from ..types import PublicKeySet, ReceiptDetail, ReceiptSummary, VerifyResult
from ._base import AsyncResource, SyncResource, segment

PATH = "/api/v1/receipts"
PDF_ACCEPT = "application/pdf, application/json"
KEYS_ACCEPT = "application/jwk-set+json, application/json"


class Receipts(SyncResource):
    def list(self, *, limit: Optional[int] = None) -> SyncPager[ReceiptSummary]:
        """Period and adjustment receipts, newest first."""
        return SyncPager(lambda cursor: self._t.request("GET", PATH, params={"limit": limit, "cursor": cursor}))

    def get(self, id: str) -> ReceiptDetail:
        """The signed payload, its SHA-256 and signature, credits, PDF status and verifyUrl: pass it to verify_receipt."""
        return cast(ReceiptDetail, self._t.request("GET", f"{PATH}/{segment(id)}"))

    def pdf(self, id: str) -> bytes:
        """The rendered PDF (ConflictError while it is being rendered); follows the short-lived link on S3 storage."""
        return self._t.get_bytes(f"{PATH}/{segment(id)}/pdf", accept=PDF_ACCEPT)

    def lookup(self, serial: str, *, code: Optional[str] = None) -> VerifyResult:
        """The public verification of a serial (no key needed): the whole receipt file with its code, a summary without.
        That is the server's word; check it yourself offline with verify_receipt(result, keys)."""
        return cast(VerifyResult, self._t.request("GET", f"/public/receipts/verify/{segment(serial)}", params={"code": code}))

    def public_keys(self) -> PublicKeySet:
        """Every receipt and log key ever used (GET /public/keys): pin these for verify_receipt."""
        return cast(PublicKeySet, self._t.request("GET", "/public/keys", accept=KEYS_ACCEPT))


class AsyncReceipts(AsyncResource):
    def list(self, *, limit: Optional[int] = None) -> AsyncPager[ReceiptSummary]:
        return AsyncPager(lambda cursor: self._t.request("GET", PATH, params={"limit": limit, "cursor": cursor}))

    async def get(self, id: str) -> ReceiptDetail:
        return cast(ReceiptDetail, await self._t.request("GET", f"{PATH}/{segment(id)}"))

    async def pdf(self, id: str) -> bytes:
        return await self._t.get_bytes(f"{PATH}/{segment(id)}/pdf", accept=PDF_ACCEPT)

    async def lookup(self, serial: str, *, code: Optional[str] = None) -> VerifyResult:
        return cast(VerifyResult, await self._t.request("GET", f"/public/receipts/verify/{segment(serial)}", params={"code": code}))

    async def public_keys(self) -> PublicKeySet:
        return cast(PublicKeySet, await self._t.request("GET", "/public/keys", accept=KEYS_ACCEPT))
