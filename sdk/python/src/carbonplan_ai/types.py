"""Response shapes of the API, as TypedDicts with the API's own camelCase keys (contracts/*.ts, /openapi.json).

Figures are exact decimal strings and large counts are integer strings, as the API sends them: convert with
`decimal.Decimal` / `int`, never `float`, when summing. tests/test_live_contract.py checks these keys against the
running API's /openapi.json so the two cannot drift apart silently.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, TypedDict

Provider = Literal["openai", "anthropic", "openrouter"]
Tier = Literal["small", "mid", "large", "reasoning", "frontier_xl", "fallback"]
Plan = Literal["free", "pro", "enterprise"]


class Bounds(TypedDict):
    central: str
    low: str
    high: str


# -- connections and projects ------------------------------------------------------------------------------------


class ConnectionError_(TypedDict):
    code: str
    message: str
    at: str


class ProviderAccount(TypedDict):
    id: str
    name: Optional[str]


class Connection(TypedDict):
    id: str
    provider: Provider
    name: str
    projectId: str
    status: Literal["active", "paused", "failed", "deleted"]
    keyHint: str
    consecutiveFailures: int
    lastError: Optional[ConnectionError_]
    cursor: Optional[str]
    lastPolledAt: Optional[str]
    lastSuccessAt: Optional[str]
    workflowId: str
    createdAt: str
    providerAccount: Optional[ProviderAccount]


class SyncAccepted(TypedDict):
    connectionId: str
    status: Literal["sync_requested"]
    requestedAt: str


class Project(TypedDict):
    id: str
    name: str
    slug: str
    isDefault: bool
    createdAt: str
    updatedAt: str
    activeConnections: int


# -- telemetry -----------------------------------------------------------------------------------------------------


# `from` is a Python keyword, hence the functional form; read it as range["from"].
DateRange = TypedDict("DateRange", {"from": str, "to": str})


class TokenTotals(TypedDict):
    inputUncached: str
    inputCacheWrite: str
    inputCacheRead: str
    output: str
    reasoning: str


class Totals(TypedDict):
    requests: str
    events: str
    tokens: TokenTotals
    energyWh: Bounds
    co2eG: Bounds


class ModelTotals(Totals):
    provider: Provider
    model: str


class DailyTotals(Totals):
    day: str


class CacheShares(TypedDict):
    cachedInputShare: str
    uncachedInputShare: str


class TelemetrySummary(TypedDict):
    range: DateRange
    factorVersions: List[str]
    totals: Totals
    cache: CacheShares
    models: List[ModelTotals]
    daily: List[DailyTotals]


class ModelUsage(Totals):
    provider: Provider
    model: str
    factorVersion: str
    tier: Tier
    matchedRule: str
    isUnmatched: bool


class ModelUsageList(TypedDict):
    range: DateRange
    data: List[ModelUsage]


class UsageEvent(TypedDict):
    id: str
    connectionId: str
    projectId: str
    provider: Provider
    model: str
    bucketStart: str
    bucketEnd: str
    grouping: str
    requests: Optional[str]
    tokens: TokenTotals
    revision: int
    factorVersion: str
    tier: Tier
    energyWh: Bounds
    co2eG: Bounds
    updatedAt: str


# -- estimate and billing ------------------------------------------------------------------------------------------


class Estimate(TypedDict):
    model: str
    tier: Tier
    matchedRule: str
    isUnmatched: bool
    factorVersion: str
    energyWh: Bounds
    co2eG: Bounds


class BillingPeriod(TypedDict):
    id: str
    periodStart: str
    periodEnd: str
    status: Literal["open", "closing", "closed", "failed"]
    receiptDueAt: str


class CurrentPeriod(TypedDict):
    start: str
    end: str


class BillingStatus(TypedDict):
    plan: Plan
    subscriptionStatus: Optional[str]
    currentPeriod: Optional[CurrentPeriod]
    periods: List[BillingPeriod]
    nextReceiptDueAt: Optional[str]


# -- receipts ------------------------------------------------------------------------------------------------------


class Period(TypedDict):
    start: str
    end: str


class ReceiptCo2e(TypedDict):
    low: str
    central: str
    high: str


class CreditRetirement(TypedDict):
    registry: str
    project: str
    vintage: int
    serialStart: str
    serialEnd: str
    tonnes: str
    retiredOn: str
    retirementReference: str


class ReceiptCredits(TypedDict):
    requiredTonnes: str
    retirements: List[CreditRetirement]
    shortfallTonnes: str


class ReceiptSummary(TypedDict):
    id: str
    serial: str
    kind: Literal["period", "adjustment"]
    adjusts: Optional[str]
    period: Period
    issuedAt: str
    co2eKg: ReceiptCo2e
    keyId: str


class PdfState(TypedDict):
    status: Literal["pending", "rendered", "skipped", "failed"]


class ReceiptDetail(ReceiptSummary):
    payload: Dict[str, Any]
    payloadSha256: str
    signature: str
    credits: ReceiptCredits
    pdf: PdfState
    verifyUrl: str


class PublicSigningKey(TypedDict, total=False):
    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str
    purpose: Literal["receipt", "log"]
    createdAt: str
    retiredAt: Optional[str]
    revokedAt: Optional[str]
    verifierKey: str


class PublicKeySet(TypedDict):
    keys: List[PublicSigningKey]


class LogProof(TypedDict):
    index: int
    treeSize: int
    inclusionProof: List[str]
    checkpoint: str


class VerifyResult(TypedDict, total=False):
    """GET /public/receipts/verify/{serial}: every field with the receipt's code, the first five without it."""

    valid: bool
    serial: str
    period: Period
    issuedAt: str
    keyId: str
    payload: Dict[str, Any]
    canonical: str
    payloadSha256: str
    signature: str
    publicKey: Optional[str]
    log: Optional[LogProof]


# -- audit packs and disclosure ------------------------------------------------------------------------------------


class AuditPack(TypedDict):
    id: str
    month: str
    version: int
    bytes: int
    manifestSha256: str
    events: int
    receipts: int
    createdAt: str
    downloadUrl: str


class AuditPackRequested(TypedDict):
    month: str
    status: Literal["building"]
    workflowId: str


#: The disclosure document (GHG Protocol Scope 3 category 1; contracts/disclosure.ts): a month's or a range's,
#: with totals, breakdowns, data quality, credits and restatements. Left open here: it is large and versioned there.
Disclosure = Dict[str, Any]
