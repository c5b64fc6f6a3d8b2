import { createHash } from 'node:crypto';

/**
 * RFC 9162 §2.1 Merkle tree hashing, proofs and their verification. Sizes and indexes are plain numbers: every
 * step uses Math.floor(x / 2) and x % 2, never `>>` or `&` (32-bit signed in JS), so they are exact up to 2^53.
 *
 * Generation works on coordinates first: a proof is a list of ranges [start, end) of the tree, each range is a
 * right fold of complete subtrees (level, index), and the caller supplies those subtree hashes (from memory, or
 * from the log's stored nodes in O(log n) reads).
 */

export const HASH_SIZE = 32;
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

export function hashLeaf(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** Our leaf: the 32 raw bytes of a receipt's payloadSha256 (never the 64-character hex string). */
export function leafHashOfPayload(payloadSha256Hex: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(payloadSha256Hex)) throw new Error('payloadSha256 must be 64 lowercase hex digits');
  return hashLeaf(Buffer.from(payloadSha256Hex, 'hex'));
}

/** A complete subtree: leaves [index·2^level, (index+1)·2^level). Level 0 is a leaf hash. */
export interface NodeId { level: number; index: number }
export interface Range { start: number; end: number }

function assertSize(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative safe integer`);
}

/** Largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The complete subtrees whose right fold is MTH(D[start:end]), biggest first. Valid for the ranges that RFC 9162's
 * recursion produces: `start` is a multiple of a power of two at least `end - start`.
 */
export function rangeNodes({ start, end }: Range): NodeId[] {
  const nodes: NodeId[] = [];
  let at = start;
  while (at < end) {
    let size = 1;
    while (size * 2 <= end - at) size *= 2;
    if (at % size !== 0) throw new Error(`range [${start}, ${end}) is not a tree range`);
    let level = 0;
    for (let s = size; s > 1; s /= 2) level += 1;
    nodes.push({ level, index: at / size });
    at += size;
  }
  return nodes;
}

/** Folds the subtrees of `rangeNodes` from the right: H(first ‖ H(second ‖ …)). */
export function foldRange(hashes: Uint8Array[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc: Buffer = Buffer.from(hashes[hashes.length - 1]);
  for (let i = hashes.length - 2; i >= 0; i -= 1) acc = hashChildren(hashes[i], acc);
  return acc;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]) as ranges, leaf-side first. */
export function inclusionRanges(index: number, size: number): Range[] {
  assertSize('treeSize', size);
  assertSize('index', index);
  if (index >= size) throw new RangeError('index must be below treeSize');
  const out: Range[] = [];
  const walk = (m: number, start: number, n: number): void => {
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, k);
      out.push({ start: start + k, end: start + n });
    } else {
      walk(m - k, start + k, n - k);
      out.push({ start, end: start + k });
    }
  };
  walk(index, 0, size);
  return out;
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) as ranges; empty when m = 0 or m = n. */
export function consistencyRanges(from: number, to: number): Range[] {
  assertSize('from', from);
  assertSize('to', to);
  if (from > to) throw new RangeError('from must not exceed to');
  if (from === 0 || from === to) return [];
  const out: Range[] = [];
  const sub = (m: number, start: number, n: number, isWhole: boolean): void => {
    if (m === n) {
      if (!isWhole) out.push({ start, end: start + n });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, start, k, isWhole);
      out.push({ start: start + k, end: start + n });
    } else {
      sub(m - k, start + k, n - k, false);
      out.push({ start, end: start + k });
    }
  };
  sub(from, 0, to, true);
  return out;
}

/** Complete subtrees of a tree of `size` leaves that an append of leaf `size - 1` completes (level ≥ 1), lowest first. */
export function nodesCompletedBy(size: number): NodeId[] {
  const out: NodeId[] = [];
  for (let width = 2, level = 1; size % width === 0; width *= 2, level += 1) out.push({ level, index: size / width - 1 });
  return out;
}

export type NodeHashes = (node: NodeId) => Uint8Array;

/** Hashes of the given ranges, reading each complete subtree through `nodeHash`. */
export function hashRanges(ranges: Range[], nodeHash: NodeHashes): Buffer[] {
  return ranges.map((r) => foldRange(rangeNodes(r).map(nodeHash)));
}

/** In-memory tree over leaf hashes (tests, tools, the offline verifier): every complete subtree computed once. */
export class MemoryTree {
  private readonly levels: Buffer[][] = [[]];

  constructor(leafHashes: Iterable<Uint8Array> = []) {
    for (const leaf of leafHashes) this.append(leaf);
  }

  get size(): number { return this.levels[0].length; }

  append(leafHash: Uint8Array): void {
    this.levels[0].push(Buffer.from(leafHash));
    for (const { level, index } of nodesCompletedBy(this.size)) {
      (this.levels[level] ??= [])[index] = hashChildren(this.levels[level - 1][2 * index], this.levels[level - 1][2 * index + 1]);
    }
  }

  readonly node: NodeHashes = ({ level, index }) => {
    const hash = this.levels[level]?.[index];
    if (!hash) throw new Error(`no complete subtree at level ${level} index ${index}`);
    return hash;
  };

  root(size = this.size): Buffer {
    if (size > this.size) throw new RangeError('size beyond the tree');
    return foldRange(rangeNodes({ start: 0, end: size }).map(this.node));
  }

  inclusionProof(index: number, size = this.size): Buffer[] {
    if (size > this.size) throw new RangeError('size beyond the tree');
    return hashRanges(inclusionRanges(index, size), this.node);
  }

  consistencyProof(from: number, to = this.size): Buffer[] {
    if (to > this.size) throw new RangeError('size beyond the tree');
    return hashRanges(consistencyRanges(from, to), this.node);
  }
}

const isHash = (h: Uint8Array) => h.length === HASH_SIZE;
const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** RFC 9162 §2.1.3.2: true iff `proof` shows `leafHash` at `index` in the tree of `treeSize` leaves with `root`. */
export function verifyInclusion(leafHash: Uint8Array, index: number, treeSize: number, proof: Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return false;
  if (!isHash(leafHash) || !isHash(root) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/**
 * RFC 9162 §2.1.4.2: true iff `proof` shows the tree of `firstSize` leaves with `firstRoot` is a prefix of the tree
 * of `secondSize` leaves with `secondRoot`. Equal sizes need an empty proof and equal roots; the empty tree is
 * consistent with every tree (empty proof).
 */
export function verifyConsistency(firstSize: number, secondSize: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: Uint8Array[]): boolean {
  if (!Number.isSafeInteger(firstSize) || !Number.isSafeInteger(secondSize) || firstSize < 0 || firstSize > secondSize) return false;
  if (!proof.every(isHash)) return false;
  if (firstSize === 0) return proof.length === 0;
  if (!isHash(firstRoot) || !isHash(secondRoot)) return false;
  if (firstSize === secondSize) return proof.length === 0 && equal(firstRoot, secondRoot);
  if (proof.length === 0) return false;
  let path = proof;
  let isPowerOfTwo = true;
  for (let x = firstSize; x > 1; x /= 2) if (x % 2 !== 0) { isPowerOfTwo = false; break; }
  if (isPowerOfTwo) path = [firstRoot, ...proof];
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr: Buffer = Buffer.from(path[0]);
  let sr: Buffer = Buffer.from(path[0]);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return equal(fr, firstRoot) && equal(sr, secondRoot) && sn === 0;
}
