import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { STRIPE_API_VERSION } from '../../src/integrations/stripe';
import { expandPaths, parseStripeForm, type FormObject, type FormValue } from './stripe-form';
import { addMonth, invoiceObject, subscriptionObject, type FakeInvoice, type FakeSubscription, type PriceSpec } from './stripe-objects';

/**
 * A stateful imitation of the Stripe v1 API for the calls CarbonPlan makes (reference/stripe.md): form-encoded
 * bodies, Bearer auth, a required Stripe-Version, Idempotency-Key replay, list envelopes and Stripe's error
 * bodies. Tests drive what no browser does here (completing Checkout, renewals, failed payments) through the
 * helpers, which return the events Stripe would send; `signedDelivery` signs one with the SDK.
 */
export interface StripeRequest {
  method: string;
  path: string;
  query: FormObject;
  body: FormObject;
  rawBody: string;
  headers: http.IncomingHttpHeaders;
}

export interface StripeFakeOptions {
  secretKey?: string;
  /** The only Stripe-Version accepted (default: the version src/integrations/stripe pins). */
  apiVersion?: string;
  /** Unix seconds; `setNow` moves it. */
  now?: number;
}

export interface ScriptedStripeFailure { status: number; body?: unknown; headers?: Record<string, string>; dropConnection?: boolean }

export type Json = Record<string, any>;
type Reply = { status: number; body: unknown; headers?: Record<string, string> };

export const FAKE_PRICES = { pro: 'price_fake_pro_monthly', enterprise: 'price_fake_enterprise_monthly' } as const;

export function stripeError(status: number, message: string, extra: { type?: string; code?: string; param?: string } = {}): Reply {
  const type = extra.type ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  const error: Json = { type, message, request_log_url: 'https://dashboard.stripe.com/test/logs/req_fake' };
  if (extra.code) Object.assign(error, { code: extra.code, doc_url: `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, '-')}` });
  if (extra.param) error.param = extra.param;
  return { status, body: { error } };
}

const missing = (kind: string, id: string, param = 'id') => stripeError(param === 'id' ? 404 : 400, `No such ${kind}: '${id}'`, { code: 'resource_missing', param });
const paramMissing = (param: string) => stripeError(400, `Missing required param: ${param}.`, { code: 'parameter_missing', param });
const str = (v: FormValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: FormValue | undefined): FormObject => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));

export interface StripeFake {
  readonly baseUrl: string;
  readonly secretKey: string;
  readonly requests: StripeRequest[];
  readonly customers: Map<string, Json>;
  readonly sessions: Map<string, Json>;
  readonly portalSessions: Map<string, Json>;
  readonly subscriptions: Map<string, FakeSubscription>;
  readonly invoices: Map<string, FakeInvoice>;
  /** The STRIPE_* and BILLING_* settings that point the app at this fake (no webhook secret unless given). */
  env(extra?: { webhookSecret?: string }): Record<string, string>;
  now(): number;
  setNow(unixSeconds: number): void;
  /** Answer the next `count` matching calls with this instead (before auth and idempotency; never stored). */
  failNext(count: number, failure: ScriptedStripeFailure, match?: { method?: string; path?: string | RegExp }): void;
  /** Stripe's view of one object, as GET would answer it. */
  subscription(id: string): Json;
  invoice(id: string): Json;
  /** A subscription created outside Checkout; periods in unix seconds (one item, monthly price). */
  createSubscription(input: { customer: string; plan?: 'pro' | 'enterprise'; status?: string; metadata?: Record<string, string>; periodStart?: number; periodEnd?: number }): Json;
  updateSubscription(id: string, patch: Partial<Omit<FakeSubscription, 'id'>>): Json;
  createInvoice(input: { subscription: string; status?: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible'; periodStart?: number; periodEnd?: number; billingReason?: string; amount?: number }): Json;
  updateInvoice(id: string, patch: Partial<Omit<FakeInvoice, 'id'>>): Json;
  /**
   * The customer pays an open Checkout Session: subscription (anchored as the session asked, first period to the
   * anchor) and its first paid invoice. Events in Stripe's typical order (reference/stripe.md §3.3).
   */
  completeCheckout(sessionId: string): { subscription: Json; invoice: Json; events: Stripe.Event[] };
  /** The period rolls over: next period on the item, a renewal invoice paid (or failed: `past_due`). */
  renewSubscription(id: string, options?: { paymentFails?: boolean }): { subscription: Json; invoice: Json; events: Stripe.Event[] };
  /** A failed invoice gets paid after all: paid, subscription back to active. */
  payInvoice(id: string): { subscription: Json; invoice: Json; events: Stripe.Event[] };
  /** The subscription ends now (`canceled`, `ended_at`). */
  cancelSubscription(id: string): { subscription: Json; events: Stripe.Event[] };
  /** An event envelope around Stripe's current view of `object` (a JSON copy), as Stripe would send it. */
  event(type: string, object: Json, previousAttributes?: Json): Stripe.Event;
  /** The exact body to POST and its Stripe-Signature header, made by the SDK's generateTestHeaderString. */
  signedDelivery(event: Stripe.Event | string, secret: string, options?: { timestamp?: number; signature?: string }): { payload: string; header: string };
  reset(): void;
  close(): Promise<void>;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;

export async function startStripeFake(options: StripeFakeOptions = {}): Promise<StripeFake> {
  const secretKey = options.secretKey ?? 'sk_test_fake_carbonplan';
  const apiVersion = options.apiVersion ?? STRIPE_API_VERSION;
  let clock = options.now ?? Math.floor(Date.now() / 1000);
  const requests: StripeRequest[] = [];
  const customers = new Map<string, Json>();
  const sessions = new Map<string, Json>();
  const portalSessions = new Map<string, Json>();
  const subscriptions = new Map<string, FakeSubscription>();
  const invoices = new Map<string, FakeInvoice>();
  const idempotency = new Map<string, { fingerprint: string; reply: Reply }>();
  let script: Array<{ failure: ScriptedStripeFailure; method?: string; path?: string | RegExp }> = [];
  const prices: Record<string, PriceSpec> = {
    [FAKE_PRICES.pro]: { id: FAKE_PRICES.pro, amount: 4900, product: 'prod_fake_pro', lookupKey: 'pro_monthly' },
    [FAKE_PRICES.enterprise]: { id: FAKE_PRICES.enterprise, amount: 49900, product: 'prod_fake_enterprise', lookupKey: 'enterprise_monthly' },
  };
  const planPrice = (plan: 'pro' | 'enterprise' = 'pro') => prices[FAKE_PRICES[plan]];

  const subscription = (subId: string): Json => {
    const sub = subscriptions.get(subId);
    if (!sub) throw new Error(`no subscription ${subId} in the Stripe fake`);
    return subscriptionObject(sub, prices[sub.price]);
  };
  const invoice = (invId: string): Json => {
    const inv = invoices.get(invId);
    if (!inv) throw new Error(`no invoice ${invId} in the Stripe fake`);
    const sub = subscriptions.get(inv.subscription)!;
    return invoiceObject(inv, sub, prices[sub.price]);
  };

  /** Replaces ids by objects for the top-level paths asked for (`latest_invoice`, `customer`, `subscription`). */
  const expanded = (object: Json, paths: string[]): Json => {
    const out = { ...object };
    for (const path of paths) {
      const [head] = path.split('.');
      const value = out[head];
      if (typeof value !== 'string') continue;
      if (value.startsWith('cus_') && customers.has(value)) out[head] = customers.get(value);
      else if (value.startsWith('sub_') && subscriptions.has(value)) out[head] = subscription(value);
      else if (value.startsWith('in_') && invoices.has(value)) out[head] = invoice(value);
    }
    return out;
  };

  const list = (url: string, all: Json[], q: FormObject): Reply => {
    const limit = Math.min(Math.max(Number(str(q.limit) ?? 10), 1), 100);
    // `all` is in creation order; within one second the later one is newer (sort is stable).
    const newestFirst = [...all].reverse().sort((a, b) => b.created - a.created);
    let from = 0;
    let to = newestFirst.length;
    const after = str(q.starting_after);
    const before = str(q.ending_before);
    if (after && before) return stripeError(400, 'You may only specify one of these parameters: ending_before, starting_after.', { code: 'parameter_invalid' });
    if (after) from = newestFirst.findIndex((o) => o.id === after) + 1;
    if (before) to = Math.max(newestFirst.findIndex((o) => o.id === before), 0);
    const page = before ? newestFirst.slice(Math.max(to - limit, 0), to) : newestFirst.slice(from, from + limit);
    const hasMore = before ? to - limit > 0 : from + limit < newestFirst.length;
    return { status: 200, body: { object: 'list', url, has_more: hasMore, data: page } };
  };

  const createCustomer = (p: FormObject): Reply => {
    const customer = {
      id: id('cus'), object: 'customer', address: null, balance: 0, created: clock, currency: null, default_source: null, delinquent: false,
      description: str(p.description) ?? null, discount: null, email: str(p.email) ?? null, invoice_prefix: randomBytes(4).toString('hex').toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false, metadata: { ...(obj(p.metadata) as Record<string, string>) }, name: str(p.name) ?? null, next_invoice_sequence: 1,
      phone: null, preferred_locales: [], shipping: null, tax_exempt: 'none', test_clock: null,
    };
    customers.set(customer.id, customer);
    return { status: 200, body: customer };
  };

  const updateCustomer = (cusId: string, p: FormObject): Reply => {
    const customer = customers.get(cusId);
    if (!customer) return missing('customer', cusId);
    for (const field of ['email', 'name', 'description'] as const) if (str(p[field]) !== undefined) customer[field] = str(p[field]) || null;
    for (const [k, v] of Object.entries(obj(p.metadata))) {
      if (v === '') delete customer.metadata[k];
      else customer.metadata[k] = v;
    }
    return { status: 200, body: customer };
  };

  const createCheckoutSession = (p: FormObject): Reply => {
    const mode = str(p.mode);
    if (!mode) return paramMissing('mode');
    if (!['payment', 'setup', 'subscription'].includes(mode)) return stripeError(400, `Invalid mode: must be one of payment, setup, or subscription`, { code: 'parameter_invalid', param: 'mode' });
    const customer = str(p.customer);
    if (customer && !customers.has(customer)) return missing('customer', customer, 'customer');
    const lineItems = Array.isArray(p.line_items) ? (p.line_items as FormObject[]) : [];
    if (mode === 'subscription' && lineItems.length === 0) return paramMissing('line_items');
    for (const [i, item] of lineItems.entries()) {
      const price = str(item.price);
      if (!price) return paramMissing(`line_items[${i}][price]`);
      if (!prices[price]) return missing('price', price, `line_items[${i}][price]`);
    }
    const subscriptionData = obj(p.subscription_data);
    const anchor = str(subscriptionData.billing_cycle_anchor);
    if (anchor !== undefined && (!/^\d+$/.test(anchor) || Number(anchor) <= clock)) {
      return stripeError(400, 'billing_cycle_anchor must be a timestamp in the future.', { code: 'parameter_invalid', param: 'subscription_data[billing_cycle_anchor]' });
    }
    const sessionId = `cs_test_${randomBytes(16).toString('hex')}`;
    const amount = lineItems.reduce((sum, item) => sum + prices[str(item.price)!].amount * Number(str(item.quantity) ?? 1), 0);
    const session = {
      id: sessionId, object: 'checkout.session', mode, status: 'open', payment_status: 'unpaid',
      url: `https://checkout.stripe.com/c/pay/${sessionId}`, ui_mode: str(p.ui_mode) ?? 'hosted_page', created: clock, expires_at: clock + 86_400,
      livemode: false, customer: customer ?? null, customer_email: str(p.customer_email) ?? null, customer_details: null, customer_creation: null,
      client_reference_id: str(p.client_reference_id) ?? null, metadata: { ...(obj(p.metadata) as Record<string, string>) },
      success_url: str(p.success_url) ?? null, cancel_url: str(p.cancel_url) ?? null, currency: 'usd', amount_subtotal: amount, amount_total: amount,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 }, subscription: null, invoice: null, payment_intent: null,
      setup_intent: null, payment_link: null, payment_method_types: ['card'], payment_method_collection: 'always', allow_promotion_codes: null,
      automatic_tax: { enabled: false, liability: null, provider: null, status: null }, after_expiration: null,
      // Kept for completeCheckout; Stripe does not echo these on the session.
      __lineItems: lineItems, __subscriptionData: subscriptionData,
    };
    sessions.set(sessionId, session);
    return { status: 200, body: publicSession(session) };
  };

  const createPortalSession = (p: FormObject): Reply => {
    const customer = str(p.customer);
    if (!customer) return paramMissing('customer');
    if (!customers.has(customer)) return missing('customer', customer, 'customer');
    const session = {
      id: id('bps'), object: 'billing_portal.session', configuration: 'bpc_fake_default', created: clock, customer, customer_account: null,
      flow: null, livemode: false, locale: str(p.locale) ?? null, on_behalf_of: null, return_url: str(p.return_url) ?? null,
      url: `https://billing.stripe.com/p/session/test_${randomBytes(12).toString('base64url')}`, after_expiration: null,
    };
    portalSessions.set(session.id, session);
    return { status: 200, body: session };
  };

  const route = (method: string, path: string, q: FormObject, p: FormObject): Reply => {
    const expand = expandPaths(method === 'GET' ? q : p);
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/customers') return createCustomer(p);
    if (method === 'GET' && path === '/v1/customers') return list('/v1/customers', [...customers.values()].filter((c) => !str(q.email) || c.email === str(q.email)), q);
    if ((m = /^\/v1\/customers\/([^/]+)$/.exec(path))) {
      if (method === 'POST') return updateCustomer(m[1], p);
      if (method === 'GET') return customers.has(m[1]) ? { status: 200, body: customers.get(m[1]) } : missing('customer', m[1]);
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') return createCheckoutSession(p);
    if (method === 'GET' && (m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path))) {
      const session = sessions.get(m[1]);
      return session ? { status: 200, body: expanded(publicSession(session), expand) } : missing('checkout.session', m[1]);
    }
    if (method === 'POST' && path === '/v1/billing_portal/sessions') return createPortalSession(p);
    if (method === 'GET' && path === '/v1/subscriptions') {
      const all = [...subscriptions.values()].filter((s) => (!str(q.customer) || s.customer === str(q.customer)) && (str(q.status) === 'all' || (str(q.status) ? s.status === str(q.status) : s.status !== 'canceled')));
      return list('/v1/subscriptions', all.map((s) => subscription(s.id)), q);
    }
    if (method === 'GET' && (m = /^\/v1\/subscriptions\/([^/]+)$/.exec(path))) {
      return subscriptions.has(m[1]) ? { status: 200, body: expanded(subscription(m[1]), expand) } : missing('subscription', m[1]);
    }
    if (method === 'GET' && path === '/v1/invoices') {
      const all = [...invoices.values()].filter((i) => (!str(q.customer) || subscriptions.get(i.subscription)?.customer === str(q.customer)) && (!str(q.subscription) || i.subscription === str(q.subscription)) && (!str(q.status) || i.status === str(q.status)));
      return list('/v1/invoices', all.map((i) => invoice(i.id)), q);
    }
    if (method === 'GET' && (m = /^\/v1\/invoices\/([^/]+)$/.exec(path))) {
      return invoices.has(m[1]) ? { status: 200, body: expanded(invoice(m[1]), expand) } : missing('invoice', m[1]);
    }
    return stripeError(404, `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
  };

  /** Auth, version, idempotency, then the route. */
  const handle = (req: StripeRequest): Reply => {
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${secretKey}`) {
      const presented = auth.replace(/^Bearer /, '');
      return stripeError(401, presented ? `Invalid API Key provided: ${presented.slice(0, 8)}****${presented.slice(-4)}` : 'You did not provide an API key.');
    }
    const version = req.headers['stripe-version'];
    if (version !== apiVersion) return stripeError(400, `Stripe-Version must be ${apiVersion} in this fake; got ${String(version ?? '(none)')}`, { code: 'invalid_stripe_version' });
    if (req.method === 'POST' && !String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return stripeError(400, 'Invalid request: the body must be application/x-www-form-urlencoded');
    }
    const key = req.method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) : undefined;
    if (key === undefined) return route(req.method, req.path, req.query, req.body);
    if (key.length > 255) return stripeError(400, 'Idempotency keys must be at most 255 characters long.', { code: 'idempotency_key_too_long' });
    const fingerprint = createHash('sha256').update(`${req.method} ${req.path} ${canonical(req.body)}`).digest('hex');
    const stored = idempotency.get(key);
    if (stored && stored.fingerprint !== fingerprint) {
      return stripeError(400, `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`, { type: 'idempotency_error' });
    }
    if (stored) return { ...stored.reply, headers: { ...stored.reply.headers, 'idempotent-replayed': 'true' } };
    const reply = route(req.method, req.path, req.query, req.body);
    // Stripe stores a result once the endpoint ran; parameter errors are not stored.
    if (reply.status < 400 || reply.status >= 500) idempotency.set(key, { fingerprint, reply: JSON.parse(JSON.stringify(reply)) });
    return reply;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stripe.fake');
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let reply: Reply;
      const recorded: StripeRequest = { method: req.method ?? 'GET', path: url.pathname, query: {}, body: {}, rawBody, headers: req.headers };
      try {
        recorded.query = parseStripeForm(url.search.replace(/^\?/, ''));
        recorded.body = parseStripeForm(rawBody);
      } catch (err) {
        reply = stripeError(400, (err as Error).message);
      }
      requests.push(recorded);
      const index = script.findIndex((s) => (!s.method || s.method === recorded.method) && (!s.path || (typeof s.path === 'string' ? recorded.path === s.path : s.path.test(recorded.path))));
      if (index >= 0) {
        const [{ failure }] = script.splice(index, 1);
        if (failure.dropConnection) return void req.socket.destroy();
        reply = { status: failure.status, body: failure.body ?? stripeError(failure.status, 'scripted failure').body, headers: failure.headers };
      }
      reply ??= handle(recorded);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': id('req'), 'stripe-version': apiVersion, ...reply.headers };
      if (recorded.method === 'POST' && req.headers['idempotency-key']) headers['idempotency-key'] = String(req.headers['idempotency-key']);
      res.writeHead(reply.status, headers);
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const event = (type: string, object: Json, previousAttributes?: Json): Stripe.Event => ({
    id: id('evt'), object: 'event', api_version: apiVersion, created: clock, livemode: false, pending_webhooks: 1, type,
    request: { id: null, idempotency_key: null },
    data: { object: JSON.parse(JSON.stringify(object)), ...(previousAttributes ? { previous_attributes: previousAttributes } : {}) },
  } as unknown as Stripe.Event);

  const newInvoice = (subId: string, input: { status?: FakeInvoice['status']; periodStart: number; periodEnd: number; billingReason: string; amount?: number }): FakeInvoice => {
    const sub = subscriptions.get(subId);
    if (!sub) throw new Error(`no subscription ${subId} in the Stripe fake`);
    const inv: FakeInvoice = {
      id: id('in'), subscription: subId, customer: sub.customer, status: input.status ?? 'paid', created: clock, billingReason: input.billingReason,
      amount: input.amount ?? prices[sub.price].amount, linePeriod: { start: input.periodStart, end: input.periodEnd }, attemptCount: 1,
      paidAt: (input.status ?? 'paid') === 'paid' ? clock : null, metadata: { ...sub.metadata },
    };
    invoices.set(inv.id, inv);
    sub.latestInvoice = inv.id;
    return inv;
  };

  const fake: StripeFake = {
    baseUrl, secretKey, requests, customers, sessions, portalSessions, subscriptions, invoices,
    env: (extra = {}) => ({
      STRIPE_SECRET_KEY: secretKey, STRIPE_API_BASE_URL: baseUrl, STRIPE_PRICE_PRO: FAKE_PRICES.pro, STRIPE_PRICE_ENTERPRISE: FAKE_PRICES.enterprise,
      BILLING_SUCCESS_URL: 'https://app.carbonplan.test/billing?checkout=success', BILLING_CANCEL_URL: 'https://app.carbonplan.test/billing',
      ...(extra.webhookSecret ? { STRIPE_WEBHOOK_SECRET: extra.webhookSecret } : {}),
    }),
    now: () => clock,
    setNow: (t) => { clock = t; },
    failNext(count, failure, match = {}) {
      for (let i = 0; i < count; i++) script.push({ failure, ...match });
    },
    subscription,
    invoice,
    createSubscription(input) {
      if (!customers.has(input.customer)) throw new Error(`no customer ${input.customer} in the Stripe fake`);
      const start = input.periodStart ?? clock;
      const sub: FakeSubscription = {
        id: id('sub'), itemId: id('si'), customer: input.customer, status: input.status ?? 'active', price: planPrice(input.plan).id, created: clock,
        billingCycleAnchor: input.periodEnd ?? addMonth(start), periodStart: start, periodEnd: input.periodEnd ?? addMonth(start),
        metadata: { ...input.metadata }, cancelAtPeriodEnd: false, canceledAt: null, endedAt: null, latestInvoice: null,
      };
      subscriptions.set(sub.id, sub);
      return subscription(sub.id);
    },
    updateSubscription(subId, patch) {
      const sub = subscriptions.get(subId);
      if (!sub) throw new Error(`no subscription ${subId} in the Stripe fake`);
      Object.assign(sub, patch);
      return subscription(subId);
    },
    createInvoice(input) {
      const sub = subscriptions.get(input.subscription);
      if (!sub) throw new Error(`no subscription ${input.subscription} in the Stripe fake`);
      return invoice(newInvoice(input.subscription, { status: input.status, periodStart: input.periodStart ?? sub.periodStart, periodEnd: input.periodEnd ?? sub.periodEnd, billingReason: input.billingReason ?? 'subscription_create', amount: input.amount }).id);
    },
    updateInvoice(invId, patch) {
      const inv = invoices.get(invId);
      if (!inv) throw new Error(`no invoice ${invId} in the Stripe fake`);
      Object.assign(inv, patch);
      return invoice(invId);
    },
    completeCheckout(sessionId) {
      const session = sessions.get(sessionId);
      if (!session || session.status !== 'open') throw new Error(`no open checkout session ${sessionId} in the Stripe fake`);
      const customer = session.customer ?? (createCustomer({ email: session.customer_email ?? '' }).body as Json).id;
      const price = str((session.__lineItems as FormObject[])[0]?.price) ?? FAKE_PRICES.pro;
      const data = session.__subscriptionData as FormObject;
      const anchor = str(data.billing_cycle_anchor) ? Number(str(data.billing_cycle_anchor)) : addMonth(clock);
      const sub: FakeSubscription = {
        id: id('sub'), itemId: id('si'), customer, status: 'active', price, created: clock, billingCycleAnchor: anchor,
        periodStart: clock, periodEnd: anchor, metadata: { ...(obj(data.metadata) as Record<string, string>) },
        cancelAtPeriodEnd: false, canceledAt: null, endedAt: null, latestInvoice: null,
      };
      subscriptions.set(sub.id, sub);
      // The first, partial period up to the anchor is prorated.
      const full = prices[price].amount;
      const prorated = Math.round((full * (anchor - clock)) / (addMonth(clock) - clock));
      const inv = newInvoice(sub.id, { periodStart: clock, periodEnd: anchor, billingReason: 'subscription_create', amount: Math.min(prorated, full) });
      Object.assign(session, { status: 'complete', payment_status: 'paid', url: null, customer, subscription: sub.id, invoice: inv.id, customer_details: { email: session.customer_email, name: null, address: null, tax_exempt: 'none', tax_ids: [] } });
      const s = subscription(sub.id);
      const i = invoice(inv.id);
      const finalized = { ...i, status: 'open', status_transitions: { ...i.status_transitions, paid_at: null }, amount_paid: 0, amount_remaining: i.amount_due };
      return {
        subscription: s, invoice: i,
        events: [event('customer.subscription.created', s), event('invoice.finalized', finalized), event('invoice.paid', i), event('invoice.payment_succeeded', i), event('checkout.session.completed', publicSession(session))],
      };
    },
    renewSubscription(subId, renewOptions = {}) {
      const sub = subscriptions.get(subId);
      if (!sub) throw new Error(`no subscription ${subId} in the Stripe fake`);
      const before = subscription(subId);
      sub.periodStart = sub.periodEnd;
      sub.periodEnd = addMonth(sub.periodStart);
      const inv = newInvoice(subId, { status: renewOptions.paymentFails ? 'open' : 'paid', periodStart: sub.periodStart, periodEnd: sub.periodEnd, billingReason: 'subscription_cycle' });
      const updated = subscription(subId);
      const events = [event('customer.subscription.updated', updated, { latest_invoice: before.latest_invoice, items: before.items }), event('invoice.finalized', { ...invoice(inv.id), status: 'open' })];
      if (!renewOptions.paymentFails) return { subscription: updated, invoice: invoice(inv.id), events: [...events, event('invoice.paid', invoice(inv.id)), event('invoice.payment_succeeded', invoice(inv.id))] };
      inv.nextPaymentAttempt = clock + 3 * 86_400;
      events.push(event('invoice.payment_failed', invoice(inv.id)));
      sub.status = 'past_due';
      const pastDue = subscription(subId);
      events.push(event('customer.subscription.updated', pastDue, { status: 'active' }));
      return { subscription: pastDue, invoice: invoice(inv.id), events };
    },
    payInvoice(invId) {
      const inv = invoices.get(invId);
      if (!inv) throw new Error(`no invoice ${invId} in the Stripe fake`);
      Object.assign(inv, { status: 'paid', paidAt: clock, attemptCount: inv.attemptCount + 1, nextPaymentAttempt: null });
      const sub = subscriptions.get(inv.subscription)!;
      const previous = sub.status;
      sub.status = 'active';
      const events = [event('invoice.paid', invoice(invId)), event('invoice.payment_succeeded', invoice(invId))];
      if (previous !== 'active') events.push(event('customer.subscription.updated', subscription(sub.id), { status: previous }));
      return { subscription: subscription(sub.id), invoice: invoice(invId), events };
    },
    cancelSubscription(subId) {
      const sub = subscriptions.get(subId);
      if (!sub) throw new Error(`no subscription ${subId} in the Stripe fake`);
      Object.assign(sub, { status: 'canceled', canceledAt: clock, endedAt: clock });
      return { subscription: subscription(subId), events: [event('customer.subscription.deleted', subscription(subId))] };
    },
    event,
    signedDelivery(ev, secret, signOptions = {}) {
      const payload = typeof ev === 'string' ? ev : JSON.stringify(ev);
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: signOptions.timestamp, signature: signOptions.signature });
      return { payload, header };
    },
    reset() {
      requests.length = 0;
      script = [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** The session without the fake's private fields. */
function publicSession(session: Json): Json {
  const { __lineItems: _l, __subscriptionData: _s, ...rest } = session;
  return { ...rest };
}
