"""Typed errors chosen by the body's code (the status only when the body has none), with their fields."""

from __future__ import annotations

from typing import Type

import pytest

from carbonplan_ai import (
    APIError,
    AuthenticationError,
    Client,
    ConflictError,
    NotFoundError,
    PermissionError,
    PlanRequiredError,
    RateLimitError,
    RetryPolicy,
    ServiceUnavailableError,
    ValidationError,
)
from scripted_server import Reply, error_reply, serving

NO_RETRY = RetryPolicy(max_retries=0)


@pytest.mark.parametrize(("status", "code", "expected"), [
    (400, "VALIDATION_FAILED", ValidationError),
    (400, "MALFORMED_JSON", ValidationError),
    (413, "PAYLOAD_TOO_LARGE", ValidationError),
    (422, "PROVIDER_KEY_REJECTED", ValidationError),
    (401, "UNAUTHENTICATED", AuthenticationError),
    (403, "FORBIDDEN", PermissionError),
    (403, "NO_ACTIVE_ORGANIZATION", PermissionError),
    (403, "PLAN_REQUIRED", PlanRequiredError),
    (404, "NOT_FOUND", NotFoundError),
    (409, "CONFLICT", ConflictError),
    (422, "IDEMPOTENCY_KEY_REUSED", ConflictError),
    (429, "RATE_LIMITED", RateLimitError),
    (502, "PROVIDER_UNREACHABLE", ServiceUnavailableError),
    (503, "BILLING_NOT_CONFIGURED", ServiceUnavailableError),
    (500, "INTERNAL", APIError),
    # The code wins over the status: a proxy rewriting the status cannot change the meaning.
    (400, "NOT_FOUND", NotFoundError),
])
def test_the_error_class_follows_the_code(status: int, code: str, expected: Type[APIError]) -> None:
    with serving([error_reply(status, code, "the message", field="body.model")]) as server, \
            Client(api_key="k", base_url=server.url, retry_policy=NO_RETRY) as client:
        with pytest.raises(APIError) as raised:
            client.billing.status()
    assert type(raised.value) is expected
    assert (raised.value.status, raised.value.code, raised.value.message, raised.value.request_id) == (status, code, "the message", "req-test")


@pytest.mark.parametrize(("status", "expected"), [
    (400, ValidationError), (401, AuthenticationError), (403, PermissionError), (404, NotFoundError), (409, ConflictError),
    (429, RateLimitError), (503, ServiceUnavailableError), (418, APIError),
])
def test_without_a_code_the_status_decides(status: int, expected: Type[APIError]) -> None:
    with serving([Reply(status, "<html>proxy error</html>")]) as server, Client(api_key="k", base_url=server.url, retry_policy=NO_RETRY) as client:
        with pytest.raises(APIError) as raised:
            client.billing.status()
    assert type(raised.value) is expected and raised.value.code is None
    assert "proxy error" in raised.value.message


def test_plan_required_carries_the_upgrade_url_and_validation_the_field() -> None:
    script = [error_reply(403, "PLAN_REQUIRED", details={"upgradeUrl": "https://app.example/billing"}),
              error_reply(400, "VALIDATION_FAILED", "body.inputTokens: must not be negative", field="body.inputTokens")]
    with serving(script) as server, Client(api_key="k", base_url=server.url, retry_policy=NO_RETRY) as client:
        with pytest.raises(PlanRequiredError) as plan:
            client.receipts.get("r")
        with pytest.raises(ValidationError) as invalid:
            client.estimate.create(model="m", input_tokens=-1, output_tokens=1)
    assert plan.value.upgrade_url == "https://app.example/billing"
    assert isinstance(plan.value, PermissionError)
    assert invalid.value.field == "body.inputTokens"
    assert "403 PLAN_REQUIRED" in str(plan.value) and "req-test" in str(plan.value)
