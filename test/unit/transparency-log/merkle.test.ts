import { createHash } from 'node:crypto';
import vectors from '../../fixtures/transparency-log/vectors.json';
import {
  EMPTY_ROOT, MemoryTree, consistencyRanges, hashChildren, hashLeaf, inclusionRanges, leafHashOfPayload, verifyConsistency, verifyInclusion,
} from '../../../src/transparency-log/merkle';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (h: string) => Buffer.from(h, 'hex');

/** RFC 9162 §2.1.1-2.1.4 written out literally over a list of leaf hashes: the brute-force oracle. */
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return hashChildren(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function path(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}
function subproof(m: number, leaves: Buffer[], isWhole: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return isWhole ? [] : [mth(leaves)];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), isWhole), mth(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

describe('RFC 9162 Merkle tree', () => {
  describe('Trillian / CT reference vectors', () => {
    const leaves = vectors.trillian.leaves.map((d) => hashLeaf(fromHex(d)));
    const tree = new MemoryTree(leaves);

    it('reproduces the empty root and the roots of sizes 1-8', () => {
      expect(hex(new MemoryTree().root())).toBe(vectors.trillian.emptyRoot);
      vectors.trillian.roots.forEach((root, i) => expect(hex(tree.root(i + 1))).toBe(root));
    });

    it.each(vectors.trillian.inclusion)('inclusion proof of $index in $treeSize', ({ index, treeSize, proof }) => {
      expect(tree.inclusionProof(index, treeSize).map(hex)).toEqual(proof);
      expect(verifyInclusion(leaves[index], index, treeSize, proof.map(fromHex), fromHex(vectors.trillian.roots[treeSize - 1]))).toBe(true);
    });

    it.each(vectors.trillian.consistency)('consistency proof $from -> $to', ({ from, to, proof }) => {
      expect(tree.consistencyProof(from, to).map(hex)).toEqual(proof);
      expect(verifyConsistency(from, to, fromHex(vectors.trillian.roots[from - 1]), fromHex(vectors.trillian.roots[to - 1]), proof.map(fromHex))).toBe(true);
    });
  });

  describe('the reference worked vectors (receipt payload hashes)', () => {
    const v = vectors.carbonplan;
    const digests = [1, 2, 3, 4, 5, 6, 7].map((n) => createHash('sha256').update(JSON.stringify({ serial: `CL-202601-0000${n}` })).digest('hex'));
    const tree = new MemoryTree(digests.map(leafHashOfPayload));

    it('hashes the 32 raw bytes of payloadSha256, not its hex text', () => {
      expect(digests.slice(0, 3)).toEqual(v.payloadSha256);
      expect(digests.slice(0, 3).map((d) => hex(leafHashOfPayload(d)))).toEqual(v.leafHashes);
      expect(() => leafHashOfPayload('AB'.repeat(32))).toThrow();
    });

    it('reproduces the roots', () => {
      for (const [size, root] of Object.entries(v.roots)) expect(hex(tree.root(Number(size)))).toBe(root);
      expect(tree.root(3).toString('base64')).toBe(v.root3Base64);
    });

    it.each(v.inclusion)('inclusion proof of $index in $treeSize', ({ index, treeSize, proof }) => {
      expect(tree.inclusionProof(index, treeSize).map(hex)).toEqual(proof);
      expect(verifyInclusion(leafHashOfPayload(digests[index]), index, treeSize, proof.map(fromHex), tree.root(treeSize))).toBe(true);
    });

    it.each(v.consistency)('consistency proof $from -> $to', ({ from, to, proof }) => {
      expect(tree.consistencyProof(from, to).map(hex)).toEqual(proof);
      expect(verifyConsistency(from, to, tree.root(from), tree.root(to), proof.map(fromHex))).toBe(true);
    });
  });

  describe('every (index, size) and every (from, to) up to 33 against the brute-force tree', () => {
    const MAX = 33;
    const leaves = Array.from({ length: MAX }, (_, i) => hashLeaf(Buffer.from([i, i * 7 % 256])));
    const tree = new MemoryTree(leaves);
    const wrong = createHash('sha256').update('wrong').digest();

    it('roots', () => {
      for (let n = 0; n <= MAX; n += 1) expect(hex(tree.root(n))).toBe(hex(mth(leaves.slice(0, n))));
    });

    it('inclusion proofs equal PATH(m, D[n]), verify, and fail when anything is changed', () => {
      for (let n = 1; n <= MAX; n += 1) {
        const root = tree.root(n);
        for (let m = 0; m < n; m += 1) {
          const proof = tree.inclusionProof(m, n);
          expect(proof.map(hex)).toEqual(path(m, leaves.slice(0, n)).map(hex));
          expect(inclusionRanges(m, n)).toHaveLength(proof.length);
          expect(verifyInclusion(leaves[m], m, n, proof, root)).toBe(true);
          expect(verifyInclusion(wrong, m, n, proof, root)).toBe(false);
          expect(verifyInclusion(leaves[m], m, n, proof, wrong)).toBe(false);
          expect(verifyInclusion(leaves[m], m, n, [...proof, root], root)).toBe(false);
          // The size only shapes the walk (a proof for n can fold to the same hash for n + 1): the signed checkpoint binds root and size.
          if (n < MAX) expect(verifyInclusion(leaves[m], m, n + 1, proof, tree.root(n + 1))).toBe(false);
          if (m + 1 < n) expect(verifyInclusion(leaves[m], m + 1, n, proof, root)).toBe(false);
          if (proof.length > 0) {
            expect(verifyInclusion(leaves[m], m, n, proof.slice(0, -1), root)).toBe(false);
            expect(verifyInclusion(leaves[m], m, n, [wrong, ...proof.slice(1)], root)).toBe(false);
          }
        }
        expect(verifyInclusion(leaves[0], n, n, [], root)).toBe(false);
      }
    });

    it('consistency proofs equal PROOF(m, D[n]), verify, and fail when anything is changed', () => {
      for (let n = 1; n <= MAX; n += 1) {
        for (let m = 0; m <= n; m += 1) {
          const proof = tree.consistencyProof(m, n);
          const expected = m === 0 || m === n ? [] : subproof(m, leaves.slice(0, n), true);
          expect(proof.map(hex)).toEqual(expected.map(hex));
          expect(consistencyRanges(m, n)).toHaveLength(proof.length);
          expect(verifyConsistency(m, n, tree.root(m), tree.root(n), proof)).toBe(true);
          if (m === 0) continue;
          expect(verifyConsistency(m, n, wrong, tree.root(n), proof)).toBe(false);
          if (m === n) { expect(verifyConsistency(m, n, tree.root(m), tree.root(n), [tree.root(m)])).toBe(false); continue; }
          expect(verifyConsistency(m, n, tree.root(m), wrong, proof)).toBe(false);
          expect(verifyConsistency(m, n, tree.root(m), tree.root(n), [])).toBe(false);
          expect(verifyConsistency(m, n, tree.root(m), tree.root(n), [...proof, wrong])).toBe(false);
          expect(verifyConsistency(n, m, tree.root(n), tree.root(m), proof)).toBe(false);
          for (let i = 0; i < proof.length; i += 1) {
            const tampered = proof.map((p, j) => (j === i ? wrong : p));
            expect(verifyConsistency(m, n, tree.root(m), tree.root(n), tampered)).toBe(false);
          }
        }
      }
    });

    it('proofs are O(log n)', () => {
      for (let n = 1; n <= MAX; n += 1) {
        const bound = Math.ceil(Math.log2(n));
        for (let m = 0; m < n; m += 1) expect(tree.inclusionProof(m, n).length).toBeLessThanOrEqual(bound);
        for (let m = 1; m < n; m += 1) expect(tree.consistencyProof(m, n).length).toBeLessThanOrEqual(bound + 1);
      }
    });
  });

  it('handles sizes past 2^32 without 32-bit arithmetic', () => {
    const size = 2 ** 40 + 5;
    expect(inclusionRanges(2 ** 33 + 1, size).length).toBe(41);
    expect(consistencyRanges(2 ** 32 + 3, size).length).toBeGreaterThan(0);
  });
});
