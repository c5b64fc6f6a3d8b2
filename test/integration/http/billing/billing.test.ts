import request from 'supertest';
import { createApp } from '../../../../src/http/app';
import { defineRoute } from '../../../../src/http/route';
import { ROUTES } from '../../../../src/http/routes';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { testConfig } from '../../../helpers/env';
import { FAKE_PRICES, startStripeFake, type StripeFake } from '../../../fakes/stripe.fake';

/** POST /billing/checkout, POST /billing/portal, GET /billing/status and plan gating, against the Stripe fake. */
const keys = createClerkTestKeys();
let stripe: StripeFake;
let api: TestApi;
let unconfigured: TestApi;
let seq = 0;

/** A fresh organization: its admin and member tokens, an API key and its row id. */
async function newOrg() {
  const clerkOrgId = `org_billing_${Date.now()}_${seq++}`;
  const admin = `Bearer ${mintClerkToken(keys, { orgId: clerkOrgId, orgRole: 'admin', userId: 'user_admin' })}`;
  const member = `Bearer ${mintClerkToken(keys, { orgId: clerkOrgId, orgRole: 'member', userId: 'user_member' })}`;
  const key = await api.http.post('/api/v1/api-keys').set('Authorization', admin).send({ name: 'automation' });
  expect(key.status).toBe(201);
  const id = (await api.http.get('/api/v1/me').set('Authorization', admin)).body.organization.id as string;
  return { id, clerkOrgId, admin, member, apiKey: `Bearer ${key.body.key}` };
}
const orgRow = async (id: string) => (await api.deps.dataSource.query(`SELECT * FROM organizations WHERE id = $1`, [id]))[0];
const stripeCalls = (method: string, path: string) => stripe.requests.filter((r) => r.method === method && r.path === path);

beforeAll(async () => {
  stripe = await startStripeFake();
  api = await startTestApi(testConfig({ ...stripe.env(), RATE_LIMIT_API_PER_MINUTE: '10000' }, keys));
  unconfigured = await startTestApi(testConfig({}, keys));
});
afterAll(async () => { await api?.close(); await unconfigured?.close(); await stripe?.close(); });

describe('POST /api/v1/billing/checkout', () => {
  it('creates the customer once (org id in metadata), a subscription-mode session anchored on the 1st of next month, with idempotency keys', async () => {
    const org = await newOrg();
    stripe.reset();
    const res = await api.http.post('/api/v1/billing/checkout').set('Authorization', org.admin).send({ plan: 'pro' });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200, body: { url: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/) } });

    const [customerCall] = stripeCalls('POST', '/v1/customers');
    expect(customerCall.body).toMatchObject({ metadata: { org_id: org.id, clerk_org_id: org.clerkOrgId } });
    expect(customerCall.headers['idempotency-key']).toBe(`carbonplan:customer:${org.id}`);
    const customerId = (await orgRow(org.id)).stripe_customer_id;
    expect(customerId).toMatch(/^cus_/);

    const [sessionCall] = stripeCalls('POST', '/v1/checkout/sessions');
    const now = new Date();
    const anchor = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) / 1000;
    expect(sessionCall.body).toEqual({
      mode: 'subscription', customer: customerId, line_items: [{ price: FAKE_PRICES.pro, quantity: '1' }],
      success_url: stripe.env().BILLING_SUCCESS_URL, cancel_url: stripe.env().BILLING_CANCEL_URL,
      client_reference_id: org.id, metadata: { org_id: org.id, plan: 'pro' },
      subscription_data: { metadata: { org_id: org.id, plan: 'pro' }, billing_cycle_anchor: String(anchor), proration_behavior: 'create_prorations' },
    });
    expect(sessionCall.headers['idempotency-key']).toBe(`carbonplan:checkout:${org.id}:pro:${now.toISOString().slice(0, 10)}`);

    // Again, and for the other plan: the same customer, no second one.
    const again = await api.http.post('/api/v1/billing/checkout').set('Authorization', org.admin).send({ plan: 'pro' });
    expect(again.body.url).toBe(res.body.url);
    const enterprise = await api.http.post('/api/v1/billing/checkout').set('Authorization', org.admin).send({ plan: 'enterprise' });
    expect(enterprise.status).toBe(200);
    expect(enterprise.body.url).not.toBe(res.body.url);
    expect(stripeCalls('POST', '/v1/customers')).toHaveLength(1);
    expect(stripeCalls('POST', '/v1/checkout/sessions').at(-1)!.body).toMatchObject({ customer: customerId, line_items: [{ price: FAKE_PRICES.enterprise }] });
    expect([...stripe.customers.values()].filter((c) => c.metadata.org_id === org.id)).toHaveLength(1);
  });

  it('answers 409 with a portal URL once a subscription is live, and lets a canceled one subscribe again', async () => {
    const org = await newOrg();
    expect((await api.http.post('/api/v1/billing/checkout').set('Authorization', org.admin).send({ plan: 'pro' })).status).toBe(200);
    const customer = (await orgRow(org.id)).stripe_customer_id;
    // Stripe knows the subscription before its webhook reached us: the check asks Stripe, not the row.
    const sub = stripe.createSubscription({ customer, metadata: { org_id: org.id } });
    stripe.reset();
    const res = await api.http.post('/api/v1/billing/checkout').set('Authorization', org.admin).send({ plan: 'enterprise' });
    expect({ status: res.status, body: res.body }).toMatchObject({
      status: 409, body: { error: { code: 'CONFLICT', message: expect.stringContaining('billing portal'), details: { portalUrl: expect.stringMatching(/^https:\/\/billing\.stripe\.com\//) } } },
    });
    expect(stripeCalls('POST', '/v1/checkout/sessions')).toHaveLength(0);
    stripe.cancelSubscription(sub.id);
    expect((await api.http.post('/api/v1/billing/checkout').set('Authorization', org.admin).send({ plan: 'enterprise' })).status).toBe(200);
  });

  it('validates the plan', async () => {
    const org = await newOrg();
    for (const body of [{}, { plan: 'free' }, { plan: 'pro', extra: 1 }]) {
      const res = await api.http.post('/api/v1/billing/checkout').set('Authorization', org.admin).send(body);
      expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('a Stripe outage is a 502 after stripe-node\'s retries, with the same Idempotency-Key on each attempt', async () => {
    const org = await newOrg();
    stripe.reset();
    stripe.failNext(3, { status: 503 }, { method: 'POST', path: '/v1/customers' });
    const res = await api.http.post('/api/v1/billing/checkout').set('Authorization', org.admin).send({ plan: 'pro' });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 502, code: 'PROVIDER_UNREACHABLE' });
    expect(new Set(stripeCalls('POST', '/v1/customers').map((r) => r.headers['idempotency-key']))).toEqual(new Set([`carbonplan:customer:${org.id}`]));
    expect((await orgRow(org.id)).stripe_customer_id).toBeNull();
  });
});

describe('POST /api/v1/billing/portal', () => {
  it('404 before the organization has a customer, then a portal session for its customer', async () => {
    const org = await newOrg();
    const before = await api.http.post('/api/v1/billing/portal').set('Authorization', org.admin).send();
    expect({ status: before.status, body: before.body }).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: expect.stringContaining('no billing account yet') } } });
    await api.http.post('/api/v1/billing/checkout').set('Authorization', org.admin).send({ plan: 'pro' });
    stripe.reset();
    const res = await api.http.post('/api/v1/billing/portal').set('Authorization', org.admin).send();
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200, body: { url: expect.stringMatching(/^https:\/\/billing\.stripe\.com\//) } });
    expect(stripeCalls('POST', '/v1/billing_portal/sessions')[0].body).toEqual({ customer: (await orgRow(org.id)).stripe_customer_id, return_url: stripe.env().BILLING_CANCEL_URL });
  });
});

describe('roles', () => {
  it.each([['member'], ['apiKey']] as const)('the two POSTs refuse %s (403, nothing sent to Stripe); status answers it', async (caller) => {
    const org = await newOrg();
    stripe.reset();
    for (const [path, body] of [['/api/v1/billing/checkout', { plan: 'pro' }], ['/api/v1/billing/portal', undefined]] as const) {
      const res = await api.http.post(path).set('Authorization', org[caller]).send(body);
      expect({ path, status: res.status, body: res.body }).toMatchObject({ path, status: 403, body: { error: { code: 'FORBIDDEN', message: expect.stringContaining('org:admin') } } });
    }
    expect(stripe.requests).toHaveLength(0);
    expect((await orgRow(org.id)).stripe_customer_id).toBeNull();
    expect((await api.http.get('/api/v1/billing/status').set('Authorization', org[caller])).status).toBe(200);
  });
});

describe('GET /api/v1/billing/status', () => {
  it('free before any subscription', async () => {
    const org = await newOrg();
    const res = await api.http.get('/api/v1/billing/status').set('Authorization', org.member);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { plan: 'free', subscriptionStatus: null, currentPeriod: null, periods: [], nextReceiptDueAt: null } });
  });

  it('plan, status and current period from the organization row; its own periods newest first; the next receipt', async () => {
    const org = await newOrg();
    const other = await newOrg();
    await api.deps.dataSource.query(
      `UPDATE organizations SET plan = 'pro', subscription_status = 'active', current_period_start = '2031-03-01T00:00:00Z', current_period_end = '2031-04-01T00:00:00Z' WHERE id = $1`, [org.id]);
    const insert = (orgId: string, start: string, end: string, status: string) => api.deps.dataSource.query(
      `INSERT INTO billing_periods (org_id, period_start, period_end, status, workflow_id) VALUES ($1, $2, $3, $4, $5)`,
      [orgId, start, end, status, `billing-period:${orgId}:${start.slice(0, 7)}`]);
    await insert(org.id, '2031-01-15T10:00:00Z', '2031-02-01T00:00:00Z', 'failed');
    await insert(org.id, '2031-03-01T00:00:00Z', '2031-04-01T00:00:00Z', 'open');
    await insert(org.id, '2031-02-01T00:00:00Z', '2031-03-01T00:00:00Z', 'closing');
    await insert(other.id, '2031-02-01T00:00:00Z', '2031-03-01T00:00:00Z', 'failed');

    const res = await api.http.get('/api/v1/billing/status').set('Authorization', org.apiKey);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ plan: 'pro', subscriptionStatus: 'active', currentPeriod: { start: '2031-03-01T00:00:00.000Z', end: '2031-04-01T00:00:00.000Z' } });
    expect(res.body.periods.map((p: { periodStart: string; status: string; receiptDueAt: string }) => [p.periodStart, p.status, p.receiptDueAt])).toEqual([
      ['2031-03-01T00:00:00.000Z', 'open', '2031-04-03T00:00:00.000Z'],
      ['2031-02-01T00:00:00.000Z', 'closing', '2031-03-03T00:00:00.000Z'],
      ['2031-01-15T10:00:00.000Z', 'failed', '2031-02-03T00:00:00.000Z'],
    ]);
    expect(res.body.nextReceiptDueAt).toBe('2031-03-03T00:00:00.000Z');
    expect((await api.http.get('/api/v1/billing/status').set('Authorization', other.admin)).body.periods.map((p: { status: string }) => p.status)).toEqual(['failed']);
  });

  it('a canceled subscription has no current period', async () => {
    const org = await newOrg();
    await api.deps.dataSource.query(
      `UPDATE organizations SET subscription_status = 'canceled', current_period_start = '2031-03-01T00:00:00Z', current_period_end = '2031-04-01T00:00:00Z' WHERE id = $1`, [org.id]);
    expect((await api.http.get('/api/v1/billing/status').set('Authorization', org.admin)).body).toMatchObject({ plan: 'free', subscriptionStatus: 'canceled', currentPeriod: null, nextReceiptDueAt: null });
  });
});

describe('without Stripe settings', () => {
  it('every billing endpoint answers 503 BILLING_NOT_CONFIGURED with a clear message; the rest works', async () => {
    const admin = `Bearer ${mintClerkToken(keys, { orgId: `org_nobilling_${Date.now()}` })}`;
    for (const [method, path, body] of [['post', '/api/v1/billing/checkout', { plan: 'pro' }], ['post', '/api/v1/billing/portal', undefined], ['get', '/api/v1/billing/status', undefined]] as const) {
      const res = await unconfigured.http[method](path).set('Authorization', admin).send(body);
      expect({ path, status: res.status, body: res.body }).toMatchObject({
        path, status: 503, body: { error: { code: 'BILLING_NOT_CONFIGURED', message: expect.stringContaining('STRIPE_SECRET_KEY'), requestId: expect.any(String) } },
      });
    }
    expect((await unconfigured.http.get('/api/v1/me').set('Authorization', admin)).status).toBe(200);
    expect((await unconfigured.http.post('/api/v1/projects').set('Authorization', admin).send({ name: 'still works' })).status).toBe(201);
  });
});

describe('plan gating', () => {
  // No receipt route exists yet: a route declared here with `plan: 'paid'`, mounted by the real app.
  const gated = defineRoute({
    method: 'get', path: '/api/v1/test-paid-only', summary: 'test', tag: 'test', auth: 'organization', access: 'member', plan: 'paid',
    response: { status: 200 }, handler: async ({ auth }) => ({ org: auth.orgId }),
  });

  it('a free organization gets 403 PLAN_REQUIRED with details.upgradeUrl; pro and enterprise pass; the OpenAPI states it', async () => {
    const app = request(createApp(api.deps, [...ROUTES, gated]));
    const org = await newOrg();
    const refused = await app.get('/api/v1/test-paid-only').set('Authorization', org.member);
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 403,
      body: { error: { code: 'PLAN_REQUIRED', message: expect.stringContaining('pro or enterprise'), requestId: expect.any(String), details: { upgradeUrl: stripe.env().BILLING_CANCEL_URL } } },
    });
    for (const plan of ['pro', 'enterprise', 'free']) {
      await api.deps.dataSource.query(`UPDATE organizations SET plan = $2 WHERE id = $1`, [org.id, plan]);
      const res = await app.get('/api/v1/test-paid-only').set('Authorization', org.apiKey);
      expect({ plan, status: res.status }).toEqual({ plan, status: plan === 'free' ? 403 : 200 });
    }
    const operation = (await app.get('/openapi.json')).body.paths['/api/v1/test-paid-only'].get;
    expect(operation).toMatchObject({ 'x-required-plan': 'paid', description: expect.stringContaining('PLAN_REQUIRED') });
  });

  it('without billing settings the upgrade URL is the checkout endpoint', async () => {
    const app = request(createApp(unconfigured.deps, [...ROUTES, gated]));
    const res = await app.get('/api/v1/test-paid-only').set('Authorization', `Bearer ${mintClerkToken(keys, { orgId: `org_free_${Date.now()}` })}`);
    expect(res.body.error).toMatchObject({ code: 'PLAN_REQUIRED', details: { upgradeUrl: '/api/v1/billing/checkout' } });
  });
});
