import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { defineRoute } from '../../../../src/http/route';
import { createApp } from '../../../../src/http/app';
import { ROUTES } from '../../../../src/http/routes';
import request from 'supertest';

const keys = createClerkTestKeys();
let api: TestApi;

beforeAll(async () => { api = await startTestApi(testConfig({ RATE_LIMIT_API_PER_MINUTE: '5', RATE_LIMIT_PUBLIC_PER_MINUTE: '3', TRUST_PROXY_HOPS: '1' }, keys)); });
afterAll(async () => { await api.close(); });

describe('per-organization limit on /api/v1', () => {
  it('answers 429 with Retry-After and RateLimit headers past the limit, per organization', async () => {
    const orgA = `Bearer ${mintClerkToken(keys, { orgId: `org_rl_a_${Date.now()}` })}`;
    const orgB = `Bearer ${mintClerkToken(keys, { orgId: `org_rl_b_${Date.now()}` })}`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api.http.get('/api/v1/me').set('Authorization', orgA)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);

    const limited = await api.http.get('/api/v1/me').set('Authorization', orgA);
    expect({ status: limited.status, code: limited.body.error?.code }).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-policy']).toMatch(/q=5/);
    expect(limited.headers.ratelimit).toMatch(/r=0/);

    // Another organization has its own budget.
    expect((await api.http.get('/api/v1/me').set('Authorization', orgB)).status).toBe(200);
  });

  it('counts an organization across its session tokens and API keys together', async () => {
    const orgId = `org_rl_c_${Date.now()}`;
    const session = `Bearer ${mintClerkToken(keys, { orgId })}`;
    const key = (await api.http.post('/api/v1/api-keys').set('Authorization', session).send({ name: 'k' })).body.key as string;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await api.http.get('/api/v1/me').set('Authorization', `Bearer ${key}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });
});

describe('per-IP limit on /public', () => {
  it('limits by client IP behind one proxy hop, and a spoofed X-Forwarded-For does not reset it', async () => {
    // A /public route for this test only; the real public endpoints arrive with receipts.
    const ping = defineRoute({ method: 'get', path: '/public/ping', summary: 'ping', tag: 'test', auth: 'public', response: { status: 200 }, handler: async () => ({ ok: true }) });
    const app = createApp(api.deps, [...ROUTES, ping]);
    const from = (xff: string) => request(app).get('/public/ping').set('X-Forwarded-For', xff);
    // With one trusted hop the client is the right-most address; what a client prepends is ignored.
    const statuses = [];
    for (const spoof of ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4']) statuses.push((await from(`${spoof}, 203.0.113.7`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await from('198.51.100.9')).status).toBe(200);
  });
});

describe('a shared Redis store', () => {
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

  it('makes two API instances count one organization together', async () => {
    const env = { RATE_LIMIT_API_PER_MINUTE: '5', RATE_LIMIT_REDIS_URL: redisUrl, RATE_LIMIT_REDIS_PREFIX: `test:${Date.now()}:${Math.random()}:` };
    const [one, two] = [await startTestApi(testConfig(env, keys)), await startTestApi(testConfig(env, keys))];
    try {
      await Promise.all([one.deps.rateLimitStores!.ready(), two.deps.rateLimitStores!.ready()]);

      const token = `Bearer ${mintClerkToken(keys, { orgId: `org_rl_shared_${Date.now()}` })}`;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await (i % 2 ? two : one).http.get('/api/v1/me').set('Authorization', token)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('lets requests through when Redis cannot be reached (fail open)', async () => {
    const down = await startTestApi(testConfig({ RATE_LIMIT_API_PER_MINUTE: '2', RATE_LIMIT_REDIS_URL: 'redis://127.0.0.1:1' }, keys));
    try {
      const token = `Bearer ${mintClerkToken(keys, { orgId: `org_rl_down_${Date.now()}` })}`;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await down.http.get('/api/v1/me').set('Authorization', token)).status);
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect(down.logs()).toContain('rate limit store unavailable');
    } finally {
      await down.close();
    }
  });
});
