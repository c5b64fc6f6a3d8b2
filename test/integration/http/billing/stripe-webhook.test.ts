// POST /webhooks/stripe against the Stripe fake, the run's Postgres and the dev server with the real worker:
// the signature matrix, once-only processing, unknown customers, a failure half-way, a duplicate storm and
// shuffled orders that all end in the same state with exactly one billing-period workflow per period.
import Stripe from 'stripe';
import type { Config } from '../../../../src/config';
import { createTemporal, type TemporalHandle } from '../../../../src/integrations/temporal';
import { billingPeriodWorkflowId } from '../../../../src/services/billing/billing-periods';
import { billingStatusQuery } from '../../../../workflows';
import { startStripeFake, type StripeFake } from '../../../fakes/stripe.fake';
import { seededRandom } from '../../../factories/usage';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { testConfig } from '../../../helpers/env';
import { eventually, installQuietRuntime } from '../../../helpers/temporal';
import { startTestWorker, type TestWorker } from '../../../helpers/worker';

const SECRET = 'whsec_test_carbonplan_webhooks';
const keys = createClerkTestKeys();
let stripe: StripeFake;
let config: Config;
let api: TestApi;
let worker: TestWorker;
let temporal: TemporalHandle;
let seq = 0;

beforeAll(async () => {
  installQuietRuntime();
  stripe = await startStripeFake();
  config = testConfig({ ...stripe.env({ webhookSecret: SECRET }), RATE_LIMIT_API_PER_MINUTE: '10000' }, keys);
  api = await startTestApi(config);
  worker = await startTestWorker(config);
  temporal = createTemporal(config);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await temporal?.close();
  await api?.close();
  await stripe?.close();
});

const deliver = (event: Stripe.Event | string, options?: { timestamp?: number; signature?: string; secret?: string }) => {
  const { payload, header } = stripe.signedDelivery(event, options?.secret ?? SECRET, options);
  return api.http.post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', header).send(payload);
};
const eventRow = async (id: string) => (await api.deps.dataSource.query(`SELECT * FROM stripe_events WHERE event_id = $1`, [id]))[0];
const orgRow = async (id: string) => (await api.deps.dataSource.query(`SELECT * FROM organizations WHERE id = $1`, [id]))[0];

/** A new organization with an open Checkout Session for `pro`, made through the API. */
async function checkoutOrg(): Promise<{ orgId: string; sessionId: string }> {
  const admin = `Bearer ${mintClerkToken(keys, { orgId: `org_webhook_${Date.now()}_${seq++}`, orgRole: 'admin', userId: 'user_admin' })}`;
  const orgId = (await api.http.get('/api/v1/me').set('Authorization', admin)).body.organization.id as string;
  const res = await api.http.post('/api/v1/billing/checkout').set('Authorization', admin).send({ plan: 'pro' });
  expect({ status: res.status, body: res.body }).toMatchObject({ status: 200 });
  const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === orgId)!;
  return { orgId, sessionId: session.id };
}

/** What an organization's billing looks like, without its ids, for comparing orders. */
async function billingState(orgId: string) {
  const org = await orgRow(orgId);
  const periods = await api.deps.dataSource.query(
    `SELECT period_start, period_end, status, stripe_invoice_id IS NOT NULL AS has_invoice FROM billing_periods WHERE org_id = $1 ORDER BY period_start`, [orgId],
  );
  return {
    plan: org.plan, subscriptionStatus: org.subscription_status, hasSubscription: !!org.stripe_subscription_id,
    currentPeriod: [org.current_period_start?.toISOString(), org.current_period_end?.toISOString()],
    periods: periods.map((p: any) => ({ start: p.period_start.toISOString(), end: p.period_end.toISOString(), status: p.status, hasInvoice: p.has_invoice })),
  };
}

/** Every billing-period workflow of the organization (visibility), with the number of runs of each id. */
async function periodWorkflows(orgId: string): Promise<Record<string, number>> {
  const runs: Record<string, number> = {};
  for await (const wf of temporal.client.workflow.list({ query: `WorkflowType = "billingPeriodWorkflow" AND OrgId = "${orgId}"` })) {
    runs[wf.workflowId] = (runs[wf.workflowId] ?? 0) + 1;
  }
  return runs;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('POST /webhooks/stripe: signature', () => {
  const unhandled = () => stripe.event('customer.created', { id: `cus_sig_${seq++}`, object: 'customer', metadata: {} });
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts a valid signature (answers 200 and records the event); an unhandled type is ignored', async () => {
    const event = unhandled();
    const res = await deliver(event);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { received: true, eventId: event.id, outcome: 'ignored: unhandled type' } });
    expect(await eventRow(event.id)).toMatchObject({ type: 'customer.created', outcome: 'ignored: unhandled type', processed_at: expect.any(Date) });
  });

  it('accepts a timestamp within 300 s either side of now', async () => {
    for (const timestamp of [now() - 290, now() + 290]) expect((await deliver(unhandled(), { timestamp })).status).toBe(200);
  });

  it('stripe-node itself accepts a timestamp from the future (the reason for our own check)', () => {
    const { payload, header } = stripe.signedDelivery(unhandled(), SECRET, { timestamp: now() + 3600 });
    expect(() => Stripe.webhooks.constructEvent(payload, header, SECRET, 300)).not.toThrow();
  });

  const cases: Array<[string, (event: Stripe.Event) => Promise<import('supertest').Response>]> = [
    ['missing', (e) => api.http.post('/webhooks/stripe').set('Content-Type', 'application/json').send(JSON.stringify(e))],
    ['malformed', (e) => api.http.post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', 'v1=deadbeef,nonsense').send(JSON.stringify(e))],
    ['non-numeric timestamp', (e) => api.http.post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', 't=soon,v1=deadbeef').send(JSON.stringify(e))],
    ['wrong secret', (e) => deliver(e, { secret: 'whsec_someone_else' })],
    ['forged', (e) => deliver(e, { signature: 'a'.repeat(64) })],
    ['tampered body', (e) => {
      const { payload, header } = stripe.signedDelivery(e, SECRET);
      return api.http.post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', header).send(payload.replace('customer.created', 'customer.deleted'));
    }],
    ['stale (301 s old)', (e) => deliver(e, { timestamp: now() - 301 })],
    ['future (301 s ahead)', (e) => deliver(e, { timestamp: now() + 301 })],
  ];
  it.each(cases)('rejects a Stripe-Signature that is %s with 400 and records nothing', async (_name, send) => {
    const event = unhandled();
    const res = await send(event);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await eventRow(event.id)).toBeUndefined();
  });
});

describe('POST /webhooks/stripe: limits', () => {
  it('is exempt from the per-IP limit (Stripe sends every customer\'s events from a few addresses)', async () => {
    const limited = await startTestApi(testConfig({ ...stripe.env({ webhookSecret: SECRET }), RATE_LIMIT_PUBLIC_PER_MINUTE: '2' }, keys));
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) {
        const { payload, header } = stripe.signedDelivery(stripe.event('customer.created', { id: `cus_limit_${seq++}`, object: 'customer' }), SECRET);
        statuses.push((await limited.http.post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', header).send(payload)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expect((await limited.http.get('/health')).status).not.toBe(429);
      await limited.http.get('/health');
      expect((await limited.http.get('/health')).status).toBe(429);
    } finally {
      await limited.close();
    }
  });
});

describe('POST /webhooks/stripe: without billing settings', () => {
  it('answers 503 BILLING_NOT_CONFIGURED', async () => {
    const bare = await startTestApi(testConfig({}, keys));
    try {
      const { payload, header } = stripe.signedDelivery(stripe.event('customer.created', { id: 'cus_bare', object: 'customer' }), SECRET);
      const res = await bare.http.post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', header).send(payload);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 503, code: 'BILLING_NOT_CONFIGURED' });
    } finally {
      await bare.close();
    }
  });
});

describe('POST /webhooks/stripe: processing', () => {
  it('processes an event once: a redelivery answers 200 and does nothing', async () => {
    const { orgId, sessionId } = await checkoutOrg();
    const { events } = stripe.completeCheckout(sessionId);
    const created = events.find((e) => e.type === 'customer.subscription.created')!;
    expect((await deliver(created)).body.outcome).toBe('subscription synced (active)');
    const retrievals = stripe.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/subscriptions/')).length;
    const again = await deliver(created);
    expect({ status: again.status, outcome: again.body.outcome }).toEqual({ status: 200, outcome: 'duplicate' });
    expect(stripe.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/subscriptions/')).length).toBe(retrievals);
    expect(await orgRow(orgId)).toMatchObject({ plan: 'pro', subscription_status: 'active' });
  });

  it('an event that failed half-way (Stripe unreachable) is processed again on the next delivery', async () => {
    const { orgId, sessionId } = await checkoutOrg();
    const created = stripe.completeCheckout(sessionId).events.find((e) => e.type === 'customer.subscription.created')!;
    stripe.failNext(3, { status: 500 }, { method: 'GET', path: /^\/v1\/subscriptions\// });
    const failed = await deliver(created);
    expect({ status: failed.status, code: failed.body.error?.code, retryAfter: failed.headers['retry-after'] })
      .toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE', retryAfter: expect.stringMatching(/^\d+$/) });
    expect(await eventRow(created.id)).toMatchObject({ processed_at: null });
    expect((await orgRow(orgId)).plan).toBe('free');
    const retried = await deliver(created);
    expect({ status: retried.status, outcome: retried.body.outcome }).toEqual({ status: 200, outcome: 'subscription synced (active)' });
    expect((await orgRow(orgId)).plan).toBe('pro');
  });

  it('an event for an unknown customer answers 200 and is logged', async () => {
    stripe.customers.set('cus_nobody_we_know', { id: 'cus_nobody_we_know', object: 'customer', metadata: {} });
    const sub = stripe.createSubscription({ customer: 'cus_nobody_we_know' });
    const res = await deliver(stripe.event('customer.subscription.updated', sub));
    expect({ status: res.status, outcome: res.body.outcome }).toEqual({ status: 200, outcome: 'ignored: unknown customer' });
    expect(api.logs()).toContain('stripe webhook for an unknown customer');
  });

  it('invoice.payment_succeeded after invoice.paid for the same invoice is a duplicate; the workflow starts from the line period', async () => {
    const { orgId, sessionId } = await checkoutOrg();
    const { events, invoice } = stripe.completeCheckout(sessionId);
    const startedAt = Date.now();
    expect((await deliver(events.find((e) => e.type === 'invoice.paid')!)).body.outcome).toBe('signalled');
    expect(Date.now() - startedAt).toBeLessThan(1000); // answered at once: the period's work happens in its workflow
    expect((await deliver(events.find((e) => e.type === 'invoice.payment_succeeded')!)).body.outcome).toMatch(/^duplicate of invoice.paid evt_/);
    const line = invoice.lines.data[0].period;
    const handle = temporal.client.workflow.getHandle(billingPeriodWorkflowId(orgId, new Date(line.start * 1000)));
    await eventually(async () => expect(await handle.query(billingStatusQuery)).toMatchObject({
      status: 'closing', invoiceId: invoice.id, periodStart: new Date(line.start * 1000).toISOString(), periodEnd: new Date(line.end * 1000).toISOString(),
    }));
  });
});

describe('POST /webhooks/stripe: duplicates and order', () => {
  /** A new subscription through Checkout and one renewal: every event Stripe would send, in its order. */
  async function scenario() {
    const { orgId, sessionId } = await checkoutOrg();
    const first = stripe.completeCheckout(sessionId);
    const subscriptionId = first.subscription.id as string;
    const renewal = stripe.renewSubscription(subscriptionId);
    return { orgId, events: [...first.events, ...renewal.events], periods: [first.invoice, renewal.invoice].map((i) => i.lines.data[0].period) };
  }

  async function expectSettled(orgId: string, periods: Array<{ start: number; end: number }>) {
    await eventually(async () => {
      const state = await billingState(orgId);
      expect(state).toMatchObject({ plan: 'pro', subscriptionStatus: 'active', hasSubscription: true });
      expect(state.currentPeriod).toEqual([new Date(periods[1].start * 1000).toISOString(), new Date(periods[1].end * 1000).toISOString()]);
      expect(state.periods).toEqual(periods.map((p) => ({ start: new Date(p.start * 1000).toISOString(), end: new Date(p.end * 1000).toISOString(), status: 'closing', hasInvoice: true })));
    });
    const ids = periods.map((p) => billingPeriodWorkflowId(orgId, new Date(p.start * 1000)));
    await eventually(async () => expect(await periodWorkflows(orgId)).toEqual(Object.fromEntries(ids.map((id) => [id, 1]))), { timeoutMs: 20_000 });
    return billingState(orgId);
  }

  it('every event of a new subscription and of a renewal delivered three times, concurrently: one state, one workflow per period', async () => {
    const { orgId, events, periods } = await scenario();
    const storm = shuffle([...events, ...events, ...events], seededRandom(7));
    const responses = await Promise.all(storm.map((e) => deliver(e)));
    expect(responses.map((r) => r.status)).toEqual(storm.map(() => 200));
    await expectSettled(orgId, periods);
    const processed = await api.deps.dataSource.query(`SELECT count(*)::int AS n FROM stripe_events WHERE event_id = ANY($1) AND processed_at IS NOT NULL`, [events.map((e) => e.id)]);
    expect(processed[0].n).toBe(events.length);
  }, 90_000);

  it('shuffled orders (with redeliveries) all end in the same state', async () => {
    const states = [];
    for (const seed of [1, 2, 3]) {
      const { orgId, events, periods } = await scenario();
      const random = seededRandom(seed);
      const order = shuffle([...events, ...events.filter(() => random() < 0.4)], random);
      for (const event of order) expect((await deliver(event)).status).toBe(200);
      const state = await expectSettled(orgId, periods);
      states.push({ ...state, periods: state.periods.map((p: { status: string }) => p.status), currentPeriod: state.currentPeriod.length });
    }
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
  }, 120_000);

  it('a period runs to closed on the dev server with real activities; a late invoice.paid for it is recorded and ignored, never a second run', async () => {
    // Same task queue as the test worker, no grace: a period that ended yesterday closes as soon as it is paid.
    const quick = await startTestApi(testConfig({ ...stripe.env({ webhookSecret: SECRET }), TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, RECEIPT_GRACE_SECONDS: '0' }, keys));
    try {
      const { orgId, sessionId } = await checkoutOrg();
      const { invoice } = stripe.completeCheckout(sessionId);
      const end = Math.floor(Date.now() / 86_400_000) * 86_400 - 86_400;
      const start = end - 30 * 86_400;
      const past = { ...invoice, lines: { ...invoice.lines, data: [{ ...invoice.lines.data[0], period: { start, end } }] } };
      const send = async (event: Stripe.Event) => {
        const { payload, header } = stripe.signedDelivery(event, SECRET);
        return quick.http.post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', header).send(payload);
      };
      expect((await send(stripe.event('invoice.paid', past))).body.outcome).toBe('signalled');
      const handle = temporal.client.workflow.getHandle(billingPeriodWorkflowId(orgId, new Date(start * 1000)));
      expect(await handle.result()).toMatchObject({ status: 'closed', invoiceId: invoice.id });
      const [row] = await api.deps.dataSource.query(`SELECT status, snapshot FROM billing_periods WHERE org_id = $1`, [orgId]);
      expect(row).toMatchObject({ status: 'closed', snapshot: { totals: { events: '0' }, range: { from: new Date(start * 1000).toISOString().slice(0, 10) } } });
      // The real worker issued the period's receipt after finalize, once, and logged it (no usage: nothing to retire).
      const receipts = await api.deps.dataSource.query(`SELECT r.kind, (SELECT count(*)::int FROM log_entries l WHERE l.serial = r.serial) AS logged
        FROM carbon_receipts r JOIN billing_periods bp ON bp.id = r.billing_period_id WHERE bp.org_id = $1`, [orgId]);
      expect(receipts).toEqual([{ kind: 'period', logged: 1 }]);
      const { runId } = await handle.describe();

      // The same invoice paid again (a new event id) stops at the invoice-id dedupe; another invoice of the period
      // reaches Temporal, whose REJECT_DUPLICATE refuses a second run.
      expect((await send(stripe.event('invoice.paid', past))).body.outcome).toMatch(/^duplicate of invoice.paid /);
      const late = stripe.event('invoice.paid', { ...past, id: `${invoice.id}_late` });
      const res = await send(late);
      expect({ status: res.status, outcome: res.body.outcome }).toEqual({ status: 200, outcome: 'ignored: period closed' });
      expect(await eventRow(late.id)).toMatchObject({ outcome: 'ignored: period closed', object_id: `${invoice.id}_late`, processed_at: expect.any(Date) });
      expect((await handle.describe()).runId).toBe(runId);
      await eventually(async () => expect(Object.values(await periodWorkflows(orgId))).toEqual([1]), { timeoutMs: 20_000 });
      expect(quick.logs()).toContain('stripe webhook for a billing period already closed');
    } finally {
      await quick.close();
    }
  }, 60_000);

  it('a cancelled subscription turns the organization free; its paid period stays closing (it closes normally)', async () => {
    const { orgId, sessionId } = await checkoutOrg();
    const first = stripe.completeCheckout(sessionId);
    for (const event of first.events) expect((await deliver(event)).status).toBe(200);
    const cancelled = stripe.cancelSubscription(first.subscription.id);
    expect((await deliver(cancelled.events[0])).body.outcome).toBe('subscription synced (canceled); 0 unpaid period(s) told');
    // An older .updated (still active) delivered late re-reads Stripe: the organization stays free.
    expect((await deliver(stripe.event('customer.subscription.updated', first.subscription))).status).toBe(200);
    await eventually(async () => expect(await billingState(orgId)).toMatchObject({ plan: 'free', subscriptionStatus: 'canceled', periods: [{ status: 'closing' }] }));
  });
});
