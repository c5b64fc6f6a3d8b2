import { ReceiptPayload } from '../../contracts/receipts';
import { decodeBase64Url, PUBLIC_KEY_BYTES, verifyPayloadSignature } from './ed25519';
import { keyVerdictAt } from './key-validity';
import { CheckpointError, formatVerifierKey, parseAndVerifyCheckpoint } from '../transparency-log/checkpoint';
import { leafHashOfPayload, verifyInclusion } from '../transparency-log/merkle';
import { createHash } from 'node:crypto';

/**
 * Offline receipt verification, as the bin and the SDK run it. Trust comes only from the pinned keys: the file's
 * `canonical`, `payloadSha256`, `publicKey` and `valid` are never believed, only compared with what is recomputed
 * from `payload`.
 */

/** A pinned key: the JWK Set members we read. Validity dates are optional (a hand-pinned key may lack them). */
export interface PinnedKey {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  purpose?: string;
  createdAt?: string | null;
  retiredAt?: string | null;
  revokedAt?: string | null;
  verifierKey?: string;
}

export interface ReceiptVerification {
  isValid: boolean;
  serial?: string;
  keyId?: string;
  payloadSha256?: string;
  /** Every reason the receipt is refused (empty when valid). */
  failures: string[];
  warnings: string[];
  /** 'verified' | 'absent' | 'skipped' | 'failed' */
  log: 'verified' | 'absent' | 'skipped' | 'failed';
}

export interface VerifyOptions {
  isLogSkipped?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const thumbprint = (x: string) => createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`, 'utf8').digest('base64url');

/** Reads a JWK Set (`{ keys: [...] }`), keeping only well-formed Ed25519 keys whose kid is their RFC 7638 thumbprint. */
export function readPinnedKeys(set: unknown): { keys: PinnedKey[]; problems: string[] } {
  if (!isObject(set) || !Array.isArray(set.keys)) return { keys: [], problems: ['the key file is not a JWK Set ({ "keys": [...] })'] };
  const keys: PinnedKey[] = [];
  const problems: string[] = [];
  for (const [i, k] of set.keys.entries()) {
    if (!isObject(k) || k.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.x !== 'string' || typeof k.kid !== 'string') {
      problems.push(`keys[${i}] is not an Ed25519 OKP JWK with x and kid`);
      continue;
    }
    if (!decodeBase64Url(k.x, PUBLIC_KEY_BYTES)) { problems.push(`keys[${i}].x is not 32 bytes of base64url`); continue; }
    if (thumbprint(k.x) !== k.kid) { problems.push(`keys[${i}].kid is not the RFC 7638 thumbprint of its x`); continue; }
    keys.push(k as unknown as PinnedKey);
  }
  return { keys, problems };
}

function verifyLog(log: unknown, payloadSha256: string, keys: PinnedKey[]): string | null {
  if (!isObject(log)) return 'log is not an object';
  const { index, treeSize, inclusionProof, checkpoint } = log;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize)) return 'log.index and log.treeSize must be integers';
  if (!Array.isArray(inclusionProof) || !inclusionProof.every((h) => typeof h === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(h))) return 'log.inclusionProof must be base64 SHA-256 hashes';
  if (typeof checkpoint !== 'string') return 'log.checkpoint must be signed-note text';
  const logKeys = keys.filter((k) => k.purpose === 'log');
  if (logKeys.length === 0) return 'no pinned log key (purpose "log") to check the checkpoint with';
  // The signed-note key name is only a label: the trust is in the pinned public key, so a verifier key is derived
  // from each signature line's name and each pinned log key when the JWK does not carry its own.
  const names = [...checkpoint.matchAll(/^\u2014 (\S+) \S+$/gmu)].map((m) => m[1]);
  let parsed: ReturnType<typeof parseAndVerifyCheckpoint> | null = null;
  const errors: string[] = [];
  for (const key of logKeys) {
    if (key.revokedAt) { errors.push(`log key ${key.kid} is revoked`); continue; }
    const candidates = key.verifierKey ? [key.verifierKey] : names.flatMap((n) => { try { return [formatVerifierKey(n, Buffer.from(key.x, 'base64url'))]; } catch { return []; } });
    for (const vkey of candidates) {
      try {
        parsed = parseAndVerifyCheckpoint(checkpoint, vkey);
        break;
      } catch (err) {
        errors.push(err instanceof CheckpointError ? err.message : String(err));
      }
    }
    if (parsed) break;
  }
  if (!parsed) return `checkpoint not signed by a pinned log key (${[...new Set(errors)].join('; ') || 'no signature line'})`;
  if (parsed.treeSize !== treeSize) return `checkpoint is for tree size ${parsed.treeSize}, the proof for ${String(treeSize)}`;
  const proof = inclusionProof.map((h) => Buffer.from(h as string, 'base64'));
  if (!verifyInclusion(leafHashOfPayload(payloadSha256), index as number, treeSize as number, proof, parsed.root)) {
    return `inclusion proof does not place this receipt at index ${String(index)} of the checkpoint's tree`;
  }
  return null;
}

/** Verifies a receipt file (the verify endpoint's JSON) against pinned keys. */
export function verifyReceiptFile(file: unknown, pinned: PinnedKey[], options: VerifyOptions = {}): ReceiptVerification {
  const result: ReceiptVerification = { isValid: false, failures: [], warnings: [], log: 'absent' };
  const fail = (reason: string) => { result.failures.push(reason); return result; };
  if (!isObject(file)) return fail('the receipt file is not a JSON object');
  const { payload, signature } = file;
  if (!isObject(payload)) return fail('the receipt file has no payload object');
  if (typeof signature !== 'string') return fail('the receipt file has no signature');

  const contract = ReceiptPayload.safeParse(payload);
  if (!contract.success) {
    for (const issue of contract.error.issues.slice(0, 5)) result.failures.push(`payload.${issue.path.join('.')}: ${issue.message}`);
  }
  const keyId = typeof payload.keyId === 'string' ? payload.keyId : undefined;
  result.keyId = keyId;
  result.serial = typeof payload.serial === 'string' ? payload.serial : undefined;
  if (file.keyId !== undefined && file.keyId !== keyId) result.failures.push(`keyId ${JSON.stringify(file.keyId)} differs from the payload's signed keyId ${JSON.stringify(keyId)}`);
  if (file.serial !== undefined && file.serial !== result.serial) result.failures.push('serial differs from the payload\'s signed serial');

  const key = pinned.find((k) => k.kid === keyId);
  if (!key) return fail(`signing key ${JSON.stringify(keyId)} is not among the pinned keys`);
  if (key.purpose !== undefined && key.purpose !== 'receipt') result.failures.push(`key ${key.kid} is a ${key.purpose} key, not a receipt key`);

  const verdict = verifyPayloadSignature(payload, signature, Buffer.from(key.x, 'base64url'));
  result.payloadSha256 = verdict.payloadSha256;
  if (!verdict.valid) result.failures.push(`signature: ${verdict.reason}`);
  if (verdict.payloadSha256 && typeof file.payloadSha256 === 'string' && file.payloadSha256 !== verdict.payloadSha256) {
    result.failures.push('payloadSha256 in the file is not the SHA-256 of the payload\'s canonical form');
  }
  if (typeof file.canonical === 'string' && verdict.payloadSha256 && createHash('sha256').update(file.canonical, 'utf8').digest('hex') !== verdict.payloadSha256) {
    result.failures.push('canonical in the file is not the canonical form of the payload');
  }
  if (typeof payload.issuedAt === 'string') {
    const window = keyVerdictAt({ createdAt: key.createdAt ?? new Date(0), retiredAt: key.retiredAt ?? null, revokedAt: key.revokedAt ?? null }, payload.issuedAt);
    if (window.status === 'invalid') result.failures.push(window.reason);
    if (window.status === 'valid-with-warning') result.warnings.push(window.warning);
  }

  if (file.log !== undefined && file.log !== null) {
    if (options.isLogSkipped) {
      result.log = 'skipped';
      result.warnings.push('log inclusion not checked (--skip-log)');
    } else if (!verdict.payloadSha256) {
      result.log = 'failed';
      result.failures.push('log not verified: the payload has no digest');
    } else {
      const problem = verifyLog(file.log, verdict.payloadSha256, pinned);
      result.log = problem ? 'failed' : 'verified';
      if (problem) result.failures.push(`log: ${problem}`);
    }
  }
  result.isValid = result.failures.length === 0;
  return result;
}
