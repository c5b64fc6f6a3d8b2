"""Typed errors, chosen by the error body's `code` (the HTTP status only when there is no usable body)."""

from __future__ import annotations

import datetime as dt
import json
from email.utils import parsedate_to_datetime
from typing import Any, Dict, Mapping, Optional, Type

import httpx


class APIError(Exception):
    """Any failure the API answered (or, for APIConnectionError, could not answer)."""

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        request_id: Optional[str] = None,
        field: Optional[str] = None,
        details: Optional[Dict[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.field = field
        self.details: Dict[str, Any] = details or {}
        self.headers: Dict[str, str] = dict(headers or {})

    def __str__(self) -> str:
        parts = [f"{self.status}" if self.status is not None else None, self.code]
        prefix = " ".join(p for p in parts if p)
        suffix = f" (request id {self.request_id})" if self.request_id else ""
        return f"{prefix}: {self.message}{suffix}" if prefix else f"{self.message}{suffix}"


class APIConnectionError(APIError):
    """The request never got an answer (connection refused, reset, timed out) after every retry."""


class AuthenticationError(APIError):
    """401: no API key, or one that is unknown or revoked."""


class PermissionError(APIError):  # noqa: A001 - the SDKs' shared name; only shadows the builtin inside this module
    """403: the key may not do this (a role, or no active organization)."""


class PlanRequiredError(PermissionError):
    """403 PLAN_REQUIRED: the endpoint needs a paid plan; `upgrade_url` is where to upgrade."""

    @property
    def upgrade_url(self) -> Optional[str]:
        url = self.details.get("upgradeUrl")
        return url if isinstance(url, str) else None


class NotFoundError(APIError):
    """404: no such resource in this organization (another organization's ids are 404 too)."""


class ConflictError(APIError):
    """409 (and 422 IDEMPOTENCY_KEY_REUSED): the request conflicts with the resource's state or an earlier request."""


class RateLimitError(APIError):
    """429: over a rate limit; `retry_after` is the server's wait in seconds, when it said."""

    @property
    def retry_after(self) -> Optional[float]:
        return parse_retry_after(self.headers.get("retry-after"))


class ValidationError(APIError):
    """400/413/415/422: the request was refused as input; `field` names the offending part (`body.model`, `query.limit`)."""


class ServiceUnavailableError(APIError):
    """502/503: the API or a service it depends on is unavailable (or not configured, e.g. billing)."""


ERROR_BY_CODE: Dict[str, Type[APIError]] = {
    "VALIDATION_FAILED": ValidationError,
    "MALFORMED_JSON": ValidationError,
    "PAYLOAD_TOO_LARGE": ValidationError,
    "UNSUPPORTED_MEDIA_TYPE": ValidationError,
    "PROVIDER_KEY_REJECTED": ValidationError,
    "UNAUTHENTICATED": AuthenticationError,
    "NO_ACTIVE_ORGANIZATION": PermissionError,
    "FORBIDDEN": PermissionError,
    "PLAN_REQUIRED": PlanRequiredError,
    "NOT_FOUND": NotFoundError,
    "CONFLICT": ConflictError,
    "IDEMPOTENCY_KEY_IN_USE": ConflictError,
    "IDEMPOTENCY_KEY_REUSED": ConflictError,
    "RATE_LIMITED": RateLimitError,
    "PROVIDER_UNREACHABLE": ServiceUnavailableError,
    "SERVICE_UNAVAILABLE": ServiceUnavailableError,
    "BILLING_NOT_CONFIGURED": ServiceUnavailableError,
    "INTERNAL": APIError,
}

ERROR_BY_STATUS: Dict[int, Type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionError,
    404: NotFoundError,
    409: ConflictError,
    413: ValidationError,
    415: ValidationError,
    422: ValidationError,
    429: RateLimitError,
    502: ServiceUnavailableError,
    503: ServiceUnavailableError,
    504: ServiceUnavailableError,
}


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Retry-After in seconds: the delta-seconds form; an HTTP date counts from now."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        seconds = (when - dt.datetime.now(dt.timezone.utc)).total_seconds()
    return max(0.0, seconds) if seconds == seconds else None  # NaN is not a wait


def error_from_response(response: httpx.Response, body: bytes) -> APIError:
    """The typed error for a non-2xx answer. `body` is passed in because streamed responses are read by the caller."""
    status = response.status_code
    headers = {k.lower(): v for k, v in response.headers.items()}
    request_id = headers.get("x-request-id")
    parsed: Any = None
    try:
        parsed = json.loads(body.decode("utf-8")) if body else None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        parsed = None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        code: Optional[str] = error["code"]
        message = str(error.get("message") or f"HTTP {status}")
        request_id = str(error.get("requestId") or request_id or "") or None
        field = error.get("field") if isinstance(error.get("field"), str) else None
        details = error.get("details") if isinstance(error.get("details"), dict) else None
    else:
        code, field, details = None, None, None
        text = body.decode("utf-8", errors="replace").strip()[:200]
        message = f"HTTP {status}" + (f": {text}" if text else "")
    cls = (ERROR_BY_CODE.get(code) if code else None) or ERROR_BY_STATUS.get(status) or APIError
    return cls(message, status=status, code=code, request_id=request_id, field=field, details=details, headers=headers)
