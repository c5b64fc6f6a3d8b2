"""Offline verification of carbon receipts: RFC 8785 canonical JSON, strict Ed25519, the public log's proofs."""

from .canonical_json import CanonicalizationError, canonical_sha256, canonicalize
from .receipt import ReceiptVerification, read_pinned_keys, verify_receipt

__all__ = ["CanonicalizationError", "ReceiptVerification", "canonical_sha256", "canonicalize", "read_pinned_keys", "verify_receipt"]
