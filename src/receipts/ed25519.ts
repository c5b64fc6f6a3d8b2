import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { canonicalize } from './canonical-json';

/**
 * Ed25519 for receipts: tweetnacl signs (deterministic, identical bytes to node:crypto); node:crypto does the curve
 * arithmetic of verification, behind the checks both leave out (RFC 8032 section 5.1.7 read strictly, as libsodium and
 * ed25519-dalek's verify_strict do): S < L, canonical encodings of A and R, and no small-order A or R. tweetnacl 1.0.3
 * is never used to verify: it accepts S + L (malleable) and non-canonical keys.
 */

/** The group order L = 2^252 + 27742317777372353535851937790883648493. */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
/** The field prime p = 2^255 - 19. */
const P = (1n << 255n) - 19n;
/**
 * y coordinates of the eight small-order points (8P = identity): y = 1 (identity), y = p - 1 (order 2), y = 0
 * (order 4, x = ±sqrt(-1)) and the two y values of the order-8 points (libsodium's blocklist in has_small_order).
 */
const SMALL_ORDER_Y = new Set<bigint>([
  0n, 1n, P - 1n,
  littleEndian(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex')),
  littleEndian(Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex')),
]);
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/** Why a point encoding is refused, or null when it is canonical and not of small order. */
export function pointEncodingProblem(encoded: Uint8Array): string | null {
  if (encoded.length !== 32) return 'not 32 bytes';
  const copy = Uint8Array.from(encoded);
  const signBit = copy[31] >> 7;
  copy[31] &= 0x7f;
  const y = littleEndian(copy);
  if (y >= P) return 'non-canonical encoding (y >= p)';
  // x = 0 exactly when y = ±1; RFC 8032 5.1.3 step 4: x = 0 with the sign bit set must fail to decode.
  if (signBit === 1 && (y === 1n || y === P - 1n)) return 'non-canonical encoding (x = 0 with the sign bit set)';
  if (SMALL_ORDER_Y.has(y)) return 'point of small order';
  return null;
}

/** Why a signature is refused before any curve arithmetic, or null. */
export function signatureEncodingProblem(signature: Uint8Array): string | null {
  if (signature.length !== SIGNATURE_BYTES) return `signature is not ${SIGNATURE_BYTES} bytes`;
  if (littleEndian(signature.subarray(32)) >= L) return 'S is not below the group order L (malleable signature)';
  const r = pointEncodingProblem(signature.subarray(0, 32));
  return r ? `R: ${r}` : null;
}

const keyObjects = new Map<string, KeyObject>();

/** A node:crypto public key for raw 32 bytes (cached: importing costs more than verifying). */
function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString('hex');
  let key = keyObjects.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    if (keyObjects.size >= 1024) keyObjects.clear();
    keyObjects.set(id, key);
  }
  return key;
}

export type StrictVerdict = { valid: true } | { valid: false; reason: string };

/** Strict Ed25519 verification of `message` (any bytes) under a raw 32-byte public key, with the reason when refused. */
export function verifyStrictDetailed(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): StrictVerdict {
  if (publicKey.length !== PUBLIC_KEY_BYTES) return { valid: false, reason: `public key is not ${PUBLIC_KEY_BYTES} bytes` };
  const a = pointEncodingProblem(publicKey);
  if (a) return { valid: false, reason: `public key: ${a}` };
  const s = signatureEncodingProblem(signature);
  if (s) return { valid: false, reason: s };
  try {
    // Cofactorless [S]B = R + [k]A; OpenSSL refuses undecodable points.
    if (cryptoVerify(null, message, publicKeyObject(publicKey), signature)) return { valid: true };
  } catch {
    return { valid: false, reason: 'public key or R does not decode to a curve point' };
  }
  return { valid: false, reason: 'signature does not match' };
}

export function verifyStrict(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  return verifyStrictDetailed(message, signature, publicKey).valid;
}

export interface Ed25519KeyPair {
  /** Raw 32 bytes. */
  publicKey: Uint8Array;
  /** tweetnacl's 64 bytes: the 32-byte seed followed by the public key. */
  secretKey: Uint8Array;
}

export function generateKeyPair(): Ed25519KeyPair {
  return nacl.sign.keyPair();
}

export function keyPairFromSeed(seed: Uint8Array): Ed25519KeyPair {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  return nacl.sign.keyPair.fromSeed(seed);
}

/** Detached signature of arbitrary bytes (the RFC 8032 vectors go through here). */
export function signBytes(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== 64) throw new RangeError('a tweetnacl secret key is 64 bytes (seed ‖ public key)');
  return nacl.sign.detached(message, secretKey);
}

export interface SignedPayload {
  /** The RFC 8785 form that was hashed. */
  canonical: string;
  /** SHA-256 of its UTF-8 bytes, lowercase hex. */
  payloadSha256: string;
  /** Ed25519 over the 32 raw digest bytes, base64url without padding. */
  signature: string;
}

/** SHA-256 of the canonical form: the 32 bytes a receipt signature covers. */
export function payloadDigest(payload: unknown): { canonical: string; digest: Buffer } {
  const canonical = canonicalize(payload);
  return { canonical, digest: createHash('sha256').update(canonical, 'utf8').digest() };
}

/** Signs a payload: Ed25519 over SHA-256 of its canonical form (the message is the raw digest, not its hex). */
export function signPayload(payload: unknown, secretKey: Uint8Array): SignedPayload {
  const { canonical, digest } = payloadDigest(payload);
  return { canonical, payloadSha256: digest.toString('hex'), signature: Buffer.from(signBytes(digest, secretKey)).toString('base64url') };
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Strict base64url (no padding, no other alphabet): Buffer.from would silently skip bad characters. */
export function decodeBase64Url(text: string, expectedBytes?: number): Uint8Array | null {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) return null;
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) return null;
  return bytes;
}

/** Verifies a payload signature made by signPayload, recomputing the canonical form from the payload itself. */
export function verifyPayloadSignature(payload: unknown, signature: string, publicKey: Uint8Array): StrictVerdict & { payloadSha256?: string } {
  let digest: Buffer;
  try {
    digest = payloadDigest(payload).digest;
  } catch (err) {
    return { valid: false, reason: `payload cannot be canonicalized: ${(err as Error).message}` };
  }
  const sig = decodeBase64Url(signature, SIGNATURE_BYTES);
  if (!sig) return { valid: false, reason: 'signature is not 64 bytes of base64url' };
  return { ...verifyStrictDetailed(digest, sig, publicKey), payloadSha256: digest.toString('hex') };
}
