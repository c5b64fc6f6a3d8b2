"""The public log's proofs, checked offline: C2SP signed-note checkpoints (Ed25519, strict) and RFC 9162 inclusion."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence

from .ed25519 import verify_strict

ED25519_TYPE = 0x01
EM_DASH = "\u2014"
MAX_SIGNATURES = 100
_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")
_SIGNATURE_LINE = re.compile(f"^{EM_DASH} (\\S+) (\\S+)$")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class CheckpointError(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root: bytes


def note_key_id(name: str, public_key: bytes) -> bytes:
    """Signed-note key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + bytes([0x0A, ED25519_TYPE]) + public_key).digest()[:4]


def _check_name(name: str) -> None:
    if not name or re.search(r"[\s+]", name) or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in name):
        raise CheckpointError("key name must be non-empty, without spaces, '+' or control characters")


def format_verifier_key(name: str, public_key: bytes) -> str:
    _check_name(name)
    if len(public_key) != 32:
        raise CheckpointError("an Ed25519 public key is 32 bytes")
    key = base64.b64encode(bytes([ED25519_TYPE]) + public_key).decode("ascii")
    return f"{name}+{note_key_id(name, public_key).hex()}+{key}"


def _parse_verifier_key(vkey: str) -> tuple[str, bytes, bytes]:
    match = re.match(r"^([^+]*)\+([^+]*)\+(.*)$", vkey, re.S)
    if not match:
        raise CheckpointError("verifier key must be <name>+<hex key ID>+<base64 key>")
    name, id_hex, key_b64 = match.groups()
    _check_name(name)
    if not re.match(r"^[0-9a-f]{8}$", id_hex):
        raise CheckpointError("verifier key ID must be 8 lowercase hex digits")
    if not _BASE64.match(key_b64):
        raise CheckpointError("verifier key is not base64")
    key = base64.b64decode(key_b64)
    if len(key) != 33 or key[0] != ED25519_TYPE:
        raise CheckpointError("verifier key is not an Ed25519 (type 0x01) key")
    public_key = key[1:]
    key_id = bytes.fromhex(id_hex)
    if key_id != note_key_id(name, public_key):
        raise CheckpointError("verifier key ID does not match its name and key")
    return name, key_id, public_key


def _parse_body(text: str) -> Checkpoint:
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint body needs origin, size and root lines")
    origin, size_line, root_line = lines[0], lines[1], lines[2]
    if not origin:
        raise CheckpointError("checkpoint origin is empty")
    if not re.match(r"^(0|[1-9][0-9]*)$", size_line) or int(size_line) > 2**53 - 1:
        raise CheckpointError("checkpoint tree size is not a decimal without leading zeros")
    if not _BASE64.match(root_line):
        raise CheckpointError("checkpoint root is not base64")
    root = base64.b64decode(root_line)
    if len(root) != 32:
        raise CheckpointError("checkpoint root is not 32 bytes")
    return Checkpoint(origin, int(size_line), root)


def parse_and_verify_checkpoint(note: str, verifier_key: str) -> Checkpoint:
    """Signed-note rules: other keys' signatures are ignored; a failing signature by the trusted key, or none, rejects."""
    name, key_id, public_key = _parse_verifier_key(verifier_key)
    if not note.endswith("\n"):
        raise CheckpointError("a signed note ends with a newline")
    if _CONTROL.search(note):
        raise CheckpointError("a signed note has no control characters besides newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise CheckpointError("a signed note has a blank line before its signatures")
    text = note[: split + 1]
    lines = note[split + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError("too many signature lines")
    is_verified = False
    for line in lines:
        match = _SIGNATURE_LINE.match(line)
        if not match:
            raise CheckpointError("malformed signature line")
        sig_name, sig_b64 = match.groups()
        if not _BASE64.match(sig_b64):
            raise CheckpointError("signature is not base64")
        sig = base64.b64decode(sig_b64)
        if len(sig) < 5:
            raise CheckpointError("signature too short")
        if sig_name != name or sig[:4] != key_id:
            continue
        if len(sig) != 4 + 64 or not verify_strict(text.encode("utf-8"), sig[4:], public_key):
            raise CheckpointError(f"signature by {sig_name} does not verify")
        is_verified = True
    if not is_verified:
        raise CheckpointError(f"no signature by {name}+{key_id.hex()}")
    return _parse_body(text)


def signature_names(note: str) -> List[str]:
    return re.findall(f"^{EM_DASH} (\\S+) \\S+$", note, re.M)


def hash_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def leaf_hash_of_payload(payload_sha256_hex: str) -> bytes:
    """The log's leaf: the 32 raw bytes of the payload digest (never its hex text)."""
    return hash_leaf(bytes.fromhex(payload_sha256_hex))


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if index < 0 or index >= tree_size or len(leaf_hash) != 32 or len(root) != 32 or any(len(p) != 32 for p in proof):
        return False
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = hash_children(p, r)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            r = hash_children(r, p)
        fn //= 2
        sn //= 2
    return sn == 0 and r == root


def first_checkpoint(note: str, verifier_keys: Sequence[str]) -> tuple[Optional[Checkpoint], List[str]]:
    """The checkpoint as verified by the first verifier key that accepts it, and the reasons of those that did not."""
    errors: List[str] = []
    for vkey in verifier_keys:
        try:
            return parse_and_verify_checkpoint(note, vkey), errors
        except CheckpointError as err:
            errors.append(str(err))
    return None, errors
