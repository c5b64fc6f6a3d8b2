import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { FactorSetRepository } from '../../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../../src/services/telemetry/ingest.service';
import { bucket } from '../../../factories/usage';
import { GOOD_KEYS, startProviderFakes, type ProviderFakes } from '../../../helpers/provider-fakes';
import { ROUTES } from '../../../../src/http/routes';

/**
 * Walks every organization route. Routes with an id act on organization B's resources using
 * organization A's credentials and must answer 404; list routes must never show B's rows to A.
 * A route missing from the tables below fails the test, so new routes cannot escape the sweep.
 */
const keys = createClerkTestKeys();
let api: TestApi;
let fakes: ProviderFakes;
let tokenA: string;
let projectOfA: string;
let tokenB: string;
const secretsOfB: string[] = [];

let connectionIdOfB: string | undefined;
/** B's one connection (a key can be connected only once per organization); A never manages to delete it. */
async function connectionOfB(): Promise<string> {
  if (connectionIdOfB) return connectionIdOfB;
  const res = await api.http.post('/api/v1/connections').set('Authorization', tokenB).send({ provider: 'openai', apiKey: GOOD_KEYS.openai, name: 'b-visible-name' });
  expect(res.status).toBe(201);
  connectionIdOfB = res.body.id as string;
  return connectionIdOfB;
}

/** Creates a resource owned by B and returns its id, per route with an `:id`. */
const createForB: Record<string, () => Promise<string>> = {
  '/api/v1/connections/:id': connectionOfB,
  '/api/v1/connections/:id/sync': connectionOfB,
  '/api/v1/connections/:id/project': connectionOfB,
  '/api/v1/connections/:id/key': connectionOfB,
  '/api/v1/api-keys/:id': async () => {
    const res = await api.http.post('/api/v1/api-keys').set('Authorization', tokenB).send({ name: 'b-key' });
    secretsOfB.push(res.body.key);
    return res.body.id;
  },
  '/api/v1/projects/:id': async () => {
    const res = await api.http.post('/api/v1/projects').set('Authorization', tokenB).send({ name: 'b-visible-name' });
    expect(res.status).toBe(201);
    return res.body.id;
  },
};

/** A valid body for A, so a 404 can only come from tenancy, not validation. */
const bodyForA: Record<string, () => object> = {
  'PUT /api/v1/connections/:id/project': () => ({ projectId: projectOfA }),
  'PUT /api/v1/connections/:id/key': () => ({ apiKey: GOOD_KEYS.openai }),
  'PATCH /api/v1/projects/:id': () => ({ name: 'a-renamed', slug: 'a-renamed', isDefault: true }),
};

/** Routes without an id, with the request that would show B's data if tenancy leaked. */
const collectionRoutes: Record<string, { body?: object }> = {
  'GET /api/v1/connections': {},
  'POST /api/v1/estimate': { body: { model: 'gpt-4o', inputTokens: 10, outputTokens: 5 } },
  'POST /api/v1/connections': { body: { provider: 'anthropic', apiKey: GOOD_KEYS.anthropic } },
  'GET /api/v1/me': {},
  'GET /api/v1/api-keys': {},
  'POST /api/v1/api-keys': { body: { name: 'a-key' } },
  'GET /api/v1/projects': {},
  'POST /api/v1/projects': { body: { name: 'a-project' } },
  'GET /api/v1/telemetry/summary': {},
  'GET /api/v1/telemetry/models': {},
  'GET /api/v1/telemetry/events': {},
  'GET /api/v1/export': {},
};

beforeAll(async () => {
  fakes = await startProviderFakes();
  api = await startTestApi(testConfig({ ...fakes.env, RATE_LIMIT_API_PER_MINUTE: '10000' }, keys));
  tokenA = `Bearer ${mintClerkToken(keys, { orgId: `org_sweep_a_${Date.now()}` })}`;
  tokenB = `Bearer ${mintClerkToken(keys, { orgId: `org_sweep_b_${Date.now()}` })}`;
  await api.http.post('/api/v1/api-keys').set('Authorization', tokenB).send({ name: 'b-visible-name' });
  // B has usage (yesterday, inside every endpoint's default range) under a model name A must never see.
  const connB = await connectionOfB();
  const [rowB] = await api.deps.dataSource.query(`SELECT org_id, project_id FROM provider_connections WHERE id = $1`, [connB]);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 13) + ':00:00Z';
  await new IngestService(api.deps.dataSource, new FactorSetRepository(api.deps.dataSource))
    .ingest({ id: connB, orgId: rowB.org_id, projectId: rowB.project_id, provider: 'openai' }, [bucket({ hour: yesterday, model: 'b-visible-name-model' })]);
  const orgOfA = (await api.http.get('/api/v1/me').set('Authorization', tokenA)).body.organization.id;
  [{ id: projectOfA }] = await api.deps.dataSource.query(`SELECT id FROM projects WHERE org_id = $1 AND is_default`, [orgOfA]);
});
afterAll(async () => { await api.close(); await fakes.close(); });

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
      const body = bodyForA[`${route.method.toUpperCase()} ${route.path}`]?.() ?? {};
      const res = await api.http[route.method](route.path.replace(':id', idOfB)).set('Authorization', tokenA).send(body);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    },
  );

  it.each(Object.entries(collectionRoutes))('%s never shows the other organization\'s data', async (name, { body }) => {
    const [method, path] = name.split(' ');
    const res = await (api.http as any)[method.toLowerCase()](path).set('Authorization', tokenA).send(body ?? {});
    expect(res.status).toBeLessThan(300);
    const text = JSON.stringify(res.body) + res.text;
    expect(text).not.toContain('b-visible-name');
    expect(text).not.toContain('org_sweep_b');
    for (const secret of secretsOfB) expect(text).not.toContain(secret);
  });

  it('control: B itself does see its data through the same routes', async () => {
    for (const path of ['/api/v1/telemetry/summary', '/api/v1/export', '/api/v1/api-keys', '/api/v1/connections']) {
      const res = await api.http.get(path).set('Authorization', tokenB);
      expect(JSON.stringify(res.body) + res.text).toContain('b-visible-name');
    }
  });

  it("leaves B's key working after A's attempts", async () => {
    for (const secret of secretsOfB) expect((await api.http.get('/api/v1/me').set('Authorization', `Bearer ${secret}`)).status).toBe(200);
  });
});
