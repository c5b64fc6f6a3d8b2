// Our outage is not the customer's: Postgres unreachable for six poll intervals, and cut while a backfill is
// ingesting, then back (a proxy stands in for a restart: the run's shared Postgres cannot go down). The real worker and
// activities run on the time-skipping server and reach Postgres through a proxy the test cuts; the API keeps its
// direct connection, so the test reads the connection and its usage through the API throughout. The provider
// fake serves usage by the server's clock, so new usage keeps arriving during the outage.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pollInternalFailures } from '../../activities/poll-failures';
import { loadConfig } from '../../src/config';
import { statusQuery } from '../../workflows';
import { startTestApi, type TestApi } from '../helpers/api';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { testEnv } from '../helpers/env';
import { awaitScheduledCatchUp, expectedBuckets, expectStoredUsage, HOUR, MINUTE, OPENAI_USAGE_PATH, printFigure, usageAround } from '../helpers/fault-usage';
import { GOOD_KEYS } from '../helpers/provider-fakes';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { eventually, installQuietRuntime } from '../helpers/temporal';
import { clockedWorkerOverrides, createClockedTimeSkippingEnv, type ServerClock, skipUntil } from '../helpers/time-skipping';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai.fake';

const USAGE_PATH = OPENAI_USAGE_PATH;
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
  ({ env, clock } = await createClockedTimeSkippingEnv());
  fake = await startOpenAIFake({ adminKeys: [GOOD_KEYS.openai], pageSize: 6, now: clock.now });
  const database = new URL(process.env.DATABASE_URL!);
  proxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
  const appEnv = testEnv({ OPENAI_BASE_URL: fake.baseUrl, TEMPORAL_ADDRESS: env.address, BACKFILL_DAYS: '1', RATE_LIMIT_API_PER_MINUTE: '10000' }, keys);
  api = await startTestApi(loadConfig(appEnv));
  const workerConfig = loadConfig({ ...appEnv, DATABASE_URL: proxy.urlThrough(appEnv.DATABASE_URL!) });
  worker = await startTestWorker(workerConfig, clockedWorkerOverrides(workerConfig, clock));
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
    const after = await awaitScheduledCatchUp(handle, clock, () => connectionOf(id), struck.lastSuccessAt);

    expect(after).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
    const expected = expectedBuckets(rows, Date.parse(after.cursor));
    // Every bucket once, with the fake's final counts, the outage's hours included.
    for (const hour of outageHours) expect(expected.has(hour)).toBe(true);
    const events = await expectStoredUsage(api.http, token, id, t0, expected);
    printFigure(`postgres cut between polls — outage 6 h of poller time, failed polls ${stateDuring.pollCount - pollsBefore} (internal, retried), connections refused ${proxy.counts.refused}, events ${events}/${expected.size}, strikes ${after.consecutiveFailures}`);
  }, 120_000);

  it('cut while a backfill is ingesting, then back: the poll is retried, nothing lost or doubled', async () => {
    const t0 = Math.floor(clock.now().getTime() / HOUR) * HOUR + HOUR + 10 * MINUTE;
    await clock.sleepUntil(t0);
    const rows = usageAround(t0);
    fake.setUsage(rows);
    fake.reset();
    token = `Bearer ${mintClerkToken(keys, { orgId: `org_e2e_outage_ingest_${Date.now()}` })}`;
    // The backfill's third page answers late: the cut lands after two pages were ingested, before the third.
    fake.failNext(1, { delayMs: 1500 }, { pathPrefix: USAGE_PATH, match: (r) => r.query.has('page') && fake.requests.filter((q) => q.query.has('page')).length >= 2 });
    const created = await api.http.post('/api/v1/connections').set('Authorization', token).send({ provider: 'openai', apiKey: GOOD_KEYS.openai });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const handle = env.client.workflow.getHandle(`connection:${id}`);
    await eventually(() => expect(fake.requests.filter((r) => r.query.has('page')).length).toBeGreaterThanOrEqual(2), { timeoutMs: 30_000 });
    const ingestedBefore = (await eventsOf(id, t0)).length;
    const refusedBefore = proxy.counts.refused;
    const cutAt = Date.now();
    proxy.cut();
    // Cut until the slow page has come back and its ingestion (or the attempt after it) was refused.
    await eventually(() => expect(proxy.counts.refused).toBeGreaterThan(refusedBefore), { timeoutMs: 30_000 });
    await clock.sleep('2 minutes');
    proxy.restore();
    const downtimeMs = Date.now() - cutAt;

    const after = await skipUntil(env, '1 minute', async () => {
      const c = await connectionOf(id);
      expect(c.lastSuccessAt).not.toBeNull();
      return c;
    }, 30);
    expect(after).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
    const expected = expectedBuckets(rows, Date.parse(after.cursor));
    const events = await expectStoredUsage(api.http, token, id, t0, expected);
    const { pollCount, strikes } = await handle.query(statusQuery);
    printFigure(`postgres cut mid-ingestion — ${ingestedBefore} events stored before the cut, downtime ${(downtimeMs / 1000).toFixed(1)} s (2 min of poller time), connections refused ${proxy.counts.refused - refusedBefore}, polls ${pollCount}, events ${events}/${expected.size}, strikes ${strikes}`);
  }, 120_000);
});
