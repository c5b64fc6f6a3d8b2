// Our outage is not the customer's: Postgres unreachable for six poll intervals, then back. The real worker and
// activities run on the time-skipping server and reach Postgres through a proxy the test cuts; the API keeps its
// direct connection, so the test reads the connection and its usage through the API throughout. The provider
// fake serves usage by the server's clock, so new usage keeps arriving during the outage.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pollInternalFailures } from '../../activities/poll-failures';
import { loadConfig } from '../../src/config';
import { createConnectors } from '../../src/connectors';
import { statusQuery } from '../../workflows';
import { startTestApi, type TestApi } from '../helpers/api';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { testEnv } from '../helpers/env';
import { GOOD_KEYS } from '../helpers/provider-fakes';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { eventually, installQuietRuntime } from '../helpers/temporal';
import { createTimeSkippingEnv, ServerClock, skipUntil } from '../helpers/time-skipping';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import { startOpenAIFake, type OpenAIFake, type OpenAIUsageRow } from '../fakes/openai.fake';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const USAGE_PATH = '/v1/organization/usage/completions';
const keys = createClerkTestKeys();

let env: TestWorkflowEnvironment;
let clock: ServerClock;
let fake: OpenAIFake;
let proxy: TcpProxy;
let api: TestApi;
let worker: TestWorker;
let token: string;

beforeAll(async () => {
  installQuietRuntime();
  env = await createTimeSkippingEnv();
  clock = new ServerClock(env);
  await clock.sync();
  fake = await startOpenAIFake({ adminKeys: [GOOD_KEYS.openai], pageSize: 6, now: clock.now });
  const database = new URL(process.env.DATABASE_URL!);
  proxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
  const appEnv = testEnv({ OPENAI_BASE_URL: fake.baseUrl, TEMPORAL_ADDRESS: env.address, BACKFILL_DAYS: '1', RATE_LIMIT_API_PER_MINUTE: '10000' }, keys);
  api = await startTestApi(loadConfig(appEnv));
  const workerConfig = loadConfig({ ...appEnv, DATABASE_URL: proxy.urlThrough(appEnv.DATABASE_URL!) });
  worker = await startTestWorker(workerConfig, { now: clock.now, connectors: createConnectors({ ...workerConfig.providers, now: clock.now }) });
  token = `Bearer ${mintClerkToken(keys, { orgId: `org_e2e_outage_${Date.now()}` })}`;
}, 120_000);

afterAll(async () => {
  proxy?.restore();
  await worker?.stop();
  await api?.close();
  await proxy?.close();
  await fake?.close();
  await env?.teardown();
});

/**
 * Usage from a day before the test to half a day after it, every hour: gpt-4.1 at :02 and :30, o4-mini (with
 * cached input) at :40. The fake serves a row only once its clock has passed it, so a poll at :05 sees the
 * hour's first row in a bucket cut at :05 and the next poll the rest of that hour.
 */
function usageAround(startMs: number): OpenAIUsageRow[] {
  const first = Math.floor(startMs / HOUR) * HOUR - 24 * HOUR;
  return Array.from({ length: 37 }, (_, i) => first + i * HOUR).flatMap((hour, i) => [
    { startTime: (hour + 2 * MINUTE) / 1000, model: 'gpt-4.1', input_tokens: 4000 + i, output_tokens: 300 + i, num_model_requests: 2 },
    { startTime: (hour + 30 * MINUTE) / 1000, model: 'gpt-4.1', input_tokens: 1000, output_tokens: 100 + 2 * i, num_model_requests: 1 },
    { startTime: (hour + 40 * MINUTE) / 1000, model: 'o4-mini', input_tokens: 2000 + 3 * i, input_cached_tokens: 500, output_tokens: 800, num_model_requests: 1 },
  ]);
}

interface BucketCounts { inputUncached: string; inputCacheRead: string; output: string; requests: string }

/** What one poll up to `untilMs` must store, computed from the fake's rows alone: one entry per hour and model. */
function expectedBuckets(rows: OpenAIUsageRow[], untilMs: number): Map<string, BucketCounts> {
  const sums = new Map<string, { inputUncached: number; inputCacheRead: number; output: number; requests: number }>();
  for (const r of rows.filter((row) => row.startTime * 1000 < untilMs)) {
    const key = `${new Date(Math.floor((r.startTime * 1000) / HOUR) * HOUR).toISOString()} ${r.model}`;
    const s = sums.get(key) ?? { inputUncached: 0, inputCacheRead: 0, output: 0, requests: 0 };
    const cached = Number(r.input_cached_tokens ?? 0);
    s.inputUncached += Number(r.input_tokens) - cached;
    s.inputCacheRead += cached;
    s.output += Number(r.output_tokens);
    s.requests += Number(r.num_model_requests);
    sums.set(key, s);
  }
  return new Map([...sums].map(([key, s]) => [key, { inputUncached: String(s.inputUncached), inputCacheRead: String(s.inputCacheRead), output: String(s.output), requests: String(s.requests) }]));
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const get = (url: string) => api.http.get(url).set('Authorization', token);
const connectionOf = async (id: string) => {
  const res = await get(`/api/v1/connections/${id}`);
  expect(res.status).toBe(200);
  return res.body;
};
/** Explicit days: the server's clock runs hours ahead of the real one, whose "today" the default range follows. */
const range = (startMs: number) => `from=${isoDay(startMs - 2 * 24 * HOUR)}&to=${isoDay(startMs + 3 * 24 * HOUR)}`;
const eventsOf = async (id: string, startMs: number) => {
  const res = await get(`/api/v1/telemetry/events?connectionId=${id}&limit=500&${range(startMs)}`);
  expect(res.body.nextCursor).toBeNull();
  return res.body.data as Array<{ id: string; model: string; bucketStart: string; requests: string; tokens: Record<string, string> }>;
};
const internalFailures = async () => (await pollInternalFailures.get()).values.reduce((sum, v) => sum + v.value, 0);

describe('Postgres unreachable for the worker', () => {
  it('for six poll intervals, then back: no connection failed, usage caught up, nothing doubled', async () => {
    // Start at :10, so the hourly polls (at :05) come 55 minutes apart from anything the test does.
    const t0 = Math.floor(clock.now().getTime() / HOUR) * HOUR + HOUR + 10 * MINUTE;
    await clock.sleepUntil(t0);
    const rows = usageAround(t0);
    fake.setUsage(rows);
    const created = await api.http.post('/api/v1/connections').set('Authorization', token).send({ provider: 'openai', apiKey: GOOD_KEYS.openai });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const handle = env.client.workflow.getHandle(`connection:${id}`);
    await eventually(async () => expect((await connectionOf(id)).lastSuccessAt).not.toBeNull(), { timeoutMs: 30_000 });

    // The provider fails the next hourly poll after its retries: one strike, so that no strike and no lastError
    // at the end are the recovery's doing.
    fake.failNext(3, { status: 503, message: 'The server is overloaded' }, { pathPrefix: USAGE_PATH });
    const struck = await skipUntil(env, '5 minutes', async () => {
      const c = await connectionOf(id);
      expect(c.consecutiveFailures).toBe(1);
      return c;
    }, 20);
    expect(struck).toMatchObject({ status: 'active', lastError: { code: 'ProviderTransient' } });

    // The outage: from :30 of that hour, six hourly polls (and the retries between them) cannot reach Postgres.
    const cutAt = Math.floor((await env.currentTimeMs()) / HOUR) * HOUR + 30 * MINUTE;
    await clock.sleepUntil(cutAt);
    const pollsBefore = (await handle.query(statusQuery)).pollCount;
    const internalBefore = await internalFailures();
    proxy.cut();
    await clock.sleepUntil(cutAt + 6 * HOUR);

    // Still cut: none of the assertions made after the restore holds yet.
    const during = await connectionOf(id);
    expect(during).toEqual(struck);
    const stateDuring = await handle.query(statusQuery);
    expect(stateDuring).toMatchObject({ status: 'active', strikes: 1 });
    // Under the old rule, five of these failed polls would have failed the connection.
    expect(stateDuring.pollCount - pollsBefore).toBeGreaterThanOrEqual(6);
    expect((await internalFailures()) - internalBefore).toBeGreaterThanOrEqual(stateDuring.pollCount - pollsBefore);
    expect(proxy.counts.refused).toBeGreaterThan(0);
    const nowDuring = clock.now().getTime();
    const outageHours = [...expectedBuckets(rows, nowDuring).keys()].filter((k) => Date.parse(k.split(' ')[0]) >= cutAt - 30 * MINUTE);
    expect(outageHours.length).toBeGreaterThanOrEqual(12);
    expect((await eventsOf(id, t0)).filter((e) => Date.parse(e.bucketStart) >= cutAt - 30 * MINUTE)).toEqual([]);

    // Back: the next scheduled poll catches up by itself (nobody asks for a sync).
    proxy.restore();
    const { nextPollAt } = await handle.query(statusQuery);
    expect(Date.parse(nextPollAt!)).toBeGreaterThan(await env.currentTimeMs());
    await clock.sleepUntil(Date.parse(nextPollAt!) - 1000);
    await clock.sleep('2 seconds');
    const after = await eventually(async () => {
      const c = await connectionOf(id);
      expect(c.lastSuccessAt).not.toBe(struck.lastSuccessAt);
      return c;
    }, { timeoutMs: 30_000 });

    expect(after).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
    const expected = expectedBuckets(rows, Date.parse(after.cursor));
    const events = await eventsOf(id, t0);
    const stored = new Map(events.map((e) => [
      `${new Date(e.bucketStart).toISOString()} ${e.model}`,
      { inputUncached: e.tokens.inputUncached, inputCacheRead: e.tokens.inputCacheRead, output: e.tokens.output, requests: e.requests },
    ]));
    // Every bucket once (no two events share an hour and model), with the fake's final counts.
    expect(stored.size).toBe(events.length);
    expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(expected));
    for (const hour of outageHours) expect(stored.has(hour)).toBe(true);

    const sum = (f: (b: BucketCounts) => string) => String([...expected.values()].reduce((a, b) => a + Number(f(b)), 0));
    const totals = (await get(`/api/v1/telemetry/summary?connectionId=${id}&${range(t0)}`)).body.totals;
    expect(totals).toMatchObject({
      events: String(expected.size),
      requests: sum((b) => b.requests),
      tokens: { inputUncached: sum((b) => b.inputUncached), inputCacheRead: sum((b) => b.inputCacheRead), inputCacheWrite: '0', output: sum((b) => b.output) },
    });
  }, 120_000);
});
