import { CheckpointError, parseAndVerifyCheckpoint } from './checkpoint';
import { leafHashOfPayload, verifyInclusion } from './merkle';

/** The `log` section of the verify endpoint's answer (and of a receipt file given to the offline verifier). */
export interface ReceiptLogProof { index: number; treeSize: number; inclusionProof: string[]; checkpoint: string }

export type LogVerdict = { valid: true; index: number; treeSize: number; origin: string } | { valid: false; reason: string };

const BASE64_HASH = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Checks, without trusting the server, that a receipt's payload digest is in the log: the checkpoint is signed by
 * the pinned log verifier key (and names `expectedOrigin` when given), it is of `treeSize`, and the inclusion proof
 * leads from SHA-256(0x00 ‖ digest) at `index` to its root.
 */
export function verifyReceiptInLog(payloadSha256: string, log: ReceiptLogProof, verifierKey: string, expectedOrigin?: string): LogVerdict {
  let checkpoint;
  try {
    checkpoint = parseAndVerifyCheckpoint(log.checkpoint, verifierKey, expectedOrigin);
  } catch (err) {
    if (err instanceof CheckpointError) return { valid: false, reason: `checkpoint: ${err.message}` };
    throw err;
  }
  if (checkpoint.treeSize !== log.treeSize) return { valid: false, reason: `checkpoint is of size ${checkpoint.treeSize}, the proof of size ${log.treeSize}` };
  if (!/^[0-9a-f]{64}$/.test(payloadSha256)) return { valid: false, reason: 'payloadSha256 is not 64 lowercase hex digits' };
  if (!Array.isArray(log.inclusionProof) || !log.inclusionProof.every((h) => typeof h === 'string' && BASE64_HASH.test(h))) {
    return { valid: false, reason: 'inclusionProof must be base64 SHA-256 hashes' };
  }
  const proof = log.inclusionProof.map((h) => Buffer.from(h, 'base64'));
  if (!verifyInclusion(leafHashOfPayload(payloadSha256), log.index, log.treeSize, proof, checkpoint.root)) {
    return { valid: false, reason: `the inclusion proof does not lead to the checkpoint's root from index ${log.index}` };
  }
  return { valid: true, index: log.index, treeSize: log.treeSize, origin: checkpoint.origin };
}
