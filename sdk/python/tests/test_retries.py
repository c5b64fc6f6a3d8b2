"""Retries against a local server: 503 and 429 then 200, network errors, Retry-After, and one Idempotency-Key per call."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from carbonplan_ai import APIConnectionError, AsyncClient, Client, RateLimitError, RetryPolicy, ServiceUnavailableError
from scripted_server import Reply, error_reply, header, serving

ESTIMATE = {"model": "gpt-4o", "tier": "mid", "matchedRule": "gpt-4o*", "isUnmatched": False, "factorVersion": "v1",
            "energyWh": {"central": "1", "low": "0.5", "high": "2"}, "co2eG": {"central": "1", "low": "0.5", "high": "2"}}
FAST = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.05)


def test_a_post_is_retried_after_503_and_429_with_the_same_idempotency_key() -> None:
    script = [error_reply(503, "SERVICE_UNAVAILABLE"), error_reply(429, "RATE_LIMITED", headers={"Retry-After": "0"}), Reply(200, ESTIMATE)]
    with serving(script) as server, Client(api_key="cp_test", base_url=server.url, retry_policy=FAST) as client:
        result = client.estimate.create(model="gpt-4o", input_tokens=10, output_tokens=5)
        again = client.estimate.create(model="gpt-4o", input_tokens=10, output_tokens=5)
    assert result["tier"] == "mid" and again["tier"] == "mid"
    keys = [header(seen, "Idempotency-Key") for seen in server.seen]
    assert len(keys) == 4
    assert keys[0] and uuid.UUID(keys[0]) and keys[0] == keys[1] == keys[2], keys
    assert keys[3] != keys[0], "a new call gets a new key"
    assert {header(seen, "Authorization") for seen in server.seen} == {"Bearer cp_test"}


def test_a_caller_chosen_idempotency_key_is_sent_as_is_and_gets_are_sent_without_one() -> None:
    with serving([Reply(200, ESTIMATE), Reply(200, {"data": [], "nextCursor": None})]) as server, \
            Client(api_key="k", base_url=server.url, retry_policy=FAST) as client:
        client.estimate.create(model="m", input_tokens=1, output_tokens=1, idempotency_key="order-42")
        list(client.projects.list())
    assert header(server.seen[0], "Idempotency-Key") == "order-42"
    assert header(server.seen[1], "Idempotency-Key") is None


def test_retry_after_is_honoured() -> None:
    script = [error_reply(503, "SERVICE_UNAVAILABLE", headers={"Retry-After": "1"}), Reply(200, ESTIMATE)]
    with serving(script) as server, Client(api_key="k", base_url=server.url, retry_policy=FAST) as client:
        started = time.monotonic()
        client.estimate.create(model="m", input_tokens=1, output_tokens=1)
        elapsed = time.monotonic() - started
    assert len(server.seen) == 2
    assert elapsed >= 0.95, f"retried after {elapsed:.2f} s, before the server's Retry-After: 1"


def test_a_retry_after_beyond_the_limit_raises_at_once_with_retry_after() -> None:
    script = [error_reply(429, "RATE_LIMITED", "a sync was requested less than 5 minutes ago", headers={"Retry-After": "240"})]
    with serving(script) as server, Client(api_key="k", base_url=server.url, retry_policy=FAST) as client:
        with pytest.raises(RateLimitError) as raised:
            client.connections.sync("00000000-0000-4000-8000-000000000000")
    assert raised.value.retry_after == 240 and raised.value.status == 429
    assert len(server.seen) == 1


def test_gives_up_after_max_retries_with_the_last_error() -> None:
    with serving([error_reply(502, "PROVIDER_UNREACHABLE")]) as server, Client(api_key="k", base_url=server.url, retry_policy=FAST) as client:
        with pytest.raises(ServiceUnavailableError) as raised:
            client.billing.status()
    assert len(server.seen) == 3 and raised.value.code == "PROVIDER_UNREACHABLE"


def test_billing_not_configured_is_not_retried() -> None:
    with serving([error_reply(503, "BILLING_NOT_CONFIGURED")]) as server, Client(api_key="k", base_url=server.url, retry_policy=FAST) as client:
        with pytest.raises(ServiceUnavailableError):
            client.billing.status()
    assert len(server.seen) == 1


def test_a_dropped_connection_is_retried_and_a_dead_server_raises_connection_error() -> None:
    with serving([Reply(drop=True), Reply(200, ESTIMATE)]) as server, Client(api_key="k", base_url=server.url, retry_policy=FAST) as client:
        assert client.estimate.create(model="m", input_tokens=1, output_tokens=1)["model"] == "gpt-4o"
    assert len(server.seen) == 2
    assert header(server.seen[0], "Idempotency-Key") == header(server.seen[1], "Idempotency-Key")
    with serving([]) as dead:
        url = dead.url
    with Client(api_key="k", base_url=url, retry_policy=FAST) as client, pytest.raises(APIConnectionError):
        client.billing.status()


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    low = RetryPolicy(initial_delay=1, max_delay=5, jitter=lambda: 0.0)
    high = RetryPolicy(initial_delay=1, max_delay=5, jitter=lambda: 0.999999)
    assert [low.delay(n, None) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 2.5]
    assert [round(high.delay(n, None) or 0, 3) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert low.delay(1, 3.0) == 3.0 and low.delay(1, 61.0) is None


def test_async_client_retries_with_the_same_idempotency_key() -> None:
    script = [error_reply(500, "INTERNAL"), Reply(drop=True), Reply(200, ESTIMATE)]

    async def run(url: str) -> str:
        async with AsyncClient(api_key="k", base_url=url, retry_policy=FAST) as client:
            return (await client.estimate.create(model="m", input_tokens=1, output_tokens=1))["tier"]

    with serving(script) as server:
        assert asyncio.run(run(server.url)) == "mid"
    keys = {header(seen, "Idempotency-Key") for seen in server.seen}
    assert len(server.seen) == 3 and len(keys) == 1 and None not in keys
