import { createAuditPackStorage } from '../../../../src/services/audit-packs/audit-pack-storage';
import { storeAuditPack, type StoredPack } from '../../../factories/audit-packs';
import { createClerkTestKeys } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { packOrg } from '../../../helpers/audit-pack-api';

const keys = createClerkTestKeys();
let api: TestApi;

beforeAll(async () => { api = await startTestApi(testConfig({}, keys)); });
afterAll(async () => api?.close());

const store = (orgId: string, month: string, version: number) =>
  storeAuditPack(api.deps.dataSource, createAuditPackStorage(api.deps.config.auditPacks, api.deps.config.aws), orgId, month, version);
const label = (p: { month: string; version: number }) => `${p.month} v${p.version}`;

describe('GET /api/v1/audit-packs', () => {
  it('lists every version, newest month first then newest version, page by page, each with its figures and download path', async () => {
    const org = await packOrg(api, keys, 'pro');
    // Stored out of order: the list orders by month and version, not by when a row was written.
    const packs: StoredPack[] = [];
    for (const [month, version] of [['2025-05', 1], ['2025-07', 1], ['2025-05', 2], ['2025-06', 1], ['2025-05', 3]] as const) packs.push(await store(org.id, month, version));

    const first = await api.http.get('/api/v1/audit-packs?limit=3').set('Authorization', org.member);
    expect({ status: first.status, body: first.body }).toMatchObject({ status: 200 });
    expect(first.body.data.map(label)).toEqual(['2025-07 v1', '2025-06 v1', '2025-05 v3']);
    const july = packs[1];
    expect(first.body.data[0]).toEqual({
      id: july.id, month: '2025-07', version: 1, bytes: july.bytes.length, manifestSha256: july.manifestSha256, events: 12, receipts: 1,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), downloadUrl: `/api/v1/audit-packs/${july.id}/download`,
    });
    const next = await api.http.get(`/api/v1/audit-packs?limit=3&cursor=${first.body.nextCursor}`).set('Authorization', org.member);
    expect({ status: next.status, labels: next.body.data?.map(label), nextCursor: next.body.nextCursor }).toEqual({ status: 200, labels: ['2025-05 v2', '2025-05 v1'], nextCursor: null });

    const may = await api.http.get('/api/v1/audit-packs?month=2025-05').set('Authorization', org.admin);
    expect({ status: may.status, labels: may.body.data?.map(label) }).toEqual({ status: 200, labels: ['2025-05 v3', '2025-05 v2', '2025-05 v1'] });
  });

  it('shows no other organization\'s packs', async () => {
    const a = await packOrg(api, keys, 'pro');
    const b = await packOrg(api, keys, 'enterprise');
    const ofB = await store(b.id, '2025-05', 1);
    const res = await api.http.get('/api/v1/audit-packs').set('Authorization', a.member);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { data: [], nextCursor: null } });
    const control = await api.http.get('/api/v1/audit-packs').set('Authorization', b.member);
    expect(control.body.data.map((p: { id: string }) => p.id)).toEqual([ofB.id]);
  });

  it('refuses a free organization with 403 PLAN_REQUIRED and an upgrade link, bad filters with 400 naming them, no credentials with 401', async () => {
    const free = await packOrg(api, keys, 'free');
    const gated = await api.http.get('/api/v1/audit-packs').set('Authorization', free.member);
    expect({ status: gated.status, body: gated.body }).toMatchObject({ status: 403, body: { error: { code: 'PLAN_REQUIRED', details: { upgradeUrl: expect.any(String) } } } });
    const org = await packOrg(api, keys, 'pro');
    for (const [query, field] of [['cursor=not-a-cursor', 'query.cursor'], ['cursor=MjAyNS0wNXww', 'query.cursor'], ['month=2025-5', 'query.month'], ['limit=0', 'query.limit']]) {
      const bad = await api.http.get(`/api/v1/audit-packs?${query}`).set('Authorization', org.member);
      expect({ query, status: bad.status, code: bad.body.error?.code, field: bad.body.error?.field }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED', field });
    }
    expect((await api.http.get('/api/v1/audit-packs')).status).toBe(401);
  });
});
