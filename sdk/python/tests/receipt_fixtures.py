"""Receipts signed here with `cryptography`, as the issuer signs them: Ed25519 over SHA-256 of the RFC 8785 payload."""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any, Dict, List, Optional, Tuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from carbonplan_ai import canonicalize



def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def jwk(key: Ed25519PrivateKey, purpose: str = "receipt", **validity: Optional[str]) -> Dict[str, Any]:
    x = b64url(raw_public(key))
    kid = b64url(hashlib.sha256(f'{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}'.encode()).digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig", "purpose": purpose,
            "createdAt": "2026-01-01T00:00:00.000Z", "retiredAt": None, "revokedAt": None, **validity}


def payload(key_id: str, **overrides: Any) -> Dict[str, Any]:
    """A valid version-1 period receipt payload (test/factories/receipt-payload.ts)."""
    tokens = {"inputUncached": "120000000", "inputCacheWrite": "5000000", "inputCacheRead": "80000000", "output": "30000000", "reasoning": "4000000"}
    figures = {"tokens": tokens, "energyKwh": {"low": "12.5", "central": "18.75", "high": "31.2"}, "co2eKg": {"low": "3.1", "central": "5.625", "high": "10.4004"}}
    base: Dict[str, Any] = {
        "version": 1, "serial": "CL-202611-7K3QZ", "kind": "period", "adjusts": None,
        "organization": {"id": "2d0c6d1e-5b8a-4c61-9a3e-0f6b1c2d3e4f", "name": "Acme R\u00e9search \U0001f331"},
        "period": {"start": "2026-11-01T00:00:00.000Z", "end": "2026-12-01T00:00:00.000Z"},
        "totals": copy.deepcopy(figures),
        "models": [{"provider": "openai", "model": "gpt-5", "factorVersion": "2026.1", **copy.deepcopy(figures)}],
        "factorVersions": ["2026.1"],
        "credits": {"requiredTonnes": "0.010401", "retirements": [{"registry": "Verra", "project": "VCS-1234", "vintage": 2021,
                    "serialStart": "1234-56789-0001", "serialEnd": "1234-56789-0001", "tonnes": "0.010401", "retiredOn": "2026-10-15",
                    "retirementReference": "VCS-RET-998877"}], "shortfallTonnes": "0"},
        "snapshot": {"format": "event-revisions-jcs-sha256", "events": "2", "sha256": "a" * 64},
        "issuedAt": "2026-12-03T00:00:05.123Z",
        "keyId": key_id,
    }
    base.update(overrides)
    return base


def sign(p: Dict[str, Any], key: Ed25519PrivateKey) -> Dict[str, Any]:
    """The receipt as GET /api/v1/receipts/{id} carries it: payload, payloadSha256, signature, keyId, serial."""
    digest = hashlib.sha256(canonicalize(p).encode("utf-8")).digest()
    return {"serial": p["serial"], "keyId": p["keyId"], "payload": p, "payloadSha256": digest.hex(), "signature": b64url(key.sign(digest))}


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_with(leaves: List[bytes]) -> Tuple[bytes, List[List[bytes]]]:
    """Root of an RFC 9162 tree over leaf hashes and each leaf's inclusion proof (small trees, by recursion)."""

    def root(ls: List[bytes]) -> bytes:
        if len(ls) == 1:
            return ls[0]
        k = 1
        while k * 2 < len(ls):
            k *= 2
        return hash_children(root(ls[:k]), root(ls[k:]))

    def path(m: int, ls: List[bytes]) -> List[bytes]:
        if len(ls) <= 1:
            return []
        k = 1
        while k * 2 < len(ls):
            k *= 2
        return path(m, ls[:k]) + [root(ls[k:])] if m < k else path(m - k, ls[k:]) + [root(ls[:k])]

    return root(leaves), [path(i, leaves) for i in range(len(leaves))]


def logged(receipt: Dict[str, Any], log_key: Ed25519PrivateKey, others: int = 4, at: int = 2, origin: str = "carbonplan.test/log") -> Dict[str, Any]:
    """The receipt with a log proof: at index `at` among `others` other leaves, under a checkpoint signed by `log_key`."""
    leaves = [hashlib.sha256(bytes([i])).digest() for i in range(others)]
    leaves.insert(at, hashlib.sha256(b"\x00" + bytes.fromhex(receipt["payloadSha256"])).digest())
    root, proofs = tree_with(leaves)
    body = f"{origin}\n{len(leaves)}\n{base64.b64encode(root).decode()}\n"
    # C2SP signed-note key id of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4].
    note_id = hashlib.sha256(origin.encode() + b"\n\x01" + raw_public(log_key)).digest()[:4]
    signature = base64.b64encode(note_id + log_key.sign(body.encode())).decode()
    note = f"{body}\n\u2014 {origin} {signature}\n"
    proof = [base64.b64encode(h).decode() for h in proofs[at]]
    return {**receipt, "log": {"index": at, "treeSize": len(leaves), "inclusionProof": proof, "checkpoint": note}}
