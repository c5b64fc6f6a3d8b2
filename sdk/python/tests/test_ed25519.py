"""Strict Ed25519 against the shared vectors: RFC 8032 and the speccheck/Wycheproof edge cases."""

from __future__ import annotations

from typing import Any

import pytest

from carbonplan_ai.verify.ed25519 import strict_problem, verify_strict
from conftest import read_vectors


@pytest.mark.parametrize("case", read_vectors("ed25519-rfc8032.json"), ids=lambda c: str(c["name"]))
def test_rfc8032_signatures_verify_and_any_flipped_bit_fails(case: Any) -> None:
    message, signature, key = (bytes.fromhex(case[k]) for k in ("message", "signature", "public_key"))
    assert verify_strict(message, signature, key)
    flipped = bytearray(signature)
    flipped[10] ^= 0x01
    assert not verify_strict(message, bytes(flipped), key)
    assert not verify_strict(message + b"x", signature, key)


@pytest.mark.parametrize("case", read_vectors("ed25519-edge-cases.json"), ids=lambda c: str(c["name"]))
def test_edge_cases_get_the_strict_verdict(case: Any) -> None:
    message, signature, key = (bytes.fromhex(case[k]) for k in ("message", "signature", "public_key"))
    problem = strict_problem(message, signature, key)
    assert (problem is None) == case["strict_valid"], f"{case['comment']}: {problem}"
