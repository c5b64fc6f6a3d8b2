// The poll activities on MockActivityEnvironment with their real dependencies: Postgres, a local secret store,
// the connectors against a provider fake. What the workflow decides strikes by is the ApplicationFailure type
// these throw, so that is what is asserted here.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createPollingActivities, type PollingDeps } from '../../../activities/polling.activities';
import { MAX_RETRY_DELAY_MS } from '../../../activities/poll-failures';
import { PollFailureType, type PollResult } from '../../../contracts/workflows';
import { createConnectors } from '../../../src/connectors';
import { createDataSource } from '../../../src/db/data-source';
import { LocalSecretStore, ProviderKeyStore } from '../../../src/integrations/secrets';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../src/services/telemetry/ingest.service';
import { startOpenAIFake, type OpenAIFake } from '../../fakes/openai.fake';
import { createConnectionRow, createTenant } from '../../factories/tenants';
import { GOOD_KEYS } from '../../helpers/provider-fakes';

const USAGE = '/v1/organization/usage/completions';
const HOUR = 3_600_000;
let ds: DataSource;
let fake: OpenAIFake;
let secretsDir: string;
let providerKeys: ProviderKeyStore;
let deps: PollingDeps;

beforeAll(async () => {
  ds = await createDataSource({ url: process.env.DATABASE_URL!, poolSize: 4 }).initialize();
  fake = await startOpenAIFake({ adminKeys: [GOOD_KEYS.openai] });
  secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-activities-'));
  providerKeys = new ProviderKeyStore(new LocalSecretStore({ dir: secretsDir, masterKey: randomBytes(32) }), 'carbonplan/test');
  deps = {
    dataSource: ds, providerKeys, logger: pino({ level: 'silent' }), backfillDays: 1,
    connectors: createConnectors({ openaiBaseUrl: fake.baseUrl, anthropicBaseUrl: 'http://127.0.0.1:9', openrouterBaseUrl: 'http://127.0.0.1:9', timeoutMs: 5000 }),
    ingest: new IngestService(ds, new FactorSetRepository(ds)),
  };
});
afterAll(async () => {
  await fake?.close();
  await ds?.destroy();
  fs.rmSync(secretsDir, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

/** Failures are the point here: keep the SDK's activity logging quiet. */
const mockEnv = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

/** A live OpenAI connection whose key is in the secret store. */
async function liveConnection(key: string = GOOD_KEYS.openai): Promise<string> {
  const conn = await createConnectionRow(ds, await createTenant(ds));
  const ref = await providerKeys.putProviderKey({ orgId: conn.orgId, connectionId: conn.id, provider: 'openai' }, key);
  await ds.query(`UPDATE provider_connections SET secret_ref = $2 WHERE id = $1`, [conn.id, ref]);
  return conn.id;
}

async function pollFailure(connectionId: string, env = mockEnv()): Promise<ApplicationFailure> {
  const activities = createPollingActivities(deps);
  const err = await env.run(activities.pollConnection, { connectionId }).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('pollConnection failures, as the workflow counts them', () => {
  it('ingests the usage read and advances the cursor on success', async () => {
    const id = await liveConnection();
    const hourAgo = Math.floor((Date.now() - HOUR) / HOUR) * HOUR;
    fake.setUsage([{ startTime: hourAgo / 1000 + 10, model: 'gpt-4o', input_tokens: 1200, output_tokens: 300, num_model_requests: 2 }]);
    const result: PollResult = await mockEnv().run(createPollingActivities(deps).pollConnection, { connectionId: id });
    expect(result.changed).toBe(1);
    const [row] = await ds.query(`SELECT input_uncached::int AS input FROM usage_events WHERE connection_id = $1`, [id]);
    expect(row).toEqual({ input: 1200 });
    const [conn] = await ds.query(`SELECT cursor FROM provider_connections WHERE id = $1`, [id]);
    expect(conn.cursor.toISOString()).toBe(result.cursor);
  });

  it("turns a 429's Retry-After into nextRetryDelay, capped at the poll interval", async () => {
    const id = await liveConnection();
    fake.failNext(1, { status: 429, retryAfter: 7, code: 'rate_limit_exceeded', message: 'Rate limit reached for requests' }, { pathPrefix: USAGE });
    const short = await pollFailure(id);
    expect({ type: short.type, nonRetryable: short.nonRetryable, nextRetryDelay: short.nextRetryDelay }).toEqual({ type: PollFailureType.providerTransient, nonRetryable: false, nextRetryDelay: 7000 });

    fake.failNext(1, { status: 503, retryAfter: 6 * 3600, message: 'The server is overloaded' }, { pathPrefix: USAGE });
    const long = await pollFailure(id);
    expect(long.nextRetryDelay).toBe(MAX_RETRY_DELAY_MS);
  });

  it('a key missing from the secret store needs the customer (replace the key)', async () => {
    const id = await liveConnection();
    const [{ secret_ref: ref }] = await ds.query(`SELECT secret_ref FROM provider_connections WHERE id = $1`, [id]);
    await providerKeys.deleteProviderKey(ref);
    const failure = await pollFailure(id);
    expect({ type: failure.type, nonRetryable: failure.nonRetryable, message: failure.message }).toEqual({
      type: PollFailureType.needsUserAction, nonRetryable: true, message: expect.stringMatching(/replace the key/),
    });
  });

  it('a deleted connection ends the poller (ConnectionGone), without asking the provider', async () => {
    const id = await liveConnection();
    await ds.query(`UPDATE provider_connections SET status = 'deleted' WHERE id = $1`, [id]);
    expect((await pollFailure(id)).type).toBe(PollFailureType.connectionGone);
    expect(fake.requests).toEqual([]);
  });

  it('a permanent provider error (our request is wrong) is non-retryable ProviderPermanent; a revoked key is CredentialRejected', async () => {
    const id = await liveConnection();
    fake.failNext(1, { status: 400, message: "Invalid value for 'bucket_width'." }, { pathPrefix: USAGE });
    expect(await pollFailure(id)).toMatchObject({ type: PollFailureType.providerPermanent, nonRetryable: true });
    const revoked = await liveConnection('sk-admin-revoked-0000000000000000000');
    expect(await pollFailure(revoked)).toMatchObject({ type: PollFailureType.credentialRejected, nonRetryable: true });
  });

  it('a provider answer of a shape we cannot read is ours to fix: a retryable InternalFailure, never a strike type', async () => {
    const id = await liveConnection();
    fake.replyNext({ object: 'page', data: 'not a list of buckets', has_more: false }, { pathPrefix: USAGE });
    expect(await pollFailure(id)).toMatchObject({ type: PollFailureType.internal, nonRetryable: false });
    const [row] = await ds.query(`SELECT consecutive_failures::int AS strikes, last_error FROM provider_connections WHERE id = $1`, [id]);
    expect(row).toEqual({ strikes: 0, last_error: null });
  });

  it('our own failure (the database gone from under the activity) is a retryable InternalFailure that names nothing of ours', async () => {
    const id = await liveConnection();
    const broken = await createDataSource({ url: process.env.DATABASE_URL!, poolSize: 1 }).initialize();
    await broken.destroy();
    const failure = await mockEnv()
      .run(createPollingActivities({ ...deps, dataSource: broken }).pollConnection, { connectionId: id })
      .then(() => undefined, (e: unknown) => e as ApplicationFailure);
    expect(failure).toMatchObject({ type: PollFailureType.internal, nonRetryable: false });
    expect(failure!.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|postgres/i);
  });

  it('a network failure shows the customer a plain sentence, not addresses', async () => {
    const id = await liveConnection();
    fake.failNext(1, { dropConnection: true }, { pathPrefix: USAGE });
    const failure = await pollFailure(id);
    expect(failure.type).toBe(PollFailureType.providerTransient);
    expect(failure.message).toBe('could not reach OpenAI (network error); polling retries automatically');
  });

  it('stops when cancelled: the provider call is aborted and nothing is ingested', async () => {
    const id = await liveConnection();
    const hourAgo = Math.floor((Date.now() - HOUR) / HOUR) * HOUR;
    fake.setUsage([{ startTime: hourAgo / 1000 + 10, model: 'gpt-4o', input_tokens: 1200, output_tokens: 300, num_model_requests: 2 }]);
    fake.failNext(1, { delayMs: 3000 }, { pathPrefix: USAGE });
    const env = mockEnv();
    const running = env.run(createPollingActivities(deps).pollConnection, { connectionId: id });
    await new Promise((resolve) => setTimeout(resolve, 300));
    env.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    await new Promise((resolve) => setTimeout(resolve, 3200)); // past the delayed answer: it must not be ingested late
    expect(await ds.query(`SELECT id FROM usage_events WHERE connection_id = $1`, [id])).toEqual([]);
    const [conn] = await ds.query(`SELECT cursor FROM provider_connections WHERE id = $1`, [id]);
    expect(conn.cursor).toBeNull();
  });
});

describe('listActiveConnectionsPage (reconciliation keyset pages)', () => {
  it('walks every active connection once, in id order, page after page; paused and deleted ones are left out', async () => {
    const tenant = await createTenant(ds);
    const ids = await Promise.all(Array.from({ length: 5 }, async () => (await createConnectionRow(ds, tenant)).id));
    await ds.query(`UPDATE provider_connections SET status = 'paused' WHERE id = $1`, [ids[0]]);
    await ds.query(`UPDATE provider_connections SET status = 'deleted' WHERE id = $1`, [ids[1]]);
    const activities = createPollingActivities(deps);
    const walked: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: string[] = await mockEnv().run(activities.listActiveConnectionsPage, { after, limit: 3 });
      expect(page.length).toBeLessThanOrEqual(3);
      walked.push(...page);
      if (page.length < 3) break;
      after = page[page.length - 1];
    }
    // Other test files add connections to the same database meanwhile: assert order and membership, not the count.
    for (let i = 1; i < walked.length; i++) expect(walked[i] > walked[i - 1]).toBe(true);
    expect(walked).toEqual(expect.arrayContaining(ids.slice(2)));
    expect(walked).not.toContain(ids[0]);
    expect(walked).not.toContain(ids[1]);
  });
});
