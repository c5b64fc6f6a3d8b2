import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { z } from 'zod';
import {
  AuthenticationError, CarbonPlan, ConflictError, NotFoundError, PermissionError, PlanRequiredError, RateLimitError, ServiceUnavailableError,
  ValidationError, verifyReceipt,
} from '../../../sdk/typescript/src';
import { AuditPackRepository } from '../../../src/services/audit-packs/audit-pack.repository';
import { auditPackKey, createAuditPackStorage } from '../../../src/services/audit-packs/audit-pack-storage';
import type { IssuedReceipt } from '../../../src/services/receipts/receipt-issuer';
import { startStripeFake, type StripeFake } from '../../fakes/stripe.fake';
import { startTestApi, type TestApi } from '../../helpers/api';
import { createClerkTestKeys, mintClerkToken } from '../../helpers/clerk';
import { testConfig } from '../../helpers/env';
import { GOOD_KEYS, startProviderFakes, type ProviderFakes } from '../../helpers/provider-fakes';
import { startReceiptApi, type ReceiptApi } from '../../helpers/receipt-api';

/**
 * The SDK against a running stack: the real API listening on a loopback port, on Postgres (a scratch database with
 * receipts issued by the real issuer) and the Temporal dev server, with provider and Stripe imitations; the SDK
 * authenticates with an organization API key made through the API.
 */
const keys = createClerkTestKeys();
const SECOND_OPENAI_KEY = 'sk-admin-second-00000000000000openai2';
const RANGE = { from: '2026-01-01', to: '2026-04-01' };
let fakes: ProviderFakes;
let stripe: StripeFake;
let stack: ReceiptApi;
let server: Server;
let baseUrl: string;
let cp: CarbonPlan;
let issued: IssuedReceipt[];
let orgId: string;

const listen = async (app: TestApi['app']) => {
  const s = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => s.once('listening', resolve));
  return { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
};
const close = (s: Server | undefined) => new Promise((resolve) => { if (!s) resolve(undefined); else { s.closeAllConnections(); s.close(resolve); } });

/** An organization API key, made the way a user makes one: an admin's session POSTs /api/v1/api-keys. */
async function apiKeyFor(api: TestApi, clerkOrgId: string): Promise<string> {
  const admin = `Bearer ${mintClerkToken(keys, { orgId: clerkOrgId, orgRole: 'admin' })}`;
  const res = await api.http.post('/api/v1/api-keys').set('Authorization', admin).send({ name: 'sdk test' });
  if (res.status !== 201) throw new Error(`api key: ${res.status} ${res.text}`);
  return res.body.key;
}

const errorOf = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected the call to fail'); }, (err: unknown) => err);
const textOf = async (chunks: AsyncIterable<Buffer>) => { let text = ''; for await (const c of chunks) text += c.toString('utf8'); return text; };

beforeAll(async () => {
  fakes = await startProviderFakes({ extraKeys: { openai: [SECOND_OPENAI_KEY] } });
  stripe = await startStripeFake();
  stack = await startReceiptApi(keys, 'sdk', {
    ...fakes.env, ...stripe.env(), RATE_LIMIT_API_PER_MINUTE: '100000', RATE_LIMIT_PUBLIC_PER_MINUTE: '100000',
    AUDIT_PACK_STORAGE: 'local', AUDIT_PACK_LOCAL_DIR: mkdtempSync(path.join(os.tmpdir(), 'sdk-packs-')),
  });
  ({ server, url: baseUrl } = await listen(stack.api.app));
  const tenant = await stack.org('SDK org', 'pro');
  orgId = tenant.orgId;
  issued = [];
  for (const month of ['2026-01', '2026-02', '2026-03']) issued.push(await stack.issue(tenant, month));
  cp = new CarbonPlan({ apiKey: await apiKeyFor(stack.api, tenant.clerkOrgId), baseUrl, initialRetryDelay: 10 });
}, 120_000);
/** Closes everything even when one close fails (startTestApi's close throws on contract violations), then fails. */
async function closeAll(...steps: Array<() => Promise<unknown> | undefined>): Promise<void> {
  const results = await Promise.allSettled(steps.map(async (step) => step()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

afterAll(() => closeAll(() => close(server).then(() => stack?.close()), () => fakes?.close(), () => stripe?.close()));

describe('projects', () => {
  it('creates, pages through, reads, updates and deletes projects', async () => {
    const created = [];
    for (const name of ['SDK Alpha', 'SDK Beta', 'SDK Gamma']) created.push(await cp.projects.create({ name }));
    const first = await cp.projects.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));

    const pages = [];
    for await (const page of cp.projects.list({ limit: 2 }).pages()) pages.push(page.data.length);
    expect(pages).toEqual([2, 2]);
    const all = [];
    for await (const project of cp.projects.list({ limit: 2 })) all.push(project.name);
    expect(all.sort()).toEqual(['Default', 'SDK Alpha', 'SDK Beta', 'SDK Gamma']);

    expect(await cp.projects.get(created[0].id)).toMatchObject({ id: created[0].id, slug: 'sdk-alpha', isDefault: false });
    expect(await cp.projects.update(created[0].id, { name: 'SDK Alpha 2' })).toMatchObject({ name: 'SDK Alpha 2' });
    await cp.projects.delete(created[2].id);
    expect(await errorOf(cp.projects.get(created[2].id))).toBeInstanceOf(NotFoundError);
  });

  it('raises ConflictError for a slug in use and NotFoundError for an unknown id, from the real answers', async () => {
    await cp.projects.create({ name: 'Dup', slug: 'sdk-dup' });
    const conflict = await errorOf(cp.projects.create({ name: 'Dup again', slug: 'sdk-dup' }));
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict).toMatchObject({ status: 409, code: 'CONFLICT', requestId: expect.any(String) });
    const missing = await errorOf(cp.projects.get(randomUUID()));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('connections', () => {
  it('creates, lists, reads, moves, re-keys, syncs and deletes a connection', async () => {
    const project = await cp.projects.create({ name: 'SDK Connections' });
    const connection = await cp.connections.create({ provider: 'openai', apiKey: GOOD_KEYS.openai, name: 'sdk openai' });
    expect(connection).toMatchObject({ provider: 'openai', name: 'sdk openai', keyHint: GOOD_KEYS.openai.slice(-4) });

    const listed = [];
    for await (const c of cp.connections.list({ limit: 1 })) listed.push(c.id);
    expect(listed).toContain(connection.id);
    expect(await cp.connections.get(connection.id)).toMatchObject({ id: connection.id });
    expect(await cp.connections.move(connection.id, project.id)).toMatchObject({ projectId: project.id });
    expect(await cp.connections.replaceKey(connection.id, SECOND_OPENAI_KEY)).toMatchObject({ keyHint: SECOND_OPENAI_KEY.slice(-4) });

    expect(await cp.connections.sync(connection.id)).toMatchObject({ connectionId: connection.id, status: 'sync_requested' });
    // One manual sync per connection per 5 minutes: the real limiter's Retry-After is far beyond maxRetryAfter.
    const limited = await errorOf(cp.connections.sync(connection.id));
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfter).toBeGreaterThan(60);

    await cp.connections.delete(connection.id);
    const after = await cp.connections.get(connection.id).catch((err: unknown) => err);
    expect(after instanceof NotFoundError || (after as { status?: string }).status === 'deleted').toBe(true);
  });

  it('raises ValidationError naming the field when the provider refuses the key', async () => {
    const error = await errorOf(cp.connections.create({ provider: 'anthropic', apiKey: 'sk-ant-admin01-not-a-good-key-000000' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ status: 422, code: 'PROVIDER_KEY_REJECTED' });
  });
});

describe('telemetry and export', () => {
  it('reads the summary and the models of the range', async () => {
    const summary = await cp.telemetry.summary(RANGE);
    expect(summary.range).toEqual(RANGE);
    expect(Number(summary.totals.tokens.inputUncached)).toBe(6_000_000);
    expect(Number(summary.totals.co2eG.central)).toBeGreaterThan(0);
    const models = await cp.telemetry.models(RANGE);
    expect(models.data.length).toBeGreaterThan(0);
  });

  it('walks the events one page per event with for await', async () => {
    const ids: string[] = [];
    let pages = 0;
    for await (const page of cp.telemetry.events({ ...RANGE, limit: 1 }).pages()) { pages += 1; ids.push(...page.data.map((e) => e.id)); }
    expect(pages).toBe(3);
    const items = await cp.telemetry.events({ ...RANGE, limit: 1 }).toArray();
    expect(items.map((e) => e.id)).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
  });

  it('streams the export as CSV and as JSON', async () => {
    const csv = await cp.export.stream(RANGE);
    expect(csv.contentType).toMatch(/^text\/csv/);
    expect(csv.filename).toBe('carbonplan-usage-2026-01-01_2026-04-01.csv');
    const lines = (await textOf(csv)).trim().split('\n');
    expect(lines).toHaveLength(4);

    const json = await cp.export.stream({ ...RANGE, format: 'json' });
    expect(json.body).toBeInstanceOf(Readable);
    const chunks: Buffer[] = [];
    for await (const chunk of json.body) chunks.push(chunk as Buffer);
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toHaveLength(3);
  });
});

describe('estimate and billing', () => {
  it('estimates a request, with a key and publicly, and raises ValidationError with the field for a bad one', async () => {
    const estimate = await cp.estimate.create({ model: 'gpt-4o', inputTokens: 1200, outputTokens: 300 });
    expect(estimate).toMatchObject({ model: 'gpt-4o', energyWh: { central: expect.stringMatching(/^\d/) } });
    const anonymous = new CarbonPlan({ baseUrl, apiKey: '' });
    expect(await anonymous.estimate.createPublic({ model: 'gpt-4o', inputTokens: 1200, outputTokens: 300 })).toEqual(estimate);
    expect(await errorOf(anonymous.estimate.create({ model: 'gpt-4o', inputTokens: 1, outputTokens: 1 }))).toBeInstanceOf(AuthenticationError);
    const error = await errorOf(cp.estimate.create({ model: 'gpt-4o', inputTokens: -1, outputTokens: 300 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', field: 'body.inputTokens' });
  });

  it('reads the billing status', async () => {
    const status = await cp.billing.status();
    expect(status.plan).toBe('pro');
    expect(status.periods.map((p) => p.periodStart.slice(0, 7))).toEqual(['2026-03', '2026-02', '2026-01']);
  });
});

describe('receipts', () => {
  it('pages through the receipts and reads one', async () => {
    const serials = [];
    for await (const receipt of cp.receipts.list({ limit: 2 })) serials.push(receipt.serial);
    expect(serials.sort()).toEqual(issued.map((r) => r.serial).sort());
    const detail = await cp.receipts.get(issued[0].receiptId);
    expect(detail).toMatchObject({ serial: issued[0].serial, pdf: { status: 'pending' } });
    // Not rendered (no worker here): the real 409.
    const pdf = await errorOf(cp.receipts.pdf(issued[0].receiptId));
    expect(pdf).toBeInstanceOf(ConflictError);
  });

  it('verifies a real signed receipt offline against the published keys, and refuses a tampered one', async () => {
    const detail = await cp.receipts.get(issued[1].receiptId);
    const code = new URL(detail.verifyUrl).searchParams.get('code') ?? undefined;
    const file = await cp.receipts.lookup(detail.serial, { code });
    const published = await cp.receipts.publicKeys();

    const verdict = verifyReceipt(file, published);
    expect(verdict).toMatchObject({ isValid: true, serial: detail.serial, log: 'verified', failures: [] });
    expect(verifyReceipt(detail, published.keys)).toMatchObject({ isValid: true, log: 'absent' });

    const tampered = JSON.parse(JSON.stringify(file));
    tampered.payload.totals.co2eKg.central = '0.001';
    const refused = verifyReceipt(tampered, published);
    expect(refused.isValid).toBe(false);
    expect(refused.failures.join('\n')).toMatch(/signature/);
    expect(verifyReceipt(file, { keys: [] }).isValid).toBe(false);
  });
});

describe('audit packs and disclosure', () => {
  /** A pack version as the builder leaves it: its object in the configured storage and its row. */
  async function storePack(month: string, version: number): Promise<{ id: string; bytes: Buffer }> {
    const { config, dataSource } = stack.api.deps;
    const bytes = randomBytes(3000);
    const objectKey = auditPackKey(orgId, month, version);
    await createAuditPackStorage(config.auditPacks, config.aws).upload(objectKey, Readable.from([bytes]));
    const record = await new AuditPackRepository(dataSource).insert({
      orgId, month, version, objectKey, manifestSha256: createHash('sha256').update(bytes).digest('hex'), bytes: String(bytes.length),
      inputsSha256: randomBytes(32).toString('hex'), events: 1, receipts: 1, factorVersions: ['1.0'], keyId: randomBytes(32).toString('base64url'),
    });
    return { id: record.id, bytes };
  }

  it('pages through the packs, filters a month, downloads a zip byte for byte and requests a build', async () => {
    await storePack('2026-01', 1);
    const latest = await storePack('2026-01', 2);
    await storePack('2026-02', 1);
    const all = await cp.auditPacks.list({ limit: 2 }).toArray();
    expect(all.map((p) => `${p.month} v${p.version}`)).toEqual(['2026-02 v1', '2026-01 v2', '2026-01 v1']);
    expect((await cp.auditPacks.list({ month: '2026-01' })).data).toHaveLength(2);

    const zip = await cp.auditPacks.download(latest.id);
    expect(zip.filename).toBe('carbonplan-audit-pack-2026-01-v2.zip');
    const chunks: Buffer[] = [];
    for await (const chunk of zip) chunks.push(chunk);
    expect(Buffer.compare(Buffer.concat(chunks), latest.bytes)).toBe(0);
    expect(await errorOf(cp.auditPacks.download(randomUUID()))).toBeInstanceOf(NotFoundError);

    const requested = await cp.auditPacks.create({ month: '2026-03' });
    expect(requested).toMatchObject({ month: '2026-03', status: 'building', workflowId: expect.stringContaining('2026-03') });
    const future = await errorOf(cp.auditPacks.create({ month: '2999-01' }));
    expect(future).toMatchObject({ status: 400, field: 'body.month' });
  });

  it('reads the disclosure of a year and of a range of months, as JSON and as CSV', async () => {
    const year = await cp.disclosure.get({ year: '2026' });
    expect(year).toMatchObject({ period: { kind: 'year' } });
    const range = await cp.disclosure.get({ from: '2026-01', to: '2026-03' });
    expect('months' in range && range.months.map((m) => m.month)).toEqual(['2026-01', '2026-02', '2026-03']);
    const csv = await textOf(await cp.disclosure.csv({ from: '2026-01', to: '2026-03' }));
    expect(csv.split('\n').length).toBeGreaterThan(3);
    const both = await errorOf(cp.disclosure.get({ year: '2026', from: '2026-01', to: '2026-02' }));
    expect(both).toBeInstanceOf(ValidationError);
    expect(both).toMatchObject({ field: 'query.year' });
  });
});

describe('typed errors from real answers', () => {
  it('AuthenticationError for a wrong key', async () => {
    const error = await errorOf(new CarbonPlan({ apiKey: `cp_live_${'A'.repeat(43)}`, baseUrl }).projects.list());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('PlanRequiredError with the upgrade URL on a free organization', async () => {
    const free = await stack.org('SDK free org', 'free');
    const freeClient = new CarbonPlan({ apiKey: await apiKeyFor(stack.api, free.clerkOrgId), baseUrl });
    const error = await errorOf(freeClient.receipts.list());
    expect(error).toBeInstanceOf(PlanRequiredError);
    expect(error).toBeInstanceOf(PermissionError);
    expect(error).toMatchObject({ status: 403, code: 'PLAN_REQUIRED', upgradeUrl: stripe.env().BILLING_CANCEL_URL });
  });

  it('PermissionError when an API key tries what only an admin session may do', async () => {
    const error = await errorOf(cp.http.json({ method: 'POST', path: '/api/v1/api-keys', body: { name: 'not allowed' } }, z.unknown()));
    expect(error).toBeInstanceOf(PermissionError);
    expect(error).not.toBeInstanceOf(PlanRequiredError);
    expect(error).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });
});

describe('against the real per-organization limit and a server without billing', () => {
  let limited: TestApi;
  let limitedServer: Server;
  let limitedUrl: string;
  let clerkOrgId: string;

  beforeAll(async () => {
    limited = await startTestApi(testConfig({ RATE_LIMIT_API_PER_MINUTE: '3' }, keys));
    ({ server: limitedServer, url: limitedUrl } = await listen(limited.app));
    clerkOrgId = `org_sdk_limit_${Date.now()}`;
  });
  afterAll(() => closeAll(() => close(limitedServer).then(() => limited?.close())));

  it('raises ServiceUnavailableError for BILLING_NOT_CONFIGURED without retrying it, then RateLimitError with Retry-After', async () => {
    const client = new CarbonPlan({ apiKey: await apiKeyFor(limited, clerkOrgId), baseUrl: limitedUrl, initialRetryDelay: 10 }); // request 1 of 3
    const unavailable = await errorOf(client.billing.status()); // 2 of 3 (a retry would spend the third)
    expect(unavailable).toBeInstanceOf(ServiceUnavailableError);
    expect(unavailable).toMatchObject({ status: 503, code: 'BILLING_NOT_CONFIGURED' });
    await client.projects.list(); // 3 of 3

    const error = await errorOf(new CarbonPlan({ apiKey: client.config.apiKey, baseUrl: limitedUrl, maxRetries: 0 }).projects.list());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    const retryAfter = (error as RateLimitError).retryAfter!;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // With retries allowed but less patience than the limiter asks for, the error still comes at once.
    const started = Date.now();
    const impatient = new CarbonPlan({ apiKey: client.config.apiKey, baseUrl: limitedUrl, maxRetries: 3, maxRetryAfter: 100 });
    expect(await errorOf(impatient.projects.list())).toBeInstanceOf(RateLimitError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
