import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { FactorSetRepository } from '../../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../../src/services/telemetry/ingest.service';
import { bucket } from '../../../factories/usage';
import { GOOD_KEYS, startProviderFakes, type ProviderFakes } from '../../../helpers/provider-fakes';
import { ROUTES } from '../../../../src/http/routes';
import { startStripeFake, type StripeFake } from '../../../fakes/stripe.fake';
import { createReceiptStorage } from '../../../../src/receipts/pdf/receipt-storage';
import { insertReceiptRow, storeRenderedPdf } from '../../../factories/receipts';
import { insertSignedReceiptRow } from '../../../helpers/receipt-api';
import { createAuditPackStorage } from '../../../../src/services/audit-packs/audit-pack-storage';
import { storeAuditPack } from '../../../factories/audit-packs';

/**
 * Walks every organization route. Routes with an id act on organization B's resources using
 * organization A's credentials and must answer 404; list routes must never show B's rows to A.
 * Then, inside one organization C, every write route is called by a member, an admin and an API key.
 * A route missing from the tables below fails the test, so new routes cannot escape the sweep.
 */
const keys = createClerkTestKeys();
let api: TestApi;
let fakes: ProviderFakes;
let stripe: StripeFake;
let tokenA: string;
let projectOfA: string;
let tokenB: string;
let orgOfB: string;
let orgOfA: string;
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

let receiptIdOfB: string | undefined;
/** B's one receipt, rendered, in B's one billing period (the control below lists it; a period has one receipt). */
async function receiptOfB(): Promise<string> {
  if (receiptIdOfB) return receiptIdOfB;
  const receipt = await insertReceiptRow(api.deps.dataSource, { orgId: orgOfB, name: 'b-visible-name' }, { period: { start: '2031-05-01T00:00:00.000Z', end: '2031-06-01T00:00:00.000Z' }, serial: 'CL-203105-B0000' });
  await storeRenderedPdf(api.deps.dataSource, createReceiptStorage(api.deps.config.receipts, api.deps.config.aws), receipt, orgOfB);
  receiptIdOfB = receipt.id;
  return receiptIdOfB;
}
/** Ids of B's resources that no response to A may contain (lists carry no names to look for). */
const idsOfB: string[] = [];

let auditPackIdOfB: string | undefined;
/** B's one audit pack (zip stored, row written). */
async function auditPackOfB(): Promise<string> {
  if (auditPackIdOfB) return auditPackIdOfB;
  const pack = await storeAuditPack(api.deps.dataSource, createAuditPackStorage(api.deps.config.auditPacks, api.deps.config.aws), orgOfB, '2031-05', 1);
  idsOfB.push(pack.id, pack.manifestSha256);
  auditPackIdOfB = pack.id;
  return auditPackIdOfB;
}
const paidA = () => api.deps.dataSource.query(`UPDATE organizations SET plan = 'pro' WHERE id = $1`, [orgOfA]);

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
  // B's rendered receipt; A is put on a paid plan for this one request (see afterEach), so only tenancy can refuse it.
  '/api/v1/receipts/:id': async () => { await paidA(); return receiptOfB(); },
  '/api/v1/receipts/:id/pdf': async () => { await paidA(); return receiptOfB(); },
  '/api/v1/audit-packs/:id/download': async () => { await paidA(); return auditPackOfB(); },
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

/** Routes without an id, with the request that would show B's data if tenancy leaked (`before` sets it up). */
const collectionRoutes: Record<string, { body?: object; before?: () => Promise<void> }> = {
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
  'POST /api/v1/billing/checkout': { body: { plan: 'pro' } },
  'POST /api/v1/billing/portal': {},
  'GET /api/v1/billing/status': {},
  // B has a receipt naming it; A is put on a paid plan for this one request, so the list itself must hide B's.
  'GET /api/v1/receipts': {
    before: async () => { await receiptOfB(); await paidA(); },
  },
  // B has a pack; A (paid for the request) lists its own, none; A's request starts A's workflow only.
  'GET /api/v1/audit-packs': { before: async () => { await auditPackOfB(); await paidA(); } },
  'POST /api/v1/audit-packs': { body: { month: '2025-05' }, before: async () => { await auditPackOfB(); await paidA(); } },
  // No query: the current year, where B has usage (yesterday) under a name A must never see.
  'GET /api/v1/disclosure': {},
};

/**
 * OpenRouter management keys, one per connection organization C creates: a key connects once per organization, and
 * OpenRouter names no account (the OpenAI and Anthropic fakes put every key in one account, which connects once).
 */
const ROLE_SWEEP_KEYS = Array.from({ length: 40 }, (_, i) => `sk-or-v1-management-roles-${String(i).padStart(2, '0')}-0000000`);

beforeAll(async () => {
  fakes = await startProviderFakes({ extraKeys: { openrouter: ROLE_SWEEP_KEYS } });
  stripe = await startStripeFake();
  api = await startTestApi(testConfig({ ...fakes.env, ...stripe.env(), RATE_LIMIT_API_PER_MINUTE: '10000' }, keys));
  tokenA = `Bearer ${mintClerkToken(keys, { orgId: `org_sweep_a_${Date.now()}` })}`;
  tokenB = `Bearer ${mintClerkToken(keys, { orgId: `org_sweep_b_${Date.now()}` })}`;
  await api.http.post('/api/v1/api-keys').set('Authorization', tokenB).send({ name: 'b-visible-name' });
  // B has usage (yesterday, inside every endpoint's default range) under a model name A must never see.
  const connB = await connectionOfB();
  const [rowB] = await api.deps.dataSource.query(`SELECT org_id, project_id FROM provider_connections WHERE id = $1`, [connB]);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 13) + ':00:00Z';
  await new IngestService(api.deps.dataSource, new FactorSetRepository(api.deps.dataSource))
    .ingest({ id: connB, orgId: rowB.org_id, projectId: rowB.project_id, provider: 'openai' }, [bucket({ hour: yesterday, model: 'b-visible-name-model' })]);
  orgOfA = (await api.http.get('/api/v1/me').set('Authorization', tokenA)).body.organization.id;
  [{ id: projectOfA }] = await api.deps.dataSource.query(`SELECT id FROM projects WHERE org_id = $1 AND is_default`, [orgOfA]);
  // Both have a Stripe customer (A's portal answers 200 only with one); B also a billing period and a plan.
  for (const token of [tokenA, tokenB]) expect((await api.http.post('/api/v1/billing/checkout').set('Authorization', token).send({ plan: 'pro' })).status).toBe(200);
  orgOfB = (await api.http.get('/api/v1/me').set('Authorization', tokenB)).body.organization.id;
  await api.deps.dataSource.query(`UPDATE organizations SET plan = 'enterprise', subscription_status = 'past_due', current_period_start = '2031-05-01Z', current_period_end = '2031-06-01Z' WHERE id = $1`, [orgOfB]);
  await api.deps.dataSource.query(`INSERT INTO billing_periods (org_id, period_start, period_end, status, workflow_id) VALUES ($1, '2031-05-01Z', '2031-06-01Z', 'open', 'billing-period:b-visible-name')`, [orgOfB]);
});
afterAll(async () => { await api.close(); await fakes.close(); await stripe.close(); });

const orgRoutes = ROUTES.filter((r) => r.auth === 'organization');

describe('tenancy sweep', () => {
  afterEach(async () => { await api.deps.dataSource.query(`UPDATE organizations SET plan = 'free' WHERE id = $1`, [orgOfA]); });

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

  it.each(Object.entries(collectionRoutes))('%s never shows the other organization\'s data', async (name, { body, before }) => {
    const [method, path] = name.split(' ');
    await before?.();
    const res = await (api.http as any)[method.toLowerCase()](path).set('Authorization', tokenA).send(body ?? {});
    expect(res.status).toBeLessThan(300);
    const text = JSON.stringify(res.body) + res.text;
    expect(text).not.toContain('b-visible-name');
    expect(text).not.toContain('org_sweep_b');
    for (const secret of secretsOfB) expect(text).not.toContain(secret);
    for (const id of idsOfB) expect(text).not.toContain(id);
  });

  it('control: B itself does see its data through the same routes', async () => {
    for (const path of ['/api/v1/telemetry/summary', '/api/v1/export', '/api/v1/api-keys', '/api/v1/connections']) {
      const res = await api.http.get(path).set('Authorization', tokenB);
      expect(JSON.stringify(res.body) + res.text).toContain('b-visible-name');
    }
    const billingOfB = (await api.http.get('/api/v1/billing/status').set('Authorization', tokenB)).body;
    expect(billingOfB).toMatchObject({ plan: 'enterprise', subscriptionStatus: 'past_due', periods: [{ periodStart: '2031-05-01T00:00:00.000Z' }] });
    const billingOfA = (await api.http.get('/api/v1/billing/status').set('Authorization', tokenA)).body;
    expect(billingOfA).toEqual({ plan: 'free', subscriptionStatus: null, currentPeriod: null, periods: [], nextReceiptDueAt: null });
  });

  it("leaves B's key working after A's attempts", async () => {
    for (const secret of secretsOfB) expect((await api.http.get('/api/v1/me').set('Authorization', `Bearer ${secret}`)).status).toBe(200);
  });
});

type Caller = 'member' | 'admin' | 'apiKey';
const CALLERS: Caller[] = ['member', 'admin', 'apiKey'];

/**
 * The status each caller gets from each write route of its own organization (ARCHITECTURE §8), written out
 * here rather than read from the routes' declarations, so a route declaring the wrong access fails. Every
 * request is valid and aimed at a fresh resource of C, so admin's column is the positive control and a 403
 * can only come from the role.
 */
const writeStatuses: Record<string, Record<Caller, number>> = {
  'POST /api/v1/api-keys': { member: 403, admin: 201, apiKey: 403 },
  'DELETE /api/v1/api-keys/:id': { member: 403, admin: 200, apiKey: 403 },
  'POST /api/v1/estimate': { member: 200, admin: 200, apiKey: 200 },
  'POST /api/v1/connections': { member: 403, admin: 201, apiKey: 201 },
  'DELETE /api/v1/connections/:id': { member: 403, admin: 204, apiKey: 204 },
  'POST /api/v1/connections/:id/sync': { member: 202, admin: 202, apiKey: 202 },
  'PUT /api/v1/connections/:id/project': { member: 403, admin: 200, apiKey: 200 },
  'PUT /api/v1/connections/:id/key': { member: 403, admin: 200, apiKey: 200 },
  'POST /api/v1/projects': { member: 403, admin: 201, apiKey: 201 },
  'PATCH /api/v1/projects/:id': { member: 403, admin: 200, apiKey: 200 },
  'DELETE /api/v1/projects/:id': { member: 403, admin: 204, apiKey: 204 },
  // Subscribing and the billing portal are for signed-in admins only (an API key cannot commit to payments).
  'POST /api/v1/billing/checkout': { member: 403, admin: 200, apiKey: 403 },
  'POST /api/v1/billing/portal': { member: 403, admin: 200, apiKey: 403 },
  // Asking for an audit pack starts work for the organization: admins and keys (paid plan).
  'POST /api/v1/audit-packs': { member: 403, admin: 202, apiKey: 202 },
};

describe('role sweep', () => {
  const authOfC = {} as Record<Caller, string>;
  let orgOfC: string;
  let nextKey = 0;
  let nextName = 0;
  const providerKey = () => ROLE_SWEEP_KEYS[nextKey++];
  const name = () => `c-${nextName++}`;

  async function created(path: string, body: object): Promise<string> {
    const res = await api.http.post(path).set('Authorization', authOfC.admin).send(body);
    expect({ path, status: res.status, body: res.body }).toMatchObject({ path, status: 201 });
    return res.body.id as string;
  }
  const newConnection = () => created('/api/v1/connections', { provider: 'openrouter', apiKey: providerKey(), name: name() });
  const newProject = () => created('/api/v1/projects', { name: name() });

  /** A fresh, valid request per call, so each caller acts on a resource in the same state. */
  const requestFor: Record<string, () => Promise<{ path: string; body?: object }>> = {
    'POST /api/v1/api-keys': async () => ({ path: '/api/v1/api-keys', body: { name: name() } }),
    'DELETE /api/v1/api-keys/:id': async () => ({ path: `/api/v1/api-keys/${await created('/api/v1/api-keys', { name: name() })}` }),
    'POST /api/v1/estimate': async () => ({ path: '/api/v1/estimate', body: { model: 'gpt-4o', inputTokens: 10, outputTokens: 5 } }),
    'POST /api/v1/connections': async () => ({ path: '/api/v1/connections', body: { provider: 'openrouter', apiKey: providerKey(), name: name() } }),
    'DELETE /api/v1/connections/:id': async () => ({ path: `/api/v1/connections/${await newConnection()}` }),
    'POST /api/v1/connections/:id/sync': async () => ({ path: `/api/v1/connections/${await newConnection()}/sync` }),
    'PUT /api/v1/connections/:id/project': async () => ({ path: `/api/v1/connections/${await newConnection()}/project`, body: { projectId: await newProject() } }),
    'PUT /api/v1/connections/:id/key': async () => ({ path: `/api/v1/connections/${await newConnection()}/key`, body: { apiKey: providerKey() } }),
    'POST /api/v1/projects': async () => ({ path: '/api/v1/projects', body: { name: name() } }),
    'PATCH /api/v1/projects/:id': async () => ({ path: `/api/v1/projects/${await newProject()}`, body: { name: name() } }),
    'DELETE /api/v1/projects/:id': async () => ({ path: `/api/v1/projects/${await newProject()}` }),
    'POST /api/v1/billing/checkout': async () => ({ path: '/api/v1/billing/checkout', body: { plan: 'enterprise' } }),
    'POST /api/v1/billing/portal': async () => {
      // The portal needs C's Stripe customer, which its admin's first checkout creates.
      expect((await api.http.post('/api/v1/billing/checkout').set('Authorization', authOfC.admin).send({ plan: 'pro' })).status).toBe(200);
      return { path: '/api/v1/billing/portal' };
    },
    'POST /api/v1/audit-packs': async () => {
      await api.deps.dataSource.query(`UPDATE organizations SET plan = 'pro' WHERE id = $1`, [orgOfC]);
      return { path: '/api/v1/audit-packs', body: { month: '2025-04' } };
    },
  };

  /** What a refused request must leave untouched. */
  const stateOfC = async () => ({
    keys: await api.deps.dataSource.query(`SELECT id, revoked_at FROM api_keys WHERE org_id = $1 ORDER BY id`, [orgOfC]),
    connections: await api.deps.dataSource.query(`SELECT id, project_id, status, name, key_hint, key_fingerprint, last_manual_sync_at FROM provider_connections WHERE org_id = $1 ORDER BY id`, [orgOfC]),
    projects: await api.deps.dataSource.query(`SELECT id, name, slug, is_default FROM projects WHERE org_id = $1 ORDER BY id`, [orgOfC]),
    billing: await api.deps.dataSource.query(`SELECT plan, stripe_customer_id, stripe_subscription_id FROM organizations WHERE id = $1`, [orgOfC]),
  });

  beforeAll(async () => {
    const orgId = `org_sweep_c_${Date.now()}`;
    authOfC.admin = `Bearer ${mintClerkToken(keys, { orgId, orgRole: 'admin', userId: 'user_c_admin' })}`;
    authOfC.member = `Bearer ${mintClerkToken(keys, { orgId, orgRole: 'member', userId: 'user_c_member' })}`;
    const key = await api.http.post('/api/v1/api-keys').set('Authorization', authOfC.admin).send({ name: 'c-automation' });
    expect(key.status).toBe(201);
    authOfC.apiKey = `Bearer ${key.body.key}`;
    orgOfC = (await api.http.get('/api/v1/me').set('Authorization', authOfC.admin)).body.organization.id;
  });

  const writeRoutes = orgRoutes.filter((r) => r.method !== 'get').map((r) => `${r.method.toUpperCase()} ${r.path}`);

  it('covers every write route, and only those', () => {
    expect(Object.keys(writeStatuses).sort()).toEqual([...writeRoutes].sort());
    expect(Object.keys(requestFor).sort()).toEqual([...writeRoutes].sort());
  });

  it('control: every write route succeeds for an admin', () => {
    // The requests themselves run below as '… as admin'; here the table may not excuse admin from any route.
    expect(writeRoutes.filter((route) => !(writeStatuses[route]?.admin >= 200 && writeStatuses[route]?.admin < 300))).toEqual([]);
  });

  it.each(writeRoutes.flatMap((route) => CALLERS.map((caller) => [route, caller, writeStatuses[route]?.[caller]] as const)))(
    '%s as %s answers %s',
    async (route, caller, expected) => {
      const [method] = route.split(' ');
      const { path, body } = await requestFor[route]();
      const before = await stateOfC();
      const res = await (api.http as any)[method.toLowerCase()](path).set('Authorization', authOfC[caller]).send(body ?? {});
      expect({ status: res.status, body: res.body }).toMatchObject({ status: expected });
      if (expected === 403) {
        expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('org:admin') });
        expect(await stateOfC()).toEqual(before);
      }
    },
  );

  it('every read route answers a member and an API key', async () => {
    // Receipts need a paid plan and a rendered receipt of C's own, signed by a key whose seed derives its verify code.
    await api.deps.dataSource.query(`UPDATE organizations SET plan = 'pro' WHERE id = $1`, [orgOfC]);
    const receipt = await insertSignedReceiptRow(api.deps.dataSource, api.deps.services.signingKeys, orgOfC);
    await storeRenderedPdf(api.deps.dataSource, createReceiptStorage(api.deps.config.receipts, api.deps.config.aws), receipt, orgOfC);
    const pack = await storeAuditPack(api.deps.dataSource, createAuditPackStorage(api.deps.config.auditPacks, api.deps.config.aws), orgOfC, '2031-06', 1);
    const ids = { connection: await newConnection(), project: await newProject(), receipt: receipt.id, auditPack: pack.id };
    for (const route of orgRoutes.filter((r) => r.method === 'get')) {
      const id = route.path.startsWith('/api/v1/connections') ? ids.connection : route.path.startsWith('/api/v1/receipts') ? ids.receipt
        : route.path.startsWith('/api/v1/audit-packs') ? ids.auditPack : ids.project;
      const path = route.path.replace(':id', id);
      for (const caller of ['member', 'apiKey'] as const) {
        const res = await api.http.get(path).set('Authorization', authOfC[caller]);
        expect({ path, caller, status: res.status, body: res.body }).toMatchObject({ path, caller, status: 200 });
      }
    }
  });

  it('states each route\'s access in the OpenAPI document', async () => {
    const doc = (await api.http.get('/openapi.json')).body;
    const toOpenApi = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');
    for (const route of orgRoutes) {
      const operation = doc.paths[toOpenApi(route.path)][route.method];
      expect({ route: route.path, method: route.method, access: operation['x-required-access'], description: operation.description })
        .toEqual({ route: route.path, method: route.method, access: route.access, description: expect.stringMatching(/^Requires /) });
    }
  });
});
