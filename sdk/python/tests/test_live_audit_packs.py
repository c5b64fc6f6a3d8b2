"""Audit packs and disclosure against the running stack.

CARBONPLAN_TEST_AUDIT_PACK_ID (optional) names a stored pack of the paid organization; without it only what needs no
stored pack is checked.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from carbonplan_ai import Client, PlanRequiredError, ValidationError
from conftest import Stack




def test_disclosure_for_a_range_of_months(client: Client, stack: Stack) -> None:
    months = (stack.usage_from[:7], "2026-10")
    doc = client.disclosure.get(from_=months[0], to=months[1])
    assert doc["period"]["kind"] == "range"
    assert [m["month"] for m in doc["months"]] == ["2026-09", "2026-10"]
    serials = {r["serial"] for r in client.receipts.list()}
    assert {s for m in doc["months"] for s in m["receipts"]} == serials
    assert client.disclosure.get(year=2026)["period"]["kind"] == "year"
    with pytest.raises(ValidationError) as invalid:
        client.disclosure.get(year=2026, from_="2026-01", to="2026-02")
    assert invalid.value.field == "query.year"


def test_audit_packs_request_list_download_and_plan_gating(client: Client, stack: Stack, tmp_path: Path) -> None:
    requested = client.audit_packs.create(month="2026-10")
    assert (requested["month"], requested["status"]) == ("2026-10", "building") and requested["workflowId"]
    with pytest.raises(ValidationError) as invalid:
        client.audit_packs.create(month="2999-01")
    assert invalid.value.field == "body.month"

    pack_id = os.environ.get("CARBONPLAN_TEST_AUDIT_PACK_ID")
    if pack_id:
        packs = list(client.audit_packs.list(limit=1))
        pack = next(p for p in packs if p["id"] == pack_id)
        data = client.audit_packs.download(pack_id)
        assert len(data) == pack["bytes"]
        assert client.audit_packs.download_to(pack_id, tmp_path / "pack.zip") == pack["bytes"]
        assert (tmp_path / "pack.zip").read_bytes() == data
        assert [p["id"] for p in client.audit_packs.list(month=pack["month"])] == [pack_id]

    with Client(api_key=stack.free_api_key) as free, pytest.raises(PlanRequiredError):
        list(free.audit_packs.list())
