"""CarbonPlan API client: `Client` / `AsyncClient` over httpx, typed errors, and offline receipt verification."""

from ._client import AsyncClient, Client
from ._download import AsyncDownload, Download
from ._errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionError,
    PlanRequiredError,
    RateLimitError,
    ServiceUnavailableError,
    ValidationError,
)
from ._pagination import AsyncPager, Page, SyncPager
from ._retry import RetryPolicy
from ._version import __version__
from .verify import CanonicalizationError, ReceiptVerification, canonicalize, verify_receipt

__all__ = [
    "APIConnectionError",
    "APIError",
    "AsyncClient",
    "AsyncDownload",
    "AsyncPager",
    "AuthenticationError",
    "CanonicalizationError",
    "Client",
    "ConflictError",
    "Download",
    "NotFoundError",
    "Page",
    "PermissionError",
    "PlanRequiredError",
    "RateLimitError",
    "ReceiptVerification",
    "RetryPolicy",
    "ServiceUnavailableError",
    "SyncPager",
    "ValidationError",
    "__version__",
    "canonicalize",
    "verify_receipt",
]
