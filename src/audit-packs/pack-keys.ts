import type { PublicSigningKey } from '../../contracts/signing-keys';

/**
 * Key files of an audit pack, in the forms recalculate.mjs reads. Keys come from GET /public/keys
 * (SigningKeyService.publicKeys()); the script checks each `kid` is the RFC 7638 thumbprint of its `x` and prints
 * the key ids so an auditor can compare them with the published set.
 */

/**
 * Pack-level JWK Set: the manifest's signing key (plus, for convenience, the receipt and log keys the pack uses).
 * Needed because a month without receipts has no receipts/<serial>/public-key.txt to find the manifest key in, and
 * after a rotation the manifest key differs from the receipts' keys.
 */
export const PACK_KEYS_FILE = 'public-keys.json';

/** receipts/<serial>/public-key.txt: the receipt's signing key as one JWK, exactly as GET /public/keys lists it. */
export function publicKeyFileText(key: PublicSigningKey): string {
  return `${JSON.stringify(key, null, 2)}\n`;
}

/** public-keys.json: a JWK Set (`{ "keys": [...] }`) of distinct keys, in the order given. */
export function packKeySetText(keys: readonly PublicSigningKey[]): string {
  const seen = new Set<string>();
  const distinct = keys.filter((k) => (seen.has(k.kid) ? false : (seen.add(k.kid), true)));
  return `${JSON.stringify({ keys: distinct }, null, 2)}\n`;
}
