// A provider that answers too slowly (past PROVIDER_TIMEOUT_MS) or with a 200 whose body is not the documented
// JSON: the real worker and activities on the time-skipping server, the API and Postgres for real, the OpenAI
// fake on the server's clock. The slow answer is transient and retried inside the poll; the broken bodies cost
// the poll they hit; the next poll catches up and nothing is counted twice.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../../src/config';
import { pollInternalFailures } from '../../activities/poll-failures';
import { statusQuery } from '../../workflows';
import { startTestApi, type TestApi } from '../helpers/api';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { testEnv } from '../helpers/env';
import { expectedBuckets, expectStoredUsage, HOUR, MINUTE, OPENAI_USAGE_PATH, printFigure, usageAround } from '../helpers/fault-usage';
import { GOOD_KEYS } from '../helpers/provider-fakes';
import { eventually, installQuietRuntime } from '../helpers/temporal';
import { clockedWorkerOverrides, createClockedTimeSkippingEnv, type ServerClock, skipUntil } from '../helpers/time-skipping';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai.fake';

const TIMEOUT_MS = 1000;
const keys = createClerkTestKeys();
let env: TestWorkflowEnvironment;
let clock: ServerClock;
let fake: OpenAIFake;
let api: TestApi;
let worker: TestWorker;
let token: string;

beforeAll(async () => {
  installQuietRuntime();
  ({ env, clock } = await createClockedTimeSkippingEnv());
  fake = await startOpenAIFake({ adminKeys: [GOOD_KEYS.openai], pageSize: 6, now: clock.now });
  const appEnv = testEnv({ OPENAI_BASE_URL: fake.baseUrl, TEMPORAL_ADDRESS: env.address, BACKFILL_DAYS: '1', RATE_LIMIT_API_PER_MINUTE: '10000', PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS) }, keys);
  const config = loadConfig(appEnv);
  api = await startTestApi(config);
  worker = await startTestWorker(config, clockedWorkerOverrides(config, clock));
  token = `Bearer ${mintClerkToken(keys, { orgId: `org_e2e_provider_faults_${Date.now()}` })}`;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await fake?.close();
  await env?.teardown();
});

const connectionOf = async (id: string) => {
  const res = await api.http.get(`/api/v1/connections/${id}`).set('Authorization', token);
  expect(res.status).toBe(200);
  return res.body;
};
const usageCalls = () => fake.requests.filter((r) => r.path === OPENAI_USAGE_PATH && r.query.get('limit') !== '1').length;

describe('a provider answering slowly or with broken JSON', () => {
  it('retries the slow answer, loses only the broken polls, and ends with the clean totals', async () => {
    const started = Date.now();
    const t0 = Math.floor(clock.now().getTime() / HOUR) * HOUR + HOUR + 10 * MINUTE;
    await clock.sleepUntil(t0);
    const rows = usageAround(t0);
    fake.setUsage(rows);
    const created = await api.http.post('/api/v1/connections').set('Authorization', token).send({ provider: 'openai', apiKey: GOOD_KEYS.openai });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const handle = env.client.workflow.getHandle(`connection:${id}`);
    const first = await eventually(async () => {
      const c = await connectionOf(id);
      expect(c.lastSuccessAt).not.toBeNull();
      return c;
    }, { timeoutMs: 30_000 });

    // Slow: the next hourly poll's first page answers five timeouts late. Transient: the activity retries it
    // and the poll succeeds without a strike; the late answer lands on a closed socket.
    const requestsBefore = fake.requests.length;
    fake.failNext(1, { delayMs: 5 * TIMEOUT_MS }, { pathPrefix: OPENAI_USAGE_PATH });
    const afterSlow = await skipUntil(env, '5 minutes', async () => {
      const c = await connectionOf(id);
      expect(c.lastSuccessAt).not.toBe(first.lastSuccessAt);
      return c;
    }, 30);
    expect(afterSlow).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
    // The first page was asked for twice: the timed-out attempt and its retry.
    const firstPages = fake.requests.slice(requestsBefore).filter((r) => r.path === OPENAI_USAGE_PATH && r.query.get('limit') !== '1' && !r.query.has('page'));
    expect(firstPages).toHaveLength(2);

    // Broken: the next poll's first page is a truncated 200 (cut in transfer: transient, asked again within the
    // poll), the one after a 200 of a shape we cannot read (ours to fix: retried without a strike).
    fake.failNext(1, { malformedJson: true }, { pathPrefix: OPENAI_USAGE_PATH });
    const afterTruncated = await skipUntil(env, '5 minutes', async () => {
      const c = await connectionOf(id);
      expect(c.lastSuccessAt).not.toBe(afterSlow.lastSuccessAt);
      return c;
    }, 30);
    expect(afterTruncated).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
    const internalBefore = (await pollInternalFailures.get()).values.reduce((sum, v) => sum + v.value, 0);
    fake.replyNext({ object: 'page', data: 'not a list of buckets', has_more: false }, { pathPrefix: OPENAI_USAGE_PATH });
    await skipUntil(env, '5 minutes', async () => {
      expect((await pollInternalFailures.get()).values.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThan(internalBefore);
    }, 30);
    const whileBroken = await connectionOf(id);
    expect(whileBroken).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });

    // The next clean poll reads everything since the last good cursor.
    const after = await skipUntil(env, '5 minutes', async () => {
      const c = await connectionOf(id);
      expect(c.lastSuccessAt).not.toBe(afterTruncated.lastSuccessAt);
      return c;
    }, 30);
    expect(after).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
    const expected = expectedBuckets(rows, Date.parse(after.cursor));
    const events = await expectStoredUsage(api.http, token, id, t0, expected);
    const { pollCount } = await handle.query(statusQuery);
    printFigure(`provider slow and malformed — timeout ${TIMEOUT_MS} ms, slow answer retried with 0 strikes, truncated 200 retried and wrong-shape 200 retried as our failure with ${whileBroken.consecutiveFailures} strikes, polls ${pollCount}, usage calls ${usageCalls()}, events ${events}/${expected.size}, final strikes ${after.consecutiveFailures}, wall ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 120_000);
});
