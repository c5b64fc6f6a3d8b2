"""RFC 8785 against the shared conformance vectors, plus the failures JCS requires."""

from __future__ import annotations

import hashlib
import json
import math
import struct
from typing import Any

import pytest

from carbonplan_ai import CanonicalizationError, canonicalize
from carbonplan_ai.verify import canonical_sha256
from carbonplan_ai.verify.canonical_json import serialize_number
from conftest import read_vectors


@pytest.mark.parametrize("case", read_vectors("jcs-rfc8785.json"), ids=lambda c: str(c["name"]))
def test_matches_the_rfc_8785_vectors(case: Any) -> None:
    assert canonicalize(json.loads(case["input"])) == case["expected"]


@pytest.mark.parametrize("case", read_vectors("number-serialization.json"), ids=lambda c: str(c["ieee_hex"]))
def test_serializes_numbers_as_ecmascript(case: Any) -> None:
    value = struct.unpack(">d", bytes.fromhex(case["ieee_hex"]))[0]
    if case["expected"] is None:
        with pytest.raises(CanonicalizationError):
            serialize_number(value)
    else:
        assert serialize_number(value) == case["expected"]


def test_sorts_property_names_by_utf16_code_units_not_code_points() -> None:
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB01 in UTF-16 but after it by code point.
    value = {"\ufb01": 1, "\U0001f600": 2, "a": 3}
    assert canonicalize(value) == '{"a":3,"\U0001f600":2,"\ufb01":1}'


def test_escapes_only_what_ecmascript_escapes() -> None:
    assert canonicalize({"s": "\u0000\u001f\"\\/\u007f\u00e9\n"}) == '{"s":"\\u0000\\u001f\\"\\\\/\u007f\u00e9\\n"}'


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "\ud800", {"k": ["\udc00"]}, {1: "x"}, {"k": {1, 2}}, b"bytes", 10**400])
def test_refuses_what_jcs_cannot_represent(value: Any) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize(value)


def test_integers_are_doubles_as_the_signer_parsed_them() -> None:
    assert canonicalize([1, -0.0, 1e21, 2**53 + 1, True, None]) == "[1,0,1e+21,9007199254740992,true,null]"


def test_digest_is_sha256_of_the_utf8_canonical_text() -> None:
    value = {"b": "\u00e9", "a": 1}
    assert canonical_sha256(value) == hashlib.sha256('{"a":1,"b":"\u00e9"}'.encode("utf-8")).digest()
