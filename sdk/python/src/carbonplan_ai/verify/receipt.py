"""Offline receipt verification, the same checks as the `carbonplan-verify` bin (src/receipts/verify-receipt.ts).

Trust comes only from the pinned keys (GET /public/keys, fetched once and kept): the receipt's own `canonical`,
`payloadSha256`, `publicKey` and `valid` are never believed, only compared with what is recomputed from `payload`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, List, Literal, Mapping, Optional, Sequence, Tuple, Union

from .canonical_json import CanonicalizationError, canonicalize
from .ed25519 import PUBLIC_KEY_BYTES, SIGNATURE_BYTES, decode_base64url, strict_problem
from .transparency_log import first_checkpoint, format_verifier_key, leaf_hash_of_payload, signature_names, verify_inclusion

__all__ = ["ReceiptVerification", "verify_receipt", "read_pinned_keys", "ROTATION_GRACE"]

LogStatus = Literal["verified", "absent", "skipped", "failed"]
Keys = Union[Mapping[str, Any], Sequence[Mapping[str, Any]]]

# A signer that picked the key just before a rotation may sign a little after it (src/receipts/key-validity.ts).
ROTATION_GRACE = dt.timedelta(minutes=10)

_PAYLOAD_FIELDS = {"version", "serial", "kind", "adjusts", "organization", "period", "totals", "models", "factorVersions",
                   "credits", "snapshot", "issuedAt", "keyId"}
_SERIAL = re.compile(r"^CL-\d{4}(0[1-9]|1[0-2])-[0-9A-HJKMNP-TV-Z]{5}$")
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
_HASH_B64 = re.compile(r"^[A-Za-z0-9+/]{43}=$")


@dataclass
class ReceiptVerification:
    is_valid: bool = False
    serial: Optional[str] = None
    key_id: Optional[str] = None
    payload_sha256: Optional[str] = None
    #: Every reason the receipt is refused (empty when valid).
    failures: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    log: LogStatus = "absent"


def _thumbprint(x: str) -> str:
    """RFC 7638 JWK thumbprint of an Ed25519 OKP key, base64url."""
    digest = hashlib.sha256(f'{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}'.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def read_pinned_keys(keys: Keys) -> Tuple[List[Mapping[str, Any]], List[str]]:
    """Well-formed Ed25519 JWKs whose kid is their thumbprint, and why the others were left out."""
    items: Any = keys.get("keys") if isinstance(keys, Mapping) else keys
    if not isinstance(items, (list, tuple)):
        return [], ['the keys are not a JWK Set ({"keys": [...]}) or a list of JWKs']
    pinned: List[Mapping[str, Any]] = []
    problems: List[str] = []
    for i, k in enumerate(items):
        if not isinstance(k, Mapping) or k.get("kty") != "OKP" or k.get("crv") != "Ed25519" or not isinstance(k.get("x"), str) or not isinstance(k.get("kid"), str):
            problems.append(f"keys[{i}] is not an Ed25519 OKP JWK with x and kid")
        elif decode_base64url(k["x"], PUBLIC_KEY_BYTES) is None:
            problems.append(f"keys[{i}].x is not 32 bytes of base64url")
        elif _thumbprint(k["x"]) != k["kid"]:
            problems.append(f"keys[{i}].kid is not the RFC 7638 thumbprint of its x")
        else:
            pinned.append(k)
    return pinned, problems


def _instant(value: Any) -> Optional[dt.datetime]:
    """An ISO 8601 instant as the API writes them; None when unreadable (Python 3.9's fromisoformat is narrow)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if not isinstance(value, str):
        return None
    match = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$", value)
    if not match:
        return None
    fraction = (match.group(2) or "").ljust(6, "0")[:6]
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    try:
        return dt.datetime.fromisoformat(f"{match.group(1)}.{fraction}{zone}")
    except ValueError:
        return None


def key_verdict(key: Mapping[str, Any], issued_at: str) -> Tuple[str, Optional[str]]:
    """('valid' | 'valid-with-warning' | 'invalid', reason or warning): src/receipts/key-validity.ts."""
    issued = _instant(issued_at)
    if issued is None:
        return "invalid", "issuedAt is not an instant"
    created = _instant(key.get("createdAt") or "1970-01-01T00:00:00Z")
    if created is None:
        return "invalid", "the key has no valid creation time"
    revoked_at = key.get("revokedAt")
    if revoked_at is not None:
        revoked = _instant(revoked_at)
        if revoked is None or issued >= revoked:
            return "invalid", f"the signing key was revoked at {revoked_at}, at or before the receipt's issuedAt"
    if issued < created:
        return "invalid", f"the receipt's issuedAt is before the signing key was created ({key.get('createdAt')})"
    retired_at = key.get("retiredAt")
    retired = _instant(retired_at) if retired_at is not None else None
    if retired_at is not None and (retired is None or issued > retired + ROTATION_GRACE):
        return "invalid", f"the receipt's issuedAt is after the signing key was retired ({retired_at})"
    if revoked_at is not None:
        return "valid-with-warning", f"the signing key was revoked at {revoked_at} (after this receipt was issued): treat with care"
    return "valid", None


def _payload_shape(payload: Mapping[str, Any]) -> List[str]:
    """The payload's top-level contract (version 1): the fields it names, and those the verdict relies on."""
    problems = [f"payload.{k}: unknown field (not in receipt payload version 1)" for k in sorted(set(payload) - _PAYLOAD_FIELDS)]
    problems += [f"payload.{k}: missing" for k in sorted(_PAYLOAD_FIELDS - set(payload))]
    if "version" in payload and payload["version"] != 1:
        problems.append("payload.version: this verifier reads version 1")
    if "serial" in payload and not (isinstance(payload["serial"], str) and _SERIAL.match(payload["serial"])):
        problems.append("payload.serial: must be a receipt serial CL-YYYYMM-XXXXX")
    if "keyId" in payload and not (isinstance(payload["keyId"], str) and _KEY_ID.match(payload["keyId"])):
        problems.append("payload.keyId: must be a key id (43 base64url characters)")
    if "issuedAt" in payload and not (isinstance(payload["issuedAt"], str) and _INSTANT.match(payload["issuedAt"])):
        problems.append("payload.issuedAt: must be a UTC instant as YYYY-MM-DDTHH:MM:SS.sssZ")
    return problems[:5]


def _verify_log(log: Any, payload_sha256: str, keys: Sequence[Mapping[str, Any]]) -> Optional[str]:
    if not isinstance(log, Mapping):
        return "log is not an object"
    index, tree_size, proof, note = log.get("index"), log.get("treeSize"), log.get("inclusionProof"), log.get("checkpoint")
    if not isinstance(index, int) or isinstance(index, bool) or not isinstance(tree_size, int) or isinstance(tree_size, bool):
        return "log.index and log.treeSize must be integers"
    if not isinstance(proof, list) or not all(isinstance(h, str) and _HASH_B64.match(h) for h in proof):
        return "log.inclusionProof must be base64 SHA-256 hashes"
    if not isinstance(note, str):
        return "log.checkpoint must be signed-note text"
    log_keys = [k for k in keys if k.get("purpose") == "log"]
    if not log_keys:
        return 'no pinned log key (purpose "log") to check the checkpoint with'
    # The signed-note key name is only a label: trust is in the pinned key, so when a JWK carries no verifier key
    # one is derived from each signature line's name and the pinned public key.
    errors: List[str] = []
    checkpoint = None
    for key in log_keys:
        if key.get("revokedAt"):
            errors.append(f"log key {key.get('kid')} is revoked")
            continue
        raw = decode_base64url(str(key["x"]), PUBLIC_KEY_BYTES) or b""
        candidates: List[str] = [key["verifierKey"]] if isinstance(key.get("verifierKey"), str) else []
        if not candidates:
            for name in signature_names(note):
                try:
                    candidates.append(format_verifier_key(name, raw))
                except ValueError:
                    pass
        checkpoint, reasons = first_checkpoint(note, candidates)
        errors += reasons
        if checkpoint:
            break
    if checkpoint is None:
        return f"checkpoint not signed by a pinned log key ({'; '.join(dict.fromkeys(errors)) or 'no signature line'})"
    if checkpoint.tree_size != tree_size:
        return f"checkpoint is for tree size {checkpoint.tree_size}, the proof for {tree_size}"
    hashes = [base64.b64decode(h) for h in proof]
    if not verify_inclusion(leaf_hash_of_payload(payload_sha256), index, tree_size, hashes, checkpoint.root):
        return f"inclusion proof does not place this receipt at index {index} of the checkpoint's tree"
    return None


def verify_receipt(receipt: Mapping[str, Any], keys: Keys, *, skip_log: bool = False) -> ReceiptVerification:
    """Verifies a receipt offline against pinned keys.

    `receipt` is what `client.receipts.get(id)` or `client.receipts.lookup(serial, code=...)` answers (or a saved
    file of either): at least `payload` and `signature`. `keys` is the JWK Set of GET /public/keys, pinned. The log
    proof, when the receipt carries one, is checked against a pinned log key unless `skip_log`.
    """
    result = ReceiptVerification()

    def fail(reason: str) -> ReceiptVerification:
        result.failures.append(reason)
        return result

    untrusted: object = receipt  # often straight from json.load: the annotation is a hope, not a check
    if not isinstance(untrusted, Mapping):
        return fail("the receipt is not a JSON object")
    payload, signature = receipt.get("payload"), receipt.get("signature")
    if not isinstance(payload, Mapping):
        return fail("the receipt has no payload object")
    if not isinstance(signature, str):
        return fail("the receipt has no signature")
    pinned, problems = read_pinned_keys(keys)
    result.warnings += [f"pinned key ignored: {p}" for p in problems]

    result.failures += _payload_shape(payload)
    key_id = payload.get("keyId") if isinstance(payload.get("keyId"), str) else None
    result.key_id = key_id
    result.serial = payload.get("serial") if isinstance(payload.get("serial"), str) else None
    if "keyId" in receipt and receipt["keyId"] != key_id:
        result.failures.append(f"keyId {receipt['keyId']!r} differs from the payload's signed keyId {key_id!r}")
    if "serial" in receipt and receipt["serial"] != result.serial:
        result.failures.append("serial differs from the payload's signed serial")

    key = next((k for k in pinned if k.get("kid") == key_id), None)
    if key is None:
        return fail(f"signing key {key_id!r} is not among the pinned keys")
    if key.get("purpose") is not None and key.get("purpose") != "receipt":
        result.failures.append(f"key {key.get('kid')} is a {key.get('purpose')} key, not a receipt key")

    try:
        canonical = canonicalize(dict(payload))
    except CanonicalizationError as err:
        return fail(f"signature: payload cannot be canonicalized: {err}")
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    result.payload_sha256 = digest.hex()
    sig = decode_base64url(signature, SIGNATURE_BYTES)
    if sig is None:
        result.failures.append("signature: signature is not 64 bytes of base64url")
    else:
        problem = strict_problem(digest, sig, decode_base64url(str(key["x"]), PUBLIC_KEY_BYTES) or b"")
        if problem:
            result.failures.append(f"signature: {problem}")
    if isinstance(receipt.get("payloadSha256"), str) and receipt["payloadSha256"] != result.payload_sha256:
        result.failures.append("payloadSha256 in the receipt is not the SHA-256 of the payload's canonical form")
    if isinstance(receipt.get("canonical"), str) and receipt["canonical"] != canonical:
        result.failures.append("canonical in the receipt is not the canonical form of the payload")
    if isinstance(payload.get("issuedAt"), str):
        status, message = key_verdict(key, payload["issuedAt"])
        if status == "invalid" and message:
            result.failures.append(message)
        if status == "valid-with-warning" and message:
            result.warnings.append(message)

    if receipt.get("log") is not None:
        if skip_log:
            result.log = "skipped"
            result.warnings.append("log inclusion not checked (skip_log)")
        else:
            problem = _verify_log(receipt["log"], result.payload_sha256, pinned)
            result.log = "failed" if problem else "verified"
            if problem:
                result.failures.append(f"log: {problem}")
    result.is_valid = not result.failures
    return result

