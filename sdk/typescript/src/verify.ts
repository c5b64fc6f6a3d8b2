import { readPinnedKeys, verifyReceiptFile, type PinnedKey, type ReceiptVerification, type VerifyOptions } from '../../../src/receipts/verify-receipt';

export type { PinnedKey, ReceiptVerification, VerifyOptions };

/**
 * Verifies a receipt offline with the code `carbonplan-verify` runs: the file (the public verify JSON with its code,
 * or `receipts.get()`'s detail) against pinned keys (a JWK Set as GET /public/keys serves it, or its `keys` array).
 * Nothing in the file is trusted; keys whose kid is not their thumbprint are ignored, with a warning.
 */
export function verifyReceipt(receipt: unknown, keys: { keys: readonly unknown[] } | readonly unknown[], options: VerifyOptions = {}): ReceiptVerification {
  const set = Array.isArray(keys) ? { keys } : keys;
  const { keys: pinned, problems } = readPinnedKeys(set);
  const result = verifyReceiptFile(receipt, pinned, options);
  return problems.length === 0 ? result : { ...result, warnings: [...result.warnings, ...problems.map((p) => `${p} (ignored)`)] };
}
