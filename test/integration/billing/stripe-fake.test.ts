import Stripe from 'stripe';
import { createStripeClient, STRIPE_API_VERSION } from '../../../src/integrations/stripe';
import { FAKE_PRICES, startStripeFake, type StripeFake } from '../../fakes/stripe.fake';
import { parseStripeForm } from '../../fakes/stripe-form';

/** The Stripe imitation against the real stripe-node client, built the way the app builds it. */
let fake: StripeFake;
let stripe: Stripe;

beforeAll(async () => {
  fake = await startStripeFake();
  stripe = createStripeClient({ secretKey: fake.secretKey, apiBaseUrl: fake.baseUrl, prices: {} }, { maxNetworkRetries: 1 })!;
});
afterAll(async () => { await fake.close(); });
beforeEach(() => fake.reset());

describe('form decoding', () => {
  it('nests bracketed keys, turns indexed keys and [] into arrays, decodes %20 and +', () => {
    expect(parseStripeForm('mode=subscription&line_items[0][price]=p1&line_items[0][quantity]=1&line_items[1][price]=p2&subscription_data[metadata][org_id]=o&expand[]=a&expand[]=b&name=O%27Neil%20%26+Co&metadata[k]='))
      .toEqual({ mode: 'subscription', line_items: [{ price: 'p1', quantity: '1' }, { price: 'p2' }], subscription_data: { metadata: { org_id: 'o' } }, expand: ['a', 'b'], name: "O'Neil & Co", metadata: { k: '' } });
  });
});

describe('Stripe fake with stripe-node', () => {
  it('client from the config: pinned Stripe-Version, Bearer key, form body, the configured host', async () => {
    const customer = await stripe.customers.create({ name: "O'Neil & Co", metadata: { org_id: 'org_1' } });
    expect(customer).toMatchObject({ object: 'customer', name: "O'Neil & Co", metadata: { org_id: 'org_1' } });
    const [req] = fake.requests;
    expect(req.headers['stripe-version']).toBe(STRIPE_API_VERSION);
    expect(req.headers.authorization).toBe(`Bearer ${fake.secretKey}`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.rawBody).toContain('metadata[org_id]=org_1');
    expect(req.headers['idempotency-key']).toMatch(/^stripe-node-retry-/);
    expect((await stripe.customers.retrieve(customer.id)).id).toBe(customer.id);
  });

  it('refuses a wrong key (401) and another API version (400)', async () => {
    const wrongKey = createStripeClient({ secretKey: 'sk_test_wrong_key_1234', apiBaseUrl: fake.baseUrl, prices: {} }, { maxNetworkRetries: 0 })!;
    await expect(wrongKey.customers.create({})).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
    const { host, port } = new URL(fake.baseUrl);
    const otherVersion = new Stripe(fake.secretKey, { host: host.split(':')[0], port, protocol: 'http', apiVersion: '2025-03-31.basil' as never, maxNetworkRetries: 0 });
    await expect(otherVersion.customers.create({})).rejects.toMatchObject({ statusCode: 400, code: 'invalid_stripe_version' });
  });

  it('replays an Idempotency-Key with the same params and refuses it with different ones', async () => {
    const first = await stripe.customers.create({ name: 'Acme' }, { idempotencyKey: 'org_x:customer' });
    const again = await stripe.customers.create({ name: 'Acme' }, { idempotencyKey: 'org_x:customer' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(fake.customers.size).toBeGreaterThan(0);
    await expect(stripe.customers.create({ name: 'Other' }, { idempotencyKey: 'org_x:customer' }))
      .rejects.toMatchObject({ type: 'StripeIdempotencyError', statusCode: 400, message: expect.stringContaining('same parameters') });
  });

  it('the SDK retries a 500 with the same Idempotency-Key and the second attempt runs once', async () => {
    fake.failNext(1, { status: 500 }, { method: 'POST', path: '/v1/customers' });
    const customer = await stripe.customers.create({ name: 'Retry' }, { idempotencyKey: 'retry-key' });
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.headers['idempotency-key'])).toEqual(['retry-key', 'retry-key']);
    expect([...fake.customers.values()].filter((c) => c.name === 'Retry').map((c) => c.id)).toEqual([customer.id]);
  });

  it('checkout and portal sessions; resource_missing names the param', async () => {
    const customer = await stripe.customers.create({ metadata: { org_id: 'org_2' } });
    const anchor = fake.now() + 86_400;
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription', customer: customer.id, line_items: [{ price: FAKE_PRICES.pro, quantity: 1 }],
      success_url: 'https://app.test/ok', cancel_url: 'https://app.test/no', client_reference_id: 'org_2', metadata: { org_id: 'org_2' },
      subscription_data: { metadata: { org_id: 'org_2' }, billing_cycle_anchor: anchor },
    });
    expect(session).toMatchObject({ object: 'checkout.session', status: 'open', mode: 'subscription', customer: customer.id, client_reference_id: 'org_2', url: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\//) });
    expect(fake.requests.at(-1)!.body).toMatchObject({ line_items: [{ price: FAKE_PRICES.pro, quantity: '1' }], subscription_data: { billing_cycle_anchor: String(anchor), metadata: { org_id: 'org_2' } } });
    await expect(stripe.checkout.sessions.create({ mode: 'subscription', customer: 'cus_nope', line_items: [{ price: FAKE_PRICES.pro, quantity: 1 }] }))
      .rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'resource_missing', param: 'customer' });
    await expect(stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, line_items: [{ price: 'price_nope', quantity: 1 }] }))
      .rejects.toMatchObject({ code: 'resource_missing', param: 'line_items[0][price]' });
    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'https://app.test/billing' });
    expect(portal).toMatchObject({ object: 'billing_portal.session', customer: customer.id, url: expect.stringMatching(/^https:\/\/billing\.stripe\.com\//) });
  });

  it('completing Checkout: subscription with item periods, first invoice with the line period, events in order', async () => {
    const customer = await stripe.customers.create({});
    const anchor = fake.now() + 10 * 86_400;
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, line_items: [{ price: FAKE_PRICES.enterprise, quantity: 1 }], subscription_data: { metadata: { org_id: 'org_3' }, billing_cycle_anchor: anchor } });
    const { events } = fake.completeCheckout(session.id);
    expect(events.map((e) => e.type)).toEqual(['customer.subscription.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded', 'checkout.session.completed']);

    const completed = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid', url: null });
    const sub = completed.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({ status: 'active', metadata: { org_id: 'org_3' }, billing_cycle_anchor: anchor });
    expect(sub.items.data[0]).toMatchObject({ current_period_start: fake.now(), current_period_end: anchor, price: { id: FAKE_PRICES.enterprise } });
    expect('current_period_end' in sub).toBe(false);

    const invoice = await stripe.invoices.retrieve(completed.invoice as string);
    expect(invoice).toMatchObject({ status: 'paid', billing_reason: 'subscription_create', parent: { subscription_details: { subscription: sub.id, metadata: { org_id: 'org_3' } } } });
    expect(invoice.lines.data[0].period).toEqual({ start: fake.now(), end: anchor });

    const renewal = fake.renewSubscription(sub.id, { paymentFails: true });
    expect(renewal.events.map((e) => e.type)).toEqual(['customer.subscription.updated', 'invoice.finalized', 'invoice.payment_failed', 'customer.subscription.updated']);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('past_due');
    expect(fake.payInvoice(renewal.invoice.id).subscription.status).toBe('active');
    const listed = await stripe.invoices.list({ subscription: sub.id, limit: 1 });
    expect(listed).toMatchObject({ object: 'list', has_more: true, data: [{ id: renewal.invoice.id }] });
    const older = await stripe.invoices.list({ subscription: sub.id, limit: 1, starting_after: renewal.invoice.id });
    expect(older).toMatchObject({ has_more: false, data: [{ id: invoice.id }] });
  });

  it('unknown ids and routes answer Stripe error bodies', async () => {
    await expect(stripe.subscriptions.retrieve('sub_missing')).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing', param: 'id' });
    await expect(stripe.invoices.retrieve('in_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(stripe.products.list()).rejects.toMatchObject({ statusCode: 404, message: expect.stringContaining('Unrecognized request URL (GET: /v1/products)') });
  });

  it('signed deliveries verify with the SDK and fail with another secret', () => {
    const customer = fake.customers.values().next().value!;
    const { subscription, events } = fake.cancelSubscription(fake.createSubscription({ customer: customer.id, metadata: { org_id: 'org_4' } }).id);
    expect(subscription.status).toBe('canceled');
    const { payload, header } = fake.signedDelivery(events[0], 'whsec_test');
    expect(stripe.webhooks.constructEvent(payload, header, 'whsec_test').type).toBe('customer.subscription.deleted');
    expect(() => stripe.webhooks.constructEvent(payload, header, 'whsec_other')).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });
});
