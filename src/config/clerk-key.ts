import { createPublicKey } from 'node:crypto';

/**
 * Clerk's networkless verification only works with a 2048-bit RSA key (e = 65537): the SDK strips a fixed
 * SPKI prefix, so any other key silently rejects every token. Refuse such a key at start-up instead.
 * Returns an error message, or undefined when the key is usable.
 */
export function checkClerkJwtKey(pem: string): string | undefined {
  try {
    const key = createPublicKey(pem.replace(/\\n/g, '\n'));
    const details = key.asymmetricKeyDetails;
    if (key.asymmetricKeyType !== 'rsa') return `must be an RSA public key, got ${key.asymmetricKeyType}`;
    if (details?.modulusLength !== 2048) return `must be a 2048-bit RSA key (Clerk verifies only those), got ${details?.modulusLength} bits`;
    if (details.publicExponent !== 65537n) return 'must use public exponent 65537';
    return undefined;
  } catch {
    return 'is not a PEM public key (copy it from Clerk Dashboard → API keys → JWT public key)';
  }
}
