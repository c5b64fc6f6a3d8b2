"""The SDK against a running stack (see conftest.py for the environment it reads)."""

from __future__ import annotations

import asyncio
import copy
import csv
import io
import json
import uuid
from typing import Any, Dict, List, Tuple
from urllib.parse import parse_qs, urlsplit

import pytest

from carbonplan_ai import (
    AsyncClient,
    AuthenticationError,
    Client,
    ConflictError,
    NotFoundError,
    PermissionError,
    PlanRequiredError,
    ValidationError,
    verify_receipt,
)
from conftest import Stack




def test_projects_round_trip_with_typed_errors(client: Client) -> None:
    projects = list(client.projects.list())
    assert [p["isDefault"] for p in projects].count(True) == 1
    slug = f"py-{uuid.uuid4().hex[:8]}"
    created = client.projects.create(name="Python SDK project", slug=slug)
    assert (created["slug"], created["isDefault"], created["activeConnections"]) == (slug, False, 0)
    assert client.projects.get(created["id"])["name"] == "Python SDK project"
    assert client.projects.update(created["id"], name="Renamed")["name"] == "Renamed"
    with pytest.raises(ConflictError):
        client.projects.create(name="Duplicate", slug=slug)
    client.projects.delete(created["id"])
    with pytest.raises(NotFoundError) as missing:
        client.projects.get(created["id"])
    assert missing.value.status == 404 and missing.value.code == "NOT_FOUND" and missing.value.request_id
    with pytest.raises(ValidationError) as invalid:
        client.projects.get("not-a-uuid")
    assert invalid.value.field == "params.id"


def test_every_project_is_listed_once_across_pages(client: Client) -> None:
    made = [client.projects.create(name=f"Paged {i}")["id"] for i in range(3)]
    try:
        pager = client.projects.list(limit=1)
        ids = [p["id"] for p in pager]
        assert len(ids) == len(set(ids)) and set(made) <= set(ids)
        assert pager.first_page().has_more
    finally:
        for pid in made:
            client.projects.delete(pid)


def test_connections_list_and_get(client: Client) -> None:
    connections = list(client.connections.list(limit=1))
    assert connections, "the seeded organization has a connection"
    one = client.connections.get(connections[0]["id"])
    assert one["id"] == connections[0]["id"] and one["provider"] == "openai"
    with pytest.raises(NotFoundError):
        client.connections.get(str(uuid.uuid4()))


def test_estimate_with_bounds_and_a_validation_error_naming_the_field(client: Client) -> None:
    estimate = client.estimate.create(model="gpt-4o", input_tokens=1000, output_tokens=500, cached_tokens=200)
    co2e = estimate["co2eG"]
    assert float(co2e["low"]) <= float(co2e["central"]) <= float(co2e["high"])
    assert estimate["model"] == "gpt-4o" and estimate["factorVersion"]
    with pytest.raises(ValidationError) as invalid:
        client.estimate.create(model="gpt-4o", input_tokens=10, output_tokens=5, cached_tokens=20)
    assert invalid.value.field == "body.cachedTokens"


def test_telemetry_summary_models_events_and_export_agree(client: Client, stack: Stack) -> None:
    window: Dict[str, Any] = {"from_": stack.usage_from, "to": stack.usage_to}
    summary = client.telemetry.summary(**window)
    assert summary["range"] == {"from": stack.usage_from, "to": stack.usage_to}
    events = list(client.telemetry.events(**window, limit=1))
    assert len(events) == int(summary["totals"]["events"]) >= 2, "two months of usage, one event per page"
    assert [m["model"] for m in client.telemetry.models(**window)["data"]] == [m["model"] for m in summary["models"]]

    rows = list(csv.DictReader(io.StringIO("\n".join(client.export.iter_lines(**window)))))
    assert sorted(r["event_id"] for r in rows) == sorted(e["id"] for e in events)
    with client.export.stream(format="json", **window) as download:
        assert download.content_type and download.content_type.startswith("application/json")
        assert download.filename and download.filename.endswith(".json")
        exported = json.loads(b"".join(download))
    assert [e["id"] for e in exported] == [e["id"] for e in events]
    with pytest.raises(ValidationError) as invalid:
        list(client.export.iter_bytes(from_="2026-02-30"))
    assert invalid.value.field == "query.from"


def test_billing_status_is_the_paid_plan(client: Client) -> None:
    status = client.billing.status()
    assert status["plan"] == "pro"
    assert isinstance(status["periods"], list)


def _receipt_and_keys(client: Client, stack: Stack) -> Tuple[Any, Any]:
    return client.receipts.get(stack.receipt_id), client.receipts.public_keys()


def test_receipts_list_get_pdf_and_offline_verification(client: Client, stack: Stack) -> None:
    listed = list(client.receipts.list(limit=1))
    assert len(listed) >= 2 and stack.receipt_id in [r["id"] for r in listed]
    detail, keys = _receipt_and_keys(client, stack)
    result = verify_receipt(detail, keys)
    assert result.is_valid, result.failures
    assert (result.serial, result.key_id, result.payload_sha256) == (detail["serial"], detail["keyId"], detail["payloadSha256"])

    tampered = copy.deepcopy(detail)
    tampered["payload"]["organization"]["name"] += " (edited)"
    assert "signature: signature does not match" in verify_receipt(tampered, keys).failures

    assert client.receipts.pdf(stack.receipt_id).startswith(b"%PDF-")


def test_the_public_lookup_with_code_verifies_offline_with_its_log_proof(client: Client, stack: Stack) -> None:
    detail, keys = _receipt_and_keys(client, stack)
    code = parse_qs(urlsplit(detail["verifyUrl"]).query)["code"][0]
    full = client.receipts.lookup(detail["serial"], code=code)
    assert full["valid"] is True and full.get("log")
    result = verify_receipt(full, keys)
    assert (result.is_valid, result.log, result.failures) == (True, "verified", [])
    summary = client.receipts.lookup(detail["serial"])
    assert "payload" not in summary and summary["serial"] == detail["serial"]


def test_a_free_organization_gets_plan_required_and_a_bad_key_authentication_error(stack: Stack) -> None:
    with Client(api_key=stack.free_api_key) as free:
        with pytest.raises(PlanRequiredError) as gated:
            list(free.receipts.list())
        assert gated.value.upgrade_url and gated.value.status == 403
        assert free.billing.status()["plan"] == "free"
    with Client(api_key="cp_live_not_a_real_key_000000000000") as bad, pytest.raises(AuthenticationError):
        bad.billing.status()


def test_an_api_key_may_not_start_a_checkout(client: Client) -> None:
    with pytest.raises(PermissionError) as forbidden:
        client.transport.request("POST", "/api/v1/billing/checkout", body={"plan": "pro"})
    assert forbidden.value.code == "FORBIDDEN"


def test_an_idempotent_post_replays_the_first_answer(client: Client) -> None:
    key = f"py-sdk-{uuid.uuid4()}"
    name = f"Idempotent {key[-6:]}"
    first = client.projects.create(name=name, idempotency_key=key)
    try:
        again = client.projects.create(name=name, idempotency_key=key)
        assert again["id"] == first["id"], "the same key gives the same project, not a second one"
        with pytest.raises(ConflictError) as reused:
            client.projects.create(name=name + " other", idempotency_key=key)
        assert reused.value.code == "IDEMPOTENCY_KEY_REUSED"
    finally:
        client.projects.delete(first["id"])


def test_async_client_covers_the_same_resources(stack: Stack) -> None:
    async def run() -> Tuple[List[str], str, bool, int]:
        async with AsyncClient() as client:
            receipt_ids = [r["id"] async for r in client.receipts.list(limit=1)]
            status = await client.billing.status()
            detail = await client.receipts.get(stack.receipt_id)
            keys = await client.receipts.public_keys()
            lines = 0
            async for _ in client.export.iter_lines(from_=stack.usage_from, to=stack.usage_to):
                lines += 1
            try:
                await client.projects.get(str(uuid.uuid4()))
            except NotFoundError:
                pass
            else:
                raise AssertionError("an unknown project is NotFoundError")
            return receipt_ids, status["plan"], verify_receipt(detail, keys).is_valid, lines

    receipt_ids, plan, is_valid, lines = asyncio.run(run())
    assert stack.receipt_id in receipt_ids and plan == "pro" and is_valid and lines >= 3
