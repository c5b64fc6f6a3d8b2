import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';

const keys = createClerkTestKeys();
let api: TestApi;

beforeAll(async () => { api = await startTestApi(testConfig({ RATE_LIMIT_API_PER_MINUTE: '10000' }, keys)); });
afterAll(async () => { await api.close(); });

describe('GET /api/v1/api-keys', () => {
  it('pages through keys created within the same millisecond, each exactly once', async () => {
    const token = `Bearer ${mintClerkToken(keys, { orgId: `org_keypages_${Date.now()}` })}`;
    const me = await api.http.get('/api/v1/me').set('Authorization', token);
    // Same transaction → identical created_at (now() is the transaction start): the hardest case for a keyset.
    await api.deps.dataSource.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) await tx.query(`INSERT INTO api_keys (org_id, prefix, key_hash, name) VALUES ($1, 'cp_live_xxxx', $2, $3)`, [me.body.organization.id, `hash-${Date.now()}-${i}`, `key ${i}`]);
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await api.http.get(`/api/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`).set('Authorization', token);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((k: { name: string }) => k.name));
      cursor = res.body.nextCursor;
    } while (cursor && seen.length < 20);
    expect(seen.sort()).toEqual(['key 0', 'key 1', 'key 2', 'key 3', 'key 4']);
  });
});
