import type { DataSource, EntityManager } from 'typeorm';
import { AppError, notFound } from '../../errors';
import { signCheckpoint, type LogSigner } from '../../transparency-log/checkpoint';
import {
  consistencyRanges, foldRange, hashChildren, inclusionRanges, leafHashOfPayload, nodesCompletedBy, rangeNodes, verifyConsistency,
  type NodeHashes, type NodeId, type Range,
} from '../../transparency-log/merkle';

/** One log for the whole deployment: every append takes this transaction-scoped advisory lock, so indexes have no gaps. */
const APPEND_LOCK = `SELECT pg_advisory_xact_lock(hashtextextended('carbonplan.transparency-log.append', 0))`;
const SERIAL = /^CL-[0-9]{6}-[0-9A-HJKMNP-TV-Z]{5}$/;
export const MAX_ENTRIES_PAGE = 256;

type Queryable = Pick<EntityManager, 'query'>;

export interface SignedCheckpoint { treeSize: number; root: Buffer; note: string; signedAt: Date }
export interface AppendResult { index: number; treeSize: number; checkpoint: string; isNew: boolean }
export interface InclusionProof { index: number; treeSize: number; inclusionProof: Buffer[]; checkpoint: string }
export interface LogEntry { index: number; payloadSha256: string; leafHash: Buffer }

export interface LogServiceDeps {
  dataSource: DataSource;
  /** Checkpoint origin and signing key name (C2SP: the key name equals the origin). Fixed forever: it is inside the key ID. */
  origin: string;
  /** The log's Ed25519 key (purpose 'log'), resolved at each append so a rotation takes effect without a restart. */
  signer: () => Promise<LogSigner>;
}

const key = ({ level, index }: NodeId) => `${level}:${index}`;

/** Reads the complete subtrees named (leaves from log_entries, higher levels from log_nodes) in at most two queries. */
async function readNodes(q: Queryable, nodes: NodeId[]): Promise<NodeHashes> {
  const found = new Map<string, Buffer>();
  const leaves = nodes.filter((n) => n.level === 0).map((n) => String(n.index));
  const inner = nodes.filter((n) => n.level > 0);
  if (leaves.length > 0) {
    const rows: { idx: string; leaf_hash: Buffer }[] = await q.query(`SELECT idx::text AS idx, leaf_hash FROM log_entries WHERE idx = ANY($1::bigint[])`, [leaves]);
    for (const r of rows) found.set(key({ level: 0, index: Number(r.idx) }), r.leaf_hash);
  }
  if (inner.length > 0) {
    const rows: { level: number; idx: string; hash: Buffer }[] = await q.query(
      `SELECT n.level, n.idx::text AS idx, n.hash FROM log_nodes n JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx`,
      [inner.map((n) => n.level), inner.map((n) => String(n.index))],
    );
    for (const r of rows) found.set(key({ level: r.level, index: Number(r.idx) }), r.hash);
  }
  return (node) => {
    const hash = found.get(key(node));
    if (!hash) throw new Error(`transparency log: subtree ${key(node)} is missing from storage`);
    return hash;
  };
}

async function hashRangesFromStorage(q: Queryable, ranges: Range[]): Promise<Buffer[]> {
  const perRange = ranges.map(rangeNodes);
  const nodeHash = await readNodes(q, perRange.flat());
  return perRange.map((nodes) => foldRange(nodes.map(nodeHash)));
}

function toCheckpoint(row: { tree_size: string; root: Buffer; note: string; signed_at: Date }): SignedCheckpoint {
  return { treeSize: Number(row.tree_size), root: row.root, note: row.note, signedAt: row.signed_at };
}

async function latest(q: Queryable): Promise<SignedCheckpoint | null> {
  const rows = await q.query(`SELECT tree_size::text AS tree_size, root, note, signed_at FROM log_checkpoints ORDER BY log_checkpoints.tree_size DESC LIMIT 1`);
  return rows.length ? toCheckpoint(rows[0]) : null;
}

/**
 * The public log: an RFC 9162 Merkle tree over issued receipts' payload digests, with a C2SP checkpoint signed
 * after every append. Reads never lock: the tables are append-only, so a tree of a signed size never changes.
 */
export class LogService {
  constructor(private readonly deps: LogServiceDeps) {}

  get origin(): string { return this.deps.origin; }

  /**
   * Appends the receipt once: a second call with the same serial returns the existing index (the same serial with
   * another digest is a CONFLICT). Entry, completed subtrees and the signed checkpoint commit together or not at all.
   */
  async append(serial: string, payloadSha256: string): Promise<AppendResult> {
    if (!SERIAL.test(serial)) throw new AppError('VALIDATION_FAILED', 'serial must look like CL-YYYYMM-XXXXX', { field: 'serial' });
    const leafHash = leafHashOfPayload(payloadSha256);
    // Resolved before the transaction: the key service may read the secret store or create the first log key on
    // another pool connection, which must not wait behind the lock (or the last pool connection) held here.
    const signer = await this.deps.signer();
    return this.deps.dataSource.transaction(async (m) => {
      await m.query(APPEND_LOCK);
      const existing: { idx: string; payload_sha256: Buffer }[] = await m.query(`SELECT idx::text AS idx, payload_sha256 FROM log_entries WHERE serial = $1`, [serial]);
      if (existing.length > 0) {
        if (existing[0].payload_sha256.toString('hex') !== payloadSha256) throw new AppError('CONFLICT', `receipt ${serial} is already in the log with another payload digest`);
        const head = await latest(m);
        if (!head) throw new Error('transparency log: entries without a checkpoint');
        return { index: Number(existing[0].idx), treeSize: head.treeSize, checkpoint: head.note, isNew: false };
      }

      const [{ size }]: { size: string }[] = await m.query(`SELECT COALESCE(max(idx) + 1, 0)::text AS size FROM log_entries`);
      const index = Number(size);
      const treeSize = index + 1;
      await m.query(`INSERT INTO log_entries (idx, serial, payload_sha256, leaf_hash) VALUES ($1, $2, $3, $4)`, [String(index), serial, Buffer.from(payloadSha256, 'hex'), leafHash]);

      // Each subtree this leaf completes is H(left sibling ‖ the subtree just completed below it).
      const completed = nodesCompletedBy(treeSize);
      const leftOf = await readNodes(m, completed.map(({ level, index: i }) => ({ level: level - 1, index: 2 * i })));
      let right: Buffer = leafHash;
      for (const node of completed) {
        right = hashChildren(leftOf({ level: node.level - 1, index: 2 * node.index }), right);
        await m.query(`INSERT INTO log_nodes (level, idx, hash) VALUES ($1, $2, $3)`, [node.level, String(node.index), right]);
      }

      const [root] = await hashRangesFromStorage(m, [{ start: 0, end: treeSize }]);
      const previous = await latest(m);
      if (previous) {
        // Never sign a tree that does not extend the last signed one (a rewritten leaf or node in storage).
        const proof = await hashRangesFromStorage(m, consistencyRanges(previous.treeSize, treeSize));
        if (!verifyConsistency(previous.treeSize, treeSize, previous.root, root, proof)) {
          throw new Error(`transparency log: the stored tree of size ${treeSize} is not consistent with checkpoint ${previous.treeSize}; refusing to sign`);
        }
      }
      const note = await signCheckpoint({ origin: this.deps.origin, treeSize, root }, this.deps.origin, signer);
      await m.query(`INSERT INTO log_checkpoints (tree_size, root, note) VALUES ($1, $2, $3)`, [String(treeSize), root, note]);
      return { index, treeSize, checkpoint: note, isNew: true };
    });
  }

  /** The newest signed checkpoint, or null while the log is empty. */
  latestCheckpoint(): Promise<SignedCheckpoint | null> {
    return latest(this.deps.dataSource.manager);
  }

  async checkpointAt(treeSize: number): Promise<SignedCheckpoint | null> {
    const rows = await this.deps.dataSource.query(`SELECT tree_size::text AS tree_size, root, note, signed_at FROM log_checkpoints WHERE tree_size = $1`, [String(treeSize)]);
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  private async signedSize(): Promise<number> {
    return (await this.latestCheckpoint())?.treeSize ?? 0;
  }

  /** The receipt's index and its inclusion proof in the tree of `treeSize` (default: the newest checkpoint's). */
  async inclusionProof(serial: string, treeSize?: number): Promise<InclusionProof> {
    const rows: { idx: string }[] = await this.deps.dataSource.query(`SELECT idx::text AS idx FROM log_entries WHERE serial = $1`, [serial]);
    if (rows.length === 0) throw notFound('log entry');
    const index = Number(rows[0].idx);
    const head = treeSize === undefined ? await this.latestCheckpoint() : await this.checkpointAt(treeSize);
    if (!head) throw new AppError('VALIDATION_FAILED', `treeSize: no checkpoint of size ${treeSize} (the log has ${await this.signedSize()} entries)`, { field: 'query.treeSize' });
    if (index >= head.treeSize) throw new AppError('VALIDATION_FAILED', `treeSize: the entry has index ${index}, so it is in trees of size ${index + 1} and above`, { field: 'query.treeSize' });
    const inclusionProof = await hashRangesFromStorage(this.deps.dataSource.manager, inclusionRanges(index, head.treeSize));
    return { index, treeSize: head.treeSize, inclusionProof, checkpoint: head.note };
  }

  /** RFC 9162 consistency proof between two signed sizes, 0 ≤ from ≤ to ≤ the newest checkpoint's size. */
  async consistencyProof(from: number, to: number): Promise<Buffer[]> {
    if (from > to) throw new AppError('VALIDATION_FAILED', 'from: must not exceed to', { field: 'query.from' });
    const size = await this.signedSize();
    if (to > size) throw new AppError('VALIDATION_FAILED', `to: beyond the log's size ${size}`, { field: 'query.to' });
    return hashRangesFromStorage(this.deps.dataSource.manager, consistencyRanges(from, to));
  }

  /** Entries [start, end) of the signed tree, at most MAX_ENTRIES_PAGE; `end` is cut to the tree size. No serials: they would let anyone enumerate receipts. */
  async entries(start: number, end: number): Promise<{ treeSize: number; entries: LogEntry[] }> {
    if (end < start) throw new AppError('VALIDATION_FAILED', 'end: must not be below start', { field: 'query.end' });
    if (end - start > MAX_ENTRIES_PAGE) throw new AppError('VALIDATION_FAILED', `end: at most ${MAX_ENTRIES_PAGE} entries per page`, { field: 'query.end' });
    const treeSize = await this.signedSize();
    const rows: { idx: string; payload_sha256: Buffer; leaf_hash: Buffer }[] = await this.deps.dataSource.query(
      `SELECT idx::text AS idx, payload_sha256, leaf_hash FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY log_entries.idx`,
      [String(start), String(Math.min(end, treeSize))],
    );
    return { treeSize, entries: rows.map((r) => ({ index: Number(r.idx), payloadSha256: r.payload_sha256.toString('hex'), leafHash: r.leaf_hash })) };
  }
}
