"""Strict Ed25519 verification (RFC 8032 section 5.1.7 read strictly, as libsodium and ed25519-dalek's verify_strict):
S < L, canonical encodings of A and R, no small-order A or R, then the cofactorless equation, which `cryptography`
(OpenSSL) checks. OpenSSL alone accepts small-order and non-canonical keys, so those checks are made here first.
"""

from __future__ import annotations

import base64
import re
from typing import Optional

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["verify_strict", "strict_problem", "decode_base64url", "PUBLIC_KEY_BYTES", "SIGNATURE_BYTES"]

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
# The group order L and the field prime p.
L = (1 << 252) + 27742317777372353535851937790883648493
P = (1 << 255) - 19
# y of the eight small-order points: identity (1), order 2 (p - 1), order 4 (0) and the two order-8 values.
_SMALL_ORDER_Y = {
    0,
    1,
    P - 1,
    int.from_bytes(bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), "little"),
    int.from_bytes(bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), "little"),
}
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def point_problem(encoded: bytes) -> Optional[str]:
    """Why a point encoding is refused, or None when it is canonical and not of small order."""
    if len(encoded) != 32:
        return "not 32 bytes"
    sign = encoded[31] >> 7
    y = int.from_bytes(encoded[:31] + bytes([encoded[31] & 0x7F]), "little")
    if y >= P:
        return "non-canonical encoding (y >= p)"
    if sign == 1 and y in (1, P - 1):
        return "non-canonical encoding (x = 0 with the sign bit set)"
    if y in _SMALL_ORDER_Y:
        return "point of small order"
    return None


def strict_problem(message: bytes, signature: bytes, public_key: bytes) -> Optional[str]:
    """Why the signature is refused, or None when it verifies strictly."""
    if len(public_key) != PUBLIC_KEY_BYTES:
        return f"public key is not {PUBLIC_KEY_BYTES} bytes"
    a = point_problem(public_key)
    if a:
        return f"public key: {a}"
    if len(signature) != SIGNATURE_BYTES:
        return f"signature is not {SIGNATURE_BYTES} bytes"
    if int.from_bytes(signature[32:], "little") >= L:
        return "S is not below the group order L (malleable signature)"
    r = point_problem(signature[:32])
    if r:
        return f"R: {r}"
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return "signature does not match"
    except ValueError:
        return "public key or R does not decode to a curve point"
    return None


def verify_strict(message: bytes, signature: bytes, public_key: bytes) -> bool:
    return strict_problem(message, signature, public_key) is None


def decode_base64url(text: str, expected_bytes: Optional[int] = None) -> Optional[bytes]:
    """Strict base64url without padding (the decoder in `base64` would skip stray characters); None when malformed."""
    if not _BASE64URL.match(text) or len(text) % 4 == 1:
        return None
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if base64.urlsafe_b64encode(data).decode("ascii").rstrip("=") != text:
        return None
    if expected_bytes is not None and len(data) != expected_bytes:
        return None
    return data
