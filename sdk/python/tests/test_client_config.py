"""Configuration: CARBONPLAN_API_KEY and CARBONPLAN_BASE_URL when no argument is given; arguments win."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from carbonplan_ai import Client
from scripted_server import Reply, header, serving

STATUS: Dict[str, Any] = {"plan": "free", "subscriptionStatus": None, "currentPeriod": None, "periods": [], "nextReceiptDueAt": None}


def test_reads_the_environment_when_no_options_are_given(monkeypatch: pytest.MonkeyPatch) -> None:
    with serving([Reply(200, STATUS)]) as server:
        monkeypatch.setenv("CARBONPLAN_API_KEY", "cp_from_env")
        monkeypatch.setenv("CARBONPLAN_BASE_URL", server.url + "/")
        with Client() as client:
            assert client.billing.status()["plan"] == "free"
            assert client.base_url == server.url
    assert header(server.seen[0], "Authorization") == "Bearer cp_from_env"
    assert server.seen[0].path == "/api/v1/billing/status"
    assert (header(server.seen[0], "User-Agent") or "").startswith("carbonplan-ai-python/")


def test_options_win_and_the_default_base_url_is_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARBONPLAN_BASE_URL", raising=False)
    monkeypatch.setenv("CARBONPLAN_API_KEY", "cp_env")
    with Client() as default:
        assert default.base_url == "http://127.0.0.1:3000"
    with serving([Reply(200, STATUS)]) as server, Client(api_key="cp_arg", base_url=server.url) as client:
        client.billing.status()
    assert header(server.seen[0], "Authorization") == "Bearer cp_arg"


def test_without_a_key_no_authorization_header_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARBONPLAN_API_KEY", raising=False)
    with serving([Reply(200, {"keys": []})]) as server, Client(base_url=server.url) as client:
        assert client.receipts.public_keys() == {"keys": []}
    assert header(server.seen[0], "Authorization") is None


def test_ids_are_encoded_so_they_cannot_reach_another_route() -> None:
    with serving([Reply(200, {"id": "x"})]) as server, Client(api_key="k", base_url=server.url) as client:
        client.projects.get("../api-keys?x=1")
    assert server.seen[0].path == "/api/v1/projects/..%2Fapi-keys%3Fx%3D1"
