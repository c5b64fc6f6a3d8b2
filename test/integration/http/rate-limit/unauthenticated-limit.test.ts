import { randomBytes } from 'node:crypto';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';

const LIMIT = 5;
const keys = createClerkTestKeys();
let api: TestApi;
let queries = 0;

beforeAll(async () => {
  api = await startTestApi(testConfig({ RATE_LIMIT_PUBLIC_PER_MINUTE: String(LIMIT), RATE_LIMIT_API_PER_MINUTE: '1000', TRUST_PROXY_HOPS: '1' }, keys));
  // Every statement the API sends goes through the data source's logger: count them.
  const logger = api.deps.dataSource.logger;
  const counting: TypeOrmLogger = Object.assign(Object.create(logger) as TypeOrmLogger, {
    logQuery: (...args: Parameters<TypeOrmLogger['logQuery']>) => { queries += 1; return logger.logQuery(...args); },
  });
  (api.deps.dataSource as unknown as { logger: TypeOrmLogger }).logger = counting;
});
afterAll(async () => { await api.close(); });

/** A client address of its own per test (one trusted proxy hop), so the tests do not share a budget. */
let nextHost = 1;
const newClient = () => `198.51.100.${nextHost++}`;
const from = (ip: string) => ({
  get: (path: string) => api.http.get(path).set('X-Forwarded-For', ip),
});
const unknownApiKey = () => `cp_live_${randomBytes(32).toString('base64url')}`;
const rejections = async () => (await api.deps.metrics.getSingleMetric('carbonplan_rate_limit_rejections_total')?.get())?.values.find((v) => v.labels.limiter === 'ip')?.value ?? 0;

describe('per-IP limit before authentication', () => {
  it('refuses a flood of bad tokens once the address is over its budget, before any database query', async () => {
    const client = from(newClient());
    const first: number[] = [];
    queries = 0;
    // Well-formed but unknown API keys: each one costs a key lookup while the address is within its budget.
    for (let i = 0; i < LIMIT; i++) first.push((await client.get('/api/v1/me').set('Authorization', `Bearer ${unknownApiKey()}`)).status);
    expect(first).toEqual(Array(LIMIT).fill(401));
    expect(queries).toBeGreaterThanOrEqual(LIMIT);

    const rejectedBefore = await rejections();
    queries = 0;
    const flood = await Promise.all(Array.from({ length: 100 }, (_, i) => {
      const token = [unknownApiKey(), 'garbage', 'cp_live_short', `${'x'.repeat(4000)}`][i % 4];
      return client.get('/api/v1/me').set('Authorization', `Bearer ${token}`);
    }));
    const statuses = new Set(flood.map((r) => r.status));
    expect(statuses).toEqual(new Set([429]));
    expect(flood[0].body.error.code).toBe('RATE_LIMITED');
    expect(Number(flood[0].headers['retry-after'])).toBeGreaterThan(0);
    expect(flood[0].headers['ratelimit-policy']).toMatch(/"ip"; q=5/);
    expect(queries).toBe(0);
    expect(await rejections()).toBe(rejectedBefore + 100);
  });

  it('counts requests without credentials too', async () => {
    const client = from(newClient());
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await client.get('/api/v1/me')).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
  });

  it('does not spend the budget of an address on its authenticated requests', async () => {
    const client = from(newClient());
    const token = `Bearer ${mintClerkToken(keys, { orgId: `org_ip_ok_${Date.now()}` })}`;
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT * 3; i++) statuses.push((await client.get('/api/v1/me').set('Authorization', token)).status);
    expect(statuses).toEqual(Array(LIMIT * 3).fill(200));
  });

  it('refuses even a valid token from an address that spent its budget on bad ones (the check runs before authentication)', async () => {
    const client = from(newClient());
    for (let i = 0; i < LIMIT; i++) await client.get('/api/v1/me').set('Authorization', 'Bearer garbage');
    const token = `Bearer ${mintClerkToken(keys, { orgId: `org_ip_spent_${Date.now()}` })}`;
    expect((await client.get('/api/v1/me').set('Authorization', token)).status).toBe(429);
    expect((await from(newClient()).get('/api/v1/me').set('Authorization', token)).status).toBe(200);
  });
});

describe('per-IP limit on the unauthenticated endpoints', () => {
  it('limits /health', async () => {
    const client = from(newClient());
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await client.get('/health')).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);
    expect((await from(newClient()).get('/health')).status).toBe(200);
  });

  it('counts /openapi.json, /docs and unknown paths against one budget', async () => {
    const client = from(newClient());
    const statuses = [
      (await client.get('/openapi.json')).status,
      (await client.get('/docs')).status,
      (await client.get('/docs/init.js')).status,
      (await client.get('/no-such-path')).status,
      (await client.get('/openapi.json')).status,
      (await client.get('/docs')).status,
    ];
    expect(statuses).toEqual([200, 200, 200, 404, 200, 429]);
  });
});
