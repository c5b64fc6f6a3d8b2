import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { ROUTES } from '../../../../src/http/routes';

/**
 * Walks every organization route. Routes with an id act on organization B's resources using
 * organization A's credentials and must answer 404; list routes must never show B's rows to A.
 * A route missing from the tables below fails the test, so new routes cannot escape the sweep.
 */
const keys = createClerkTestKeys();
let api: TestApi;
let tokenA: string;
let tokenB: string;
const secretsOfB: string[] = [];

/** Creates a resource owned by B and returns its id, per route with an `:id`. */
const createForB: Record<string, () => Promise<string>> = {
  '/api/v1/api-keys/:id': async () => {
    const res = await api.http.post('/api/v1/api-keys').set('Authorization', tokenB).send({ name: 'b-key' });
    secretsOfB.push(res.body.key);
    return res.body.id;
  },
};

/** Routes without an id, with the request that would show B's data if tenancy leaked. */
const collectionRoutes: Record<string, { body?: object }> = {
  'GET /api/v1/me': {},
  'GET /api/v1/api-keys': {},
  'POST /api/v1/api-keys': { body: { name: 'a-key' } },
};

beforeAll(async () => {
  api = await startTestApi(testConfig({ RATE_LIMIT_API_PER_MINUTE: '10000' }, keys));
  tokenA = `Bearer ${mintClerkToken(keys, { orgId: `org_sweep_a_${Date.now()}` })}`;
  tokenB = `Bearer ${mintClerkToken(keys, { orgId: `org_sweep_b_${Date.now()}` })}`;
  await api.http.post('/api/v1/api-keys').set('Authorization', tokenB).send({ name: 'b-visible-name' });
});
afterAll(async () => { await api.close(); });

const orgRoutes = ROUTES.filter((r) => r.auth === 'organization');

describe('tenancy sweep', () => {
  it('covers every organization route', () => {
    const uncovered = orgRoutes
      .filter((r) => (r.path.includes(':id') ? !createForB[r.path] : !collectionRoutes[`${r.method.toUpperCase()} ${r.path}`]))
      .map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(uncovered).toEqual([]);
  });

  it.each(orgRoutes.filter((r) => r.path.includes(':id')).map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
    '%s answers 404 for another organization\'s id',
    async (_name, route) => {
      const idOfB = await createForB[route.path]();
      const res = await api.http[route.method](route.path.replace(':id', idOfB)).set('Authorization', tokenA).send({});
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    },
  );

  it.each(Object.entries(collectionRoutes))('%s never shows the other organization\'s data', async (name, { body }) => {
    const [method, path] = name.split(' ');
    const res = await (api.http as any)[method.toLowerCase()](path).set('Authorization', tokenA).send(body ?? {});
    expect(res.status).toBeLessThan(300);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('b-visible-name');
    expect(text).not.toContain('org_sweep_b');
    for (const secret of secretsOfB) expect(text).not.toContain(secret);
  });

  it("leaves B's key working after A's attempts", async () => {
    for (const secret of secretsOfB) expect((await api.http.get('/api/v1/me').set('Authorization', `Bearer ${secret}`)).status).toBe(200);
  });
});
