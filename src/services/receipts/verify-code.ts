import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { CROCKFORD_ALPHABET } from '../../receipts/serial';

const INFO = 'carbonplan receipt verify code v1';
const CODE_CHARS = 20; // 100 bits: serials are five characters and can be enumerated, codes cannot.

/** Anything that can derive the per-key secret (SigningKeyService.derivedSecret). */
export interface VerifySecretSource { derivedSecret(keyId: string, info: string): Promise<Buffer> }

function base32(bytes: Buffer, chars: number): string {
  let out = '';
  let acc = 0n;
  for (const b of bytes) acc = (acc << 8n) | BigInt(b);
  const bits = BigInt(bytes.length * 8);
  for (let i = 1; i <= chars; i++) out += CROCKFORD_ALPHABET[Number((acc >> (bits - BigInt(i * 5))) & 31n)];
  return out;
}

/**
 * The verification code printed on a receipt: unguessable (HMAC of the serial under a secret derived from the
 * signing key's seed), so the owner's API can show it again at any time while the database keeps only its SHA-256,
 * which is all the public verify endpoint needs.
 */
export async function verifyCodeFor(source: VerifySecretSource, keyId: string, serial: string): Promise<string> {
  const secret = await source.derivedSecret(keyId, INFO);
  return base32(createHmac('sha256', secret).update(serial, 'utf8').digest(), CODE_CHARS);
}

export const hashVerifyCode = (code: string): string => createHash('sha256').update(code, 'utf8').digest('hex');

/** Constant-time comparison of a presented code with the stored hash; a missing hash never matches. */
export function isVerifyCodeMatch(presented: string | undefined, storedSha256: string | null): boolean {
  if (!presented || !storedSha256) return false;
  const a = Buffer.from(hashVerifyCode(presented.trim().toUpperCase()), 'hex');
  const b = Buffer.from(storedSha256, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
