"""RFC 8785 JSON Canonicalization Scheme (JCS): the exact text a receipt signature covers.

Numbers are IEEE 754 doubles serialized as ECMAScript's Number::toString (RFC 8785 section 3.2.2.3); Python's repr
of a float is the same shortest round-tripping digit string, laid out here by ECMAScript's rules. Property names
sort by UTF-16 code units. Anything JCS cannot represent (NaN, infinities, lone surrogates, non-JSON types) raises
CanonicalizationError rather than producing text nobody else would hash.
"""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal
from typing import Any, Dict, List

__all__ = ["CanonicalizationError", "canonicalize", "canonical_sha256", "serialize_number"]


class CanonicalizationError(ValueError):
    pass


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(value: str, path: str) -> str:
    out: List[str] = ['"']
    for ch in value:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            # json.loads joins a valid surrogate pair into one character, so any surrogate left is a lone one:
            # not Unicode, no UTF-8 encoding, refused by RFC 8785.
            raise CanonicalizationError(f"{path}: string holds a lone surrogate")
        escaped = _ESCAPES.get(ch)
        if escaped is not None:
            out.append(escaped)
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def serialize_number(value: float) -> str:
    """ECMAScript Number::toString of a double (RFC 8785 section 3.2.2.3)."""
    if not math.isfinite(value):
        raise CanonicalizationError(f"{value!r} is not a JSON number")
    if value == 0:
        return "0"  # -0 too
    if value < 0:
        return "-" + serialize_number(-value)
    _, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    digits = stripped
    k = len(digits)
    n = exponent + k  # the value is 0.<digits> x 10^n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def _number(value: Any, path: str) -> str:
    if isinstance(value, int):
        # JSON numbers are doubles (what JSON.parse gives the signer): a big integer is rounded the same way.
        try:
            value = float(value)
        except OverflowError as err:
            raise CanonicalizationError(f"{path}: {value} is beyond a double") from err
    try:
        return serialize_number(value)
    except CanonicalizationError as err:
        raise CanonicalizationError(f"{path}: {err}") from None


def _utf16_key(name: str) -> bytes:
    return name.encode("utf-16-be", errors="surrogatepass")


def _serialize(value: Any, path: str) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _string(value, path)
    if isinstance(value, (int, float)):
        return _number(value, path)
    if isinstance(value, list):
        return "[" + ",".join(_serialize(item, f"{path}[{i}]") for i, item in enumerate(value)) + "]"
    if isinstance(value, dict):
        obj: Dict[Any, Any] = value
        for key in obj:
            if not isinstance(key, str):
                raise CanonicalizationError(f"{path}: property name {key!r} is not a string")
        keys = sorted(obj, key=_utf16_key)
        return "{" + ",".join(f"{_string(k, f'{path}.{k}')}:{_serialize(obj[k], f'{path}.{k}')}" for k in keys) + "}"
    raise CanonicalizationError(f"{path}: a {type(value).__name__} is not a JSON value")


def canonicalize(value: Any) -> str:
    """The RFC 8785 canonical form of a JSON value (as json.loads returns it)."""
    return _serialize(value, "$")


def canonical_sha256(value: Any) -> bytes:
    """SHA-256 of the canonical form's UTF-8 bytes: the 32 bytes a receipt signature covers."""
    return hashlib.sha256(canonicalize(value).encode("utf-8")).digest()
