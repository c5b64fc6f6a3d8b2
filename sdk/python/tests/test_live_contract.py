"""The TypedDicts in carbonplan_ai.types name exactly the properties the running API documents in /openapi.json."""

from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple

import httpx
import pytest

from carbonplan_ai import types
from conftest import Stack

# (TypedDict, method, path, status) of responses whose top-level object the SDK types.
RESPONSES: List[Tuple[Any, str, str, str]] = [
    (types.Connection, "get", "/api/v1/connections/{id}", "200"),
    (types.SyncAccepted, "post", "/api/v1/connections/{id}/sync", "202"),
    (types.Project, "get", "/api/v1/projects/{id}", "200"),
    (types.TelemetrySummary, "get", "/api/v1/telemetry/summary", "200"),
    (types.ModelUsageList, "get", "/api/v1/telemetry/models", "200"),
    (types.Estimate, "post", "/api/v1/estimate", "200"),
    (types.BillingStatus, "get", "/api/v1/billing/status", "200"),
    (types.ReceiptDetail, "get", "/api/v1/receipts/{id}", "200"),
]


def _resolve(doc: Dict[str, Any], schema: Dict[str, Any]) -> Dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _properties(doc: Dict[str, Any], schema: Dict[str, Any]) -> Set[str]:
    schema = _resolve(doc, schema)
    props: Set[str] = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        props |= _properties(doc, part)
    return props


@pytest.fixture(scope="module")
def openapi(stack: Stack) -> Dict[str, Any]:
    doc: Dict[str, Any] = httpx.get(f"{stack.base_url}/openapi.json", timeout=30).json()
    return doc


@pytest.mark.parametrize(("typed", "method", "path", "status"), RESPONSES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_typed_dict_keys_match_the_documented_response(openapi: Dict[str, Any], typed: Any, method: str, path: str, status: str) -> None:
    operation = openapi["paths"][path][method]
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    assert set(typed.__annotations__) == _properties(openapi, schema)


def test_paged_lists_type_their_items(openapi: Dict[str, Any]) -> None:
    for typed, path in [(types.Connection, "/api/v1/connections"), (types.Project, "/api/v1/projects"),
                        (types.ReceiptSummary, "/api/v1/receipts"), (types.UsageEvent, "/api/v1/telemetry/events")]:
        schema = _resolve(openapi, openapi["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"])
        items = _resolve(openapi, schema["properties"]["data"]["items"])
        assert set(typed.__annotations__) == _properties(openapi, items), path
