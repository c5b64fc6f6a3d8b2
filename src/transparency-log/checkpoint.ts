import { createHash } from 'node:crypto';
import { verifyStrict } from '../receipts/ed25519';
import { HASH_SIZE } from './merkle';

/**
 * C2SP checkpoints (c2sp.org/tlog-checkpoint) as signed notes (c2sp.org/signed-note) with an Ed25519 key
 * (signature type 0x01). The signed message is the checkpoint body including its final newline. Signatures are
 * checked strictly (the receipts' verifier: S < L, canonical encodings, no small-order points).
 */

const ED25519_TYPE = 0x01;
const EM_DASH = '\u2014';
const MAX_SIGNATURES = 100;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** What the log needs from the signing-key service: an Ed25519 key of purpose 'log'. */
export interface LogSigner {
  /** Raw 32-byte Ed25519 public key of the key `sign` uses. */
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<{ keyId: string; signature: Uint8Array }>;
}

export interface Checkpoint { origin: string; treeSize: number; root: Buffer }

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

function checkKeyName(name: string): void {
  if (!name || /[\s+]/.test(name) || /\p{Cc}/u.test(name)) throw new CheckpointError('key name must be non-empty, without spaces, "+" or control characters');
}

/** Signed-note key ID of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pubkey)[:4]. */
export function noteKeyId(name: string, publicKey: Uint8Array): Buffer {
  return createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, ED25519_TYPE])).update(publicKey).digest().subarray(0, 4);
}

/** The C2SP verifier key `<name>+<hex key ID>+<base64(0x01 ‖ pubkey)>`, as published beside the receipt keys. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  checkKeyName(name);
  if (publicKey.length !== 32) throw new CheckpointError('an Ed25519 public key is 32 bytes');
  return `${name}+${noteKeyId(name, publicKey).toString('hex')}+${Buffer.concat([Buffer.from([ED25519_TYPE]), publicKey]).toString('base64')}`;
}

export interface VerifierKey { name: string; keyId: Buffer; publicKey: Buffer }

export function parseVerifierKey(vkey: string): VerifierKey {
  // The base64 key may itself contain '+': split at the first two only.
  const match = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(vkey);
  if (!match) throw new CheckpointError('verifier key must be <name>+<hex key ID>+<base64 key>');
  const [, name, idHex, keyB64] = match;
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new CheckpointError('verifier key ID must be 8 lowercase hex digits');
  if (!BASE64.test(keyB64)) throw new CheckpointError('verifier key is not base64');
  const key = Buffer.from(keyB64, 'base64');
  if (key.length !== 33 || key[0] !== ED25519_TYPE) throw new CheckpointError('verifier key is not an Ed25519 (type 0x01) key');
  const publicKey = key.subarray(1);
  const keyId = Buffer.from(idHex, 'hex');
  if (!keyId.equals(noteKeyId(name, publicKey))) throw new CheckpointError('verifier key ID does not match its name and key');
  return { name, keyId, publicKey };
}

/** The checkpoint body: origin, decimal size, base64 root, each ending in a newline (no extension lines). */
export function formatCheckpointBody({ origin, treeSize, root }: Checkpoint): string {
  if (!origin || origin.includes('\n') || /\p{Cc}/u.test(origin)) throw new CheckpointError('origin must be one non-empty line');
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) throw new CheckpointError('tree size must be a non-negative integer');
  if (root.length !== HASH_SIZE) throw new CheckpointError('root must be 32 bytes');
  return `${origin}\n${treeSize}\n${root.toString('base64')}\n`;
}

/** Signs the checkpoint with the log key named `keyName` (C2SP: the key name should equal the origin). */
export async function signCheckpoint(checkpoint: Checkpoint, keyName: string, signer: LogSigner): Promise<string> {
  checkKeyName(keyName);
  const body = formatCheckpointBody(checkpoint);
  const { signature } = await signer.sign(Buffer.from(body, 'utf8'));
  if (signature.length !== 64) throw new CheckpointError('an Ed25519 signature is 64 bytes');
  const note = `${body}\n${EM_DASH} ${keyName} ${Buffer.concat([noteKeyId(keyName, signer.publicKey), signature]).toString('base64')}\n`;
  // A key rotated between reading publicKey and signing would publish a note nobody can check: refuse it here.
  parseAndVerifyCheckpoint(note, formatVerifierKey(keyName, signer.publicKey));
  return note;
}

function parseBody(text: string): Checkpoint & { extensions: string[] } {
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointError('checkpoint body needs origin, size and root lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (!origin) throw new CheckpointError('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) throw new CheckpointError('checkpoint tree size is not a decimal without leading zeros');
  if (!BASE64.test(rootLine)) throw new CheckpointError('checkpoint root is not base64');
  const root = Buffer.from(rootLine, 'base64');
  if (root.length !== HASH_SIZE) throw new CheckpointError('checkpoint root is not 32 bytes');
  return { origin, treeSize: Number(sizeLine), root, extensions };
}

/**
 * Parses a signed checkpoint and checks it against one trusted verifier key (signed-note rules: signatures by other
 * keys are ignored, a failing signature by the trusted key rejects the note, and so does no signature by it).
 * `expectedOrigin`, when given, must equal the first line. Throws CheckpointError naming the problem.
 */
export function parseAndVerifyCheckpoint(noteText: string, verifierKey: string, expectedOrigin?: string): Checkpoint & { extensions: string[] } {
  const key = parseVerifierKey(verifierKey);
  if (!noteText.endsWith('\n')) throw new CheckpointError('a signed note ends with a newline');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(noteText)) throw new CheckpointError('a signed note has no control characters besides newline');
  const split = noteText.lastIndexOf('\n\n');
  if (split < 0) throw new CheckpointError('a signed note has a blank line before its signatures');
  const text = noteText.slice(0, split + 1);
  const signatureLines = noteText.slice(split + 2, -1).split('\n');
  if (signatureLines.length > MAX_SIGNATURES) throw new CheckpointError('too many signature lines');
  let isVerified = false;
  for (const line of signatureLines) {
    const match = new RegExp(`^${EM_DASH} (\\S+) (\\S+)$`).exec(line);
    if (!match) throw new CheckpointError('malformed signature line');
    const [, name, sigB64] = match;
    if (!BASE64.test(sigB64)) throw new CheckpointError('signature is not base64');
    const sig = Buffer.from(sigB64, 'base64');
    if (sig.length < 5) throw new CheckpointError('signature too short');
    if (name !== key.name || !sig.subarray(0, 4).equals(key.keyId)) continue;
    if (sig.length !== 4 + 64 || !verifyStrict(Buffer.from(text, 'utf8'), sig.subarray(4), key.publicKey)) {
      throw new CheckpointError(`signature by ${name} does not verify`);
    }
    isVerified = true;
  }
  if (!isVerified) throw new CheckpointError(`no signature by ${key.name}+${key.keyId.toString('hex')}`);
  const checkpoint = parseBody(text);
  if (expectedOrigin !== undefined && checkpoint.origin !== expectedOrigin) throw new CheckpointError(`checkpoint origin is ${checkpoint.origin}, expected ${expectedOrigin}`);
  return checkpoint;
}
