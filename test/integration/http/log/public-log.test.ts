import { createHash } from 'node:crypto';
import { ConsistencyProofResponse, InclusionProofResponse, LogEntriesResponse } from '../../../../contracts/transparency-log';
import { parseAndVerifyCheckpoint } from '../../../../src/transparency-log/checkpoint';
import { leafHashOfPayload, verifyConsistency, verifyInclusion } from '../../../../src/transparency-log/merkle';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { createScratchDatabase } from '../../../helpers/scratch-database';

const ORIGIN = 'carbonplan.test/receipts-http';
const serialOf = (n: number) => `CL-202602-0000${n}`;
const digestOf = (n: number) => createHash('sha256').update(`http payload ${n}`).digest('hex');
const b64 = (hashes: string[]) => hashes.map((h) => Buffer.from(h, 'base64'));

/** The API on a scratch database of its own, so the log starts empty and indexes are known. */
describe('public log endpoints', () => {
  let db: Awaited<ReturnType<typeof createScratchDatabase>>;
  let api: TestApi;
  let vkey: string;

  const expectError = (res: { status: number; body: { error?: { field?: string } }; text: string }, status: number, field?: string) => {
    expect({ status: res.status, field: res.body.error?.field }).toEqual({ status, field });
  };

  beforeAll(async () => {
    db = await createScratchDatabase('carbonplan_tlog_http', 2);
    api = await startTestApi(testConfig({ DATABASE_URL: db.url, TRANSPARENCY_LOG_ORIGIN: ORIGIN }));
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('GET /public/log/checkpoint is 404 in the one JSON error body while the log is empty', async () => {
    const res = await api.http.get('/public/log/checkpoint');
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('GET /public/log/checkpoint serves the newest signed note, verifiable with the log key published at /public/keys', async () => {
    for (let n = 0; n < 5; n += 1) await api.deps.services.log.append(serialOf(n), digestOf(n));
    const keys = await api.http.get('/public/keys');
    const logKey = JSON.parse(keys.text).keys.find((k: { purpose: string }) => k.purpose === 'log');
    expect(logKey?.verifierKey).toMatch(new RegExp(`^${ORIGIN}\\+[0-9a-f]{8}\\+`));
    vkey = logKey.verifierKey;

    const res = await api.http.get('/public/log/checkpoint');
    expect({ status: res.status, type: res.type }).toEqual({ status: 200, type: 'text/plain' });
    expect(res.text.split('\n').slice(0, 2)).toEqual([ORIGIN, '5']);
    expect(parseAndVerifyCheckpoint(res.text, vkey, ORIGIN).treeSize).toBe(5);
  });

  it('GET /public/log/proof/inclusion proves a receipt against the newest or an earlier checkpoint', async () => {
    for (const treeSize of [undefined, 4]) {
      const res = await api.http.get('/public/log/proof/inclusion').query({ serial: serialOf(3), ...(treeSize ? { treeSize } : {}) });
      expect(res.status).toBe(200);
      const body = InclusionProofResponse.parse(res.body);
      const cp = parseAndVerifyCheckpoint(body.checkpoint, vkey, ORIGIN);
      expect({ index: body.index, treeSize: body.treeSize, cpSize: cp.treeSize }).toEqual({ index: 3, treeSize: treeSize ?? 5, cpSize: treeSize ?? 5 });
      expect(verifyInclusion(leafHashOfPayload(digestOf(3)), body.index, body.treeSize, b64(body.inclusionProof), cp.root)).toBe(true);
      expect(verifyInclusion(leafHashOfPayload(digestOf(2)), body.index, body.treeSize, b64(body.inclusionProof), cp.root)).toBe(false);
    }
  });

  it('GET /public/log/proof/inclusion: 404 for an unknown serial, 400 naming the field for bad parameters', async () => {
    expectError(await api.http.get('/public/log/proof/inclusion').query({ serial: 'CL-202602-ZZZZZ' }), 404);
    expectError(await api.http.get('/public/log/proof/inclusion'), 400, 'query.serial');
    expectError(await api.http.get('/public/log/proof/inclusion').query({ serial: 'CL-2026-1' }), 400, 'query.serial');
    expectError(await api.http.get('/public/log/proof/inclusion').query({ serial: serialOf(3), treeSize: 0 }), 400, 'query.treeSize');
    expectError(await api.http.get('/public/log/proof/inclusion').query({ serial: serialOf(3), treeSize: 'x' }), 400, 'query.treeSize');
    expectError(await api.http.get('/public/log/proof/inclusion').query({ serial: serialOf(3), treeSize: 3 }), 400, 'query.treeSize');
    expectError(await api.http.get('/public/log/proof/inclusion').query({ serial: serialOf(3), treeSize: 99 }), 400, 'query.treeSize');
    expectError(await api.http.get('/public/log/proof/inclusion').query({ serial: serialOf(3), index: 1 }), 400, 'query');
  });

  it('GET /public/log/proof/consistency lets a holder of two checkpoints check the later one extends the earlier', async () => {
    const older = InclusionProofResponse.parse((await api.http.get('/public/log/proof/inclusion').query({ serial: serialOf(0), treeSize: 2 })).body).checkpoint;
    const newer = (await api.http.get('/public/log/checkpoint')).text;
    const [a, b] = [parseAndVerifyCheckpoint(older, vkey, ORIGIN), parseAndVerifyCheckpoint(newer, vkey, ORIGIN)];
    const res = await api.http.get('/public/log/proof/consistency').query({ from: a.treeSize, to: b.treeSize });
    expect(res.status).toBe(200);
    const body = ConsistencyProofResponse.parse(res.body);
    expect({ from: body.from, to: body.to }).toEqual({ from: 2, to: 5 });
    expect(verifyConsistency(a.treeSize, b.treeSize, a.root, b.root, b64(body.proof))).toBe(true);
    expect(verifyConsistency(a.treeSize, b.treeSize, b.root, a.root, b64(body.proof))).toBe(false);
    expect(ConsistencyProofResponse.parse((await api.http.get('/public/log/proof/consistency').query({ from: 5, to: 5 })).body).proof).toEqual([]);
  });

  it('GET /public/log/proof/consistency: 400 naming the field for bad parameters', async () => {
    expectError(await api.http.get('/public/log/proof/consistency').query({ from: 4, to: 2 }), 400, 'query.from');
    expectError(await api.http.get('/public/log/proof/consistency').query({ from: 1, to: 99 }), 400, 'query.to');
    expectError(await api.http.get('/public/log/proof/consistency').query({ from: 1 }), 400, 'query.to');
    expectError(await api.http.get('/public/log/proof/consistency').query({ from: -1, to: 2 }), 400, 'query.from');
    expectError(await api.http.get('/public/log/proof/consistency').query({ from: '1e400', to: 2 }), 400, 'query.from');
  });

  it('GET /public/log/entries pages digests and leaf hashes (no serials), cut at the signed size', async () => {
    const res = await api.http.get('/public/log/entries').query({ start: 1, end: 10 });
    expect(res.status).toBe(200);
    const body = LogEntriesResponse.parse(res.body);
    expect(body.treeSize).toBe(5);
    expect(body.entries).toEqual([1, 2, 3, 4].map((n) => ({ index: n, payloadSha256: digestOf(n), leafHash: leafHashOfPayload(digestOf(n)).toString('base64') })));
    expect(res.text).not.toContain('CL-');
    expectError(await api.http.get('/public/log/entries').query({ start: 0, end: 257 }), 400, 'query.end');
    expectError(await api.http.get('/public/log/entries').query({ start: 3, end: 1 }), 400, 'query.end');
    expectError(await api.http.get('/public/log/entries').query({ end: 1 }), 400, 'query.start');
  });

  it('counts against the per-IP limit of public routes', async () => {
    const limited = await startTestApi(testConfig({ DATABASE_URL: db.url, TRANSPARENCY_LOG_ORIGIN: ORIGIN, RATE_LIMIT_PUBLIC_PER_MINUTE: '2' }));
    try {
      const statuses = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await limited.http.get('/public/log/checkpoint')).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});
