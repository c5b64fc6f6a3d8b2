"""verify_receipt offline: signatures, tampering, pinned keys and their validity, the log proof."""

from __future__ import annotations

import base64
import copy
from typing import Any, Dict

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonplan_ai import verify_receipt
from carbonplan_ai.verify.ed25519 import L
from receipt_fixtures import b64url, jwk, logged, payload, sign

RECEIPT_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
KEYS = {"keys": [jwk(RECEIPT_KEY), jwk(LOG_KEY, "log")]}
KID = KEYS["keys"][0]["kid"]


def receipt(**overrides: Any) -> Dict[str, Any]:
    return sign(payload(KID, **overrides), RECEIPT_KEY)


def test_a_signed_receipt_verifies_against_the_pinned_key() -> None:
    result = verify_receipt(receipt(), KEYS)
    assert (result.is_valid, result.failures, result.serial, result.key_id, result.log) == (True, [], "CL-202611-7K3QZ", KID, "absent")


def test_any_change_to_the_signed_payload_breaks_the_signature() -> None:
    signed = receipt()
    tampered = copy.deepcopy(signed)
    tampered["payload"]["totals"]["co2eKg"]["central"] = "5.624"
    result = verify_receipt(tampered, KEYS)
    assert not result.is_valid
    assert "signature: signature does not match" in result.failures
    assert "payloadSha256 in the receipt is not the SHA-256 of the payload's canonical form" in result.failures


def test_key_order_and_whitespace_do_not_matter_only_content() -> None:
    signed = receipt()
    reordered = {**signed, "payload": dict(reversed(list(signed["payload"].items())))}
    assert verify_receipt(reordered, KEYS).is_valid


def test_a_malleable_signature_s_plus_l_is_refused() -> None:
    signed = receipt()
    raw = base64.urlsafe_b64decode(signed["signature"] + "==")
    s = int.from_bytes(raw[32:], "little") + L
    malleable = {**signed, "signature": b64url(raw[:32] + s.to_bytes(32, "little"))}
    result = verify_receipt(malleable, KEYS)
    assert result.failures == ["signature: S is not below the group order L (malleable signature)"]


def test_a_key_that_is_not_pinned_or_not_a_receipt_key_is_refused() -> None:
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    assert verify_receipt(receipt(), {"keys": [jwk(other)]}).failures == [f"signing key {KID!r} is not among the pinned keys"]
    wrong_purpose = {"keys": [jwk(RECEIPT_KEY, "log")]}
    assert f"key {KID} is a log key, not a receipt key" in verify_receipt(receipt(), wrong_purpose).failures


def test_a_jwk_whose_kid_is_not_its_thumbprint_is_not_trusted() -> None:
    forged = {**jwk(RECEIPT_KEY), "kid": "A" * 43}
    result = verify_receipt(receipt(keyId="A" * 43), {"keys": [forged]})
    assert not result.is_valid
    assert "pinned key ignored: keys[0].kid is not the RFC 7638 thumbprint of its x" in result.warnings


def test_key_validity_windows() -> None:
    created_later = {"keys": [jwk(RECEIPT_KEY, createdAt="2027-01-01T00:00:00.000Z")]}
    assert "before the signing key was created" in " ".join(verify_receipt(receipt(), created_later).failures)
    revoked_before = {"keys": [jwk(RECEIPT_KEY, revokedAt="2026-12-01T00:00:00.000Z")]}
    assert "revoked" in " ".join(verify_receipt(receipt(), revoked_before).failures)
    revoked_after = verify_receipt(receipt(), {"keys": [jwk(RECEIPT_KEY, revokedAt="2027-02-01T00:00:00.000Z")]})
    assert revoked_after.is_valid and "treat with care" in revoked_after.warnings[0]
    retired_grace = {"keys": [jwk(RECEIPT_KEY, retiredAt="2026-12-02T23:55:00.000Z")]}  # 5 min before issuedAt: grace
    assert verify_receipt(receipt(), retired_grace).is_valid
    retired_long_ago = {"keys": [jwk(RECEIPT_KEY, retiredAt="2026-12-01T00:00:00.000Z")]}
    assert "after the signing key was retired" in " ".join(verify_receipt(receipt(), retired_long_ago).failures)


def test_outer_fields_must_agree_with_the_signed_payload() -> None:
    signed = receipt()
    result = verify_receipt({**signed, "serial": "CL-202611-AAAAA", "canonical": "{}"}, KEYS)
    assert result.failures == ["serial differs from the payload's signed serial", "canonical in the receipt is not the canonical form of the payload"]


def test_payload_outside_version_1_is_refused_even_when_signed() -> None:
    result = verify_receipt(receipt(extra="x", version=2), KEYS)
    assert "payload.extra: unknown field (not in receipt payload version 1)" in result.failures
    assert "payload.version: this verifier reads version 1" in result.failures


@pytest.mark.parametrize("garbage", [None, [], {"payload": "x", "signature": "y"}, {"payload": {}, "signature": 5}])
def test_garbage_is_refused_with_a_reason_not_an_exception(garbage: Any) -> None:
    result = verify_receipt(garbage, KEYS)
    assert not result.is_valid and result.failures


def test_log_inclusion_under_a_checkpoint_signed_by_the_pinned_log_key() -> None:
    file = logged(receipt(), LOG_KEY)
    result = verify_receipt(file, KEYS)
    assert (result.is_valid, result.log) == (True, "verified")
    assert verify_receipt(file, KEYS, skip_log=True).log == "skipped"


def test_a_wrong_index_a_forged_checkpoint_or_no_log_key_fail_the_log() -> None:
    file = logged(receipt(), LOG_KEY)
    moved = {**file, "log": {**file["log"], "index": 1}}
    assert verify_receipt(moved, KEYS).failures == ["log: inclusion proof does not place this receipt at index 1 of the checkpoint's tree"]
    forged = logged(receipt(), Ed25519PrivateKey.from_private_bytes(bytes([7] * 32)))
    forged_result = verify_receipt(forged, KEYS)
    assert forged_result.log == "failed" and forged_result.failures[0].startswith("log: checkpoint not signed by a pinned log key")
    no_log_key = verify_receipt(file, {"keys": [jwk(RECEIPT_KEY)]})
    assert no_log_key.failures == ['log: no pinned log key (purpose "log") to check the checkpoint with']
