"""Shared fixtures: the conformance vectors beside the repository, and the running stack the live tests talk to.

Live tests read the stack from the environment: CARBONPLAN_BASE_URL and CARBONPLAN_API_KEY (the SDK's own variables:
an organization on a paid plan, with usage and receipts), CARBONPLAN_TEST_FREE_API_KEY (an organization on the free
plan), CARBONPLAN_TEST_RECEIPT_ID (a receipt of the paid organization whose PDF is rendered) and
CARBONPLAN_TEST_FROM / CARBONPLAN_TEST_TO (a range holding its usage). Without them the live tests are skipped,
unless CARBONPLAN_TEST_REQUIRE_LIVE=1 (as the repository's test run sets), which makes a missing one an error.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List

import pytest

from carbonplan_ai import Client

sys.path.insert(0, str(Path(__file__).parent))  # the tests' own helpers (scripted_server)

REPO = Path(__file__).resolve().parents[3]
# shared/ sits beside the repository clone (here and in CI); the vectors are never copied into the repo.
VECTORS = Path(os.environ.get("CARBONPLAN_SHARED_VECTORS") or REPO.parent / "shared" / "vectors")


def read_vectors(name: str) -> List[Any]:
    path = VECTORS / name
    if not path.is_file():
        raise FileNotFoundError(f"conformance vectors missing: {name} is expected in ../shared/vectors beside the repository (resolved to {path})")
    cases: List[Any] = json.loads(path.read_text("utf-8"))
    assert cases, f"{name} holds no cases"
    return cases


@dataclass(frozen=True)
class Stack:
    base_url: str
    api_key: str
    free_api_key: str
    receipt_id: str
    usage_from: str
    usage_to: str


_LIVE_VARS = ["CARBONPLAN_BASE_URL", "CARBONPLAN_API_KEY", "CARBONPLAN_TEST_FREE_API_KEY", "CARBONPLAN_TEST_RECEIPT_ID",
              "CARBONPLAN_TEST_FROM", "CARBONPLAN_TEST_TO"]


@pytest.fixture(scope="session")
def stack() -> Stack:
    missing = [name for name in _LIVE_VARS if not os.environ.get(name)]
    if missing:
        message = f"no running stack: set {', '.join(missing)}"
        if os.environ.get("CARBONPLAN_TEST_REQUIRE_LIVE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    env = os.environ
    return Stack(env["CARBONPLAN_BASE_URL"], env["CARBONPLAN_API_KEY"], env["CARBONPLAN_TEST_FREE_API_KEY"],
                 env["CARBONPLAN_TEST_RECEIPT_ID"], env["CARBONPLAN_TEST_FROM"], env["CARBONPLAN_TEST_TO"])


@pytest.fixture()
def client(stack: Stack) -> Iterator[Client]:
    """A client configured from CARBONPLAN_API_KEY and CARBONPLAN_BASE_URL, as a user's code would be."""
    with Client() as c:
        yield c
