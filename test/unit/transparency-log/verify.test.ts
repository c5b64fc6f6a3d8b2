import { createHash } from 'node:crypto';
import vectors from '../../fixtures/transparency-log/vectors.json';
import { verifyReceiptInLog } from '../../../src/transparency-log';

const v = vectors.carbonplan;
const cp = v.checkpoint;
const log = { index: 1, treeSize: 3, inclusionProof: v.inclusion[0].proof.map((h) => Buffer.from(h, 'hex').toString('base64')), checkpoint: cp.note };

describe('verifyReceiptInLog (the reference checkpoint of 3 receipts)', () => {
  it('accepts receipt 2 of the worked vector at index 1', () => {
    expect(verifyReceiptInLog(v.payloadSha256[1], log, cp.verifierKey, cp.origin)).toEqual({ valid: true, index: 1, treeSize: 3, origin: cp.origin });
  });

  it.each([
    ['another digest', v.payloadSha256[0], log, /inclusion proof/],
    ['another index', v.payloadSha256[1], { ...log, index: 2 }, /inclusion proof/],
    ['a size the checkpoint is not of', v.payloadSha256[1], { ...log, treeSize: 4 }, /size/],
    ['a tampered proof', v.payloadSha256[1], { ...log, inclusionProof: [createHash('sha256').digest('base64'), log.inclusionProof[1]] }, /inclusion proof/],
    ['a proof that is not base64 hashes', v.payloadSha256[1], { ...log, inclusionProof: ['zz'] }, /base64/],
    ['a tampered checkpoint', v.payloadSha256[1], { ...log, checkpoint: cp.note.replace('\n3\n', '\n2\n') }, /checkpoint/],
  ])('refuses %s', (_name, digest, proof, reason) => {
    const verdict = verifyReceiptInLog(digest, proof, cp.verifierKey, cp.origin);
    expect(verdict.valid).toBe(false);
    expect(!verdict.valid && verdict.reason).toMatch(reason);
  });

  it('refuses a checkpoint of another origin when one is expected', () => {
    expect(verifyReceiptInLog(v.payloadSha256[1], log, cp.verifierKey, 'carbonplan.example/other').valid).toBe(false);
  });
});
