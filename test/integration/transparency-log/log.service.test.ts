import { createHash, randomInt } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { LogService } from '../../../src/services/transparency-log/log.service';
import { formatVerifierKey, parseAndVerifyCheckpoint } from '../../../src/transparency-log/checkpoint';
import { MemoryTree, leafHashOfPayload, verifyConsistency, verifyInclusion } from '../../../src/transparency-log/merkle';
import { rfc8032LogSigner } from '../../helpers/log-signer';
import { createScratchDatabase } from '../../helpers/scratch-database';

const ORIGIN = 'carbonplan.test/receipts';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const serialOf = (n: number) => `CL-202601-${Array.from({ length: 5 }, (_, i) => CROCKFORD[Math.floor(n / 32 ** (4 - i)) % 32]).join('')}`;
const digestOf = (n: number) => createHash('sha256').update(`payload ${n}`).digest('hex');

describe('LogService (a scratch database: the log starts empty and one test damages it)', () => {
  const signer = rfc8032LogSigner();
  const vkey = formatVerifierKey(ORIGIN, signer.publicKey);
  let db: Awaited<ReturnType<typeof createScratchDatabase>>;
  let ds: DataSource;
  let log: LogService;
  const mirror = new MemoryTree();

  beforeAll(async () => {
    db = await createScratchDatabase('carbonplan_tlog');
    ds = db.dataSource;
    log = new LogService({ dataSource: ds, origin: ORIGIN, signer: async () => signer });
  });
  afterAll(async () => { await db?.drop(); });

  it('appends 33 entries with contiguous indexes, a verifiable checkpoint per size and the roots of an in-memory tree', async () => {
    expect(await log.latestCheckpoint()).toBeNull();
    for (let n = 0; n < 33; n += 1) {
      const result = await log.append(serialOf(n), digestOf(n));
      mirror.append(leafHashOfPayload(digestOf(n)));
      expect(result).toMatchObject({ index: n, treeSize: n + 1, isNew: true });
      const cp = parseAndVerifyCheckpoint(result.checkpoint, vkey, ORIGIN);
      expect(cp.treeSize).toBe(n + 1);
      expect(cp.root.equals(mirror.root())).toBe(true);
    }
    const nodes = await ds.query(`SELECT count(*)::int AS n FROM log_nodes`);
    expect(nodes[0].n).toBe(33 - 2); // a tree of n leaves has n - popcount(n) complete inner subtrees
  });

  it('serves inclusion proofs for every (index, size) and consistency proofs for every (from, to) from storage', async () => {
    for (let size = 1; size <= 33; size += 1) {
      const cp = parseAndVerifyCheckpoint((await log.checkpointAt(size))!.note, vkey);
      for (let index = 0; index < size; index += 1) {
        const proof = await log.inclusionProof(serialOf(index), size);
        expect(proof.inclusionProof.map((h) => h.toString('hex'))).toEqual(mirror.inclusionProof(index, size).map((h) => h.toString('hex')));
        expect(verifyInclusion(leafHashOfPayload(digestOf(index)), index, size, proof.inclusionProof, cp.root)).toBe(true);
      }
      for (let from = 0; from <= size; from += 1) {
        const first = from === 0 ? Buffer.alloc(32) : parseAndVerifyCheckpoint((await log.checkpointAt(from))!.note, vkey).root;
        expect(verifyConsistency(from, size, first, cp.root, await log.consistencyProof(from, size))).toBe(true);
      }
    }
  });

  it('answers an append of the same serial with the existing index, and refuses it with another digest', async () => {
    const again = await log.append(serialOf(5), digestOf(5));
    expect(again).toMatchObject({ index: 5, treeSize: 33, isNew: false });
    await expect(log.append(serialOf(5), digestOf(6))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await log.latestCheckpoint())!.treeSize).toBe(33);
  });

  it('gives concurrent appends distinct contiguous indexes, and one entry for one serial sent twice at once', async () => {
    const [a, b] = await Promise.all([log.append(serialOf(100), digestOf(100)), log.append(serialOf(101), digestOf(101))]);
    expect([a.index, b.index].sort()).toEqual([33, 34]);
    const twice = await Promise.all([log.append(serialOf(102), digestOf(102)), log.append(serialOf(102), digestOf(102))]);
    expect(twice[0].index).toBe(twice[1].index);
    expect(twice.filter((r) => r.isNew)).toHaveLength(1);
    const storm = await Promise.all(Array.from({ length: 8 }, (_, i) => log.append(serialOf(200 + (i % 4)), digestOf(200 + (i % 4)))));
    expect(new Set(storm.map((r) => r.index)).size).toBe(4);
    const rows: { idx: string }[] = await ds.query(`SELECT idx::text AS idx FROM log_entries ORDER BY log_entries.idx`);
    expect(rows.map((r) => Number(r.idx))).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const sizes: { tree_size: string }[] = await ds.query(`SELECT tree_size::text AS tree_size FROM log_checkpoints ORDER BY log_checkpoints.tree_size`);
    expect(sizes.map((r) => Number(r.tree_size))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('refuses updates, deletes, truncation and out-of-order inserts', async () => {
    for (const sql of [`UPDATE log_entries SET leaf_hash = leaf_hash WHERE idx = 0`, `DELETE FROM log_nodes`, `TRUNCATE log_checkpoints`, `UPDATE log_checkpoints SET note = note`]) {
      await expect(ds.query(sql)).rejects.toThrow(/immutable/);
    }
    await expect(ds.query(`INSERT INTO log_entries (idx, serial, payload_sha256, leaf_hash) VALUES (99, 'CL-202601-ZZZZZ', $1, $1)`, [Buffer.alloc(32)])).rejects.toThrow(/next index/);
  });

  it('a rewritten entry is caught: clients see the consistency proof fail, and the log refuses to sign after it', async () => {
    const before = parseAndVerifyCheckpoint((await log.latestCheckpoint())!.note, vkey);
    const victim = randomInt(0, 33);
    const forged = digestOf(9999);
    // An operator (or intruder) rewrites one receipt's leaf and recomputes every stored subtree, with the triggers off.
    await ds.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      await m.query(`UPDATE log_entries SET payload_sha256 = $2, leaf_hash = $3 WHERE idx = $1`, [victim, Buffer.from(forged, 'hex'), leafHashOfPayload(forged)]);
      const leaves: { leaf_hash: Buffer }[] = await m.query(`SELECT leaf_hash FROM log_entries ORDER BY log_entries.idx`);
      const rebuilt = new MemoryTree(leaves.map((l) => l.leaf_hash));
      await m.query(`DELETE FROM log_nodes`);
      for (let level = 1; 2 ** level <= rebuilt.size; level += 1) {
        for (let i = 0; (i + 1) * 2 ** level <= rebuilt.size; i += 1) {
          await m.query(`INSERT INTO log_nodes (level, idx, hash) VALUES ($1, $2, $3)`, [level, i, rebuilt.node({ level, index: i })]);
        }
      }
    });

    // The rewritten tree, grown by two entries and signed by the log key as a dishonest log would: no consistency
    // proof from it convinces a client that holds the earlier checkpoint.
    const entries = (await log.entries(0, before.treeSize)).entries;
    const dishonest = new MemoryTree([...entries.map((e) => e.leafHash), leafHashOfPayload(digestOf(300)), leafHashOfPayload(digestOf(301))]);
    expect(verifyConsistency(before.treeSize, dishonest.size, before.root, dishonest.root(), dishonest.consistencyProof(before.treeSize))).toBe(false);
    // The forged digest does not prove against the checkpoint the client holds.
    const proof = await log.inclusionProof(serialOf(victim), before.treeSize);
    expect(verifyInclusion(leafHashOfPayload(forged), victim, before.treeSize, proof.inclusionProof, before.root)).toBe(false);

    // And the service itself refuses to sign a checkpoint that does not extend the last one.
    await expect(log.append(serialOf(300), digestOf(300))).rejects.toThrow(/not consistent with checkpoint/);
    expect((await log.latestCheckpoint())!.treeSize).toBe(before.treeSize);
    const count = await ds.query(`SELECT count(*)::int AS n FROM log_entries`);
    expect(count[0].n).toBe(before.treeSize);
  });

  it('validates sizes and pages', async () => {
    await expect(log.inclusionProof('CL-202601-ZZZZZ')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(log.inclusionProof(serialOf(20), 10)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(log.inclusionProof(serialOf(1), 1000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(log.consistencyProof(5, 4)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(log.consistencyProof(1, 1000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(log.entries(0, 1000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(log.append('not-a-serial', digestOf(1))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await log.entries(38, 60)).entries.map((e) => e.index)).toEqual([38, 39]);
  });
});
