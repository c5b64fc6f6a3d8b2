// Strikes and crashes need hours of workflow time: these run the real worker and activities against the
// time-skipping test server, with the API, Postgres and a provider fake for real.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, type Config } from '../../src/config';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { startTestApi, type TestApi } from '../helpers/api';
import { testEnv } from '../helpers/env';
import { printFigure } from '../helpers/fault-usage';
import { GOOD_KEYS } from '../helpers/provider-fakes';
import { eventually, installQuietRuntime } from '../helpers/temporal';
import { createTimeSkippingEnv, skipUntil } from '../helpers/time-skipping';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import { startOpenAIFake, type OpenAIFake, type OpenAIUsageRow } from '../fakes/openai.fake';

const keys = createClerkTestKeys();
const HOUR = 3_600_000;
const USAGE_PATH = '/v1/organization/usage/completions';
let env: TestWorkflowEnvironment;
let fake: OpenAIFake;
let appEnv: NodeJS.ProcessEnv;
let config: Config;
let api: TestApi;
let token: string;

const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
/** The last 24 completed hours (the whole 1-day backfill), two models: at 6 buckets a page, several pages. */
const usage: OpenAIUsageRow[] = Array.from({ length: 24 }, (_, i) => thisHour - (24 - i) * HOUR).flatMap((ms, i) => [
  { startTime: ms / 1000 + 30, model: 'gpt-4.1', input_tokens: 5000 + i, output_tokens: 400, num_model_requests: 3 },
  { startTime: ms / 1000 + 90, model: 'o4-mini', input_tokens: 2000, input_cached_tokens: 500, output_tokens: 900 + i, num_model_requests: 1 },
]);

beforeAll(async () => {
  installQuietRuntime();
  env = await createTimeSkippingEnv();
  fake = await startOpenAIFake({ adminKeys: [GOOD_KEYS.openai], pageSize: 6 });
  fake.setUsage(usage);
  appEnv = testEnv({ OPENAI_BASE_URL: fake.baseUrl, TEMPORAL_ADDRESS: env.address, BACKFILL_DAYS: '1', RATE_LIMIT_API_PER_MINUTE: '10000' }, keys);
  config = loadConfig(appEnv);
  api = await startTestApi(config);
  token = `Bearer ${mintClerkToken(keys, { orgId: `org_e2e_ts_${Date.now()}` })}`;
}, 120_000);

afterAll(async () => {
  await api?.close();
  await fake?.close();
  await env?.teardown();
});

const get = (url: string) => api.http.get(url).set('Authorization', token);
const connect = async () => {
  const res = await api.http.post('/api/v1/connections').set('Authorization', token).send({ provider: 'openai', apiKey: GOOD_KEYS.openai });
  expect(res.status).toBe(201);
  return res.body.id as string;
};
const eventsOf = async (id: string) => (await get(`/api/v1/telemetry/events?connectionId=${id}&limit=500`)).body.data as any[];

describe('five strikes with real activities', () => {
  it('marks the connection failed after five polls that fail after their retries, and the API says why', async () => {
    const worker = await startTestWorker(config);
    try {
      fake.reset();
      fake.failNext(1000, { status: 503, message: 'The server is overloaded' }, { pathPrefix: USAGE_PATH, match: (r) => r.query.get('limit') !== '1' });
      const id = await connect();
      const failed = await skipUntil(env, '20 minutes', async () => {
        const res = await get(`/api/v1/connections/${id}`);
        expect(res.body.status).toBe('failed');
        return res.body;
      }, 60);
      expect(failed).toMatchObject({ consecutiveFailures: 5, lastError: { code: 'ProviderTransient', message: expect.stringMatching(/503.*overloaded/) } });
      // Each failed poll was retried by the activity retry policy (3 attempts) before it counted a strike.
      const usageCalls = fake.requests.filter((r) => r.path === USAGE_PATH && r.query.get('limit') !== '1');
      expect(usageCalls).toHaveLength(15);

      // Failed means no more polling, however much time passes.
      await env.sleep('6 hours');
      expect(fake.requests.filter((r) => r.path === USAGE_PATH && r.query.get('limit') !== '1')).toHaveLength(15);
      await api.http.delete(`/api/v1/connections/${id}`).set('Authorization', token);
    } finally {
      fake.reset();
      await worker.stop();
    }
  });
});

describe('a worker killed mid-poll', () => {
  it('loses and duplicates nothing once another worker takes over', async () => {
    fake.reset();
    // The second page of the backfill hangs, so the kill lands after page one was ingested and before page two.
    fake.failNext(1, { delayMs: 600_000 }, { pathPrefix: USAGE_PATH, match: (r) => r.query.has('page') });
    const child: ChildProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'support/crashable-worker.ts')], {
      env: { ...process.env, ...appEnv, TS_NODE_PROJECT: path.resolve(__dirname, '../../tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let childOutput = '';
    child.stdout!.on('data', (c) => { childOutput += c; });
    child.stderr!.on('data', (c) => { childOutput += c; });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let second: TestWorker | undefined;
    try {
      await eventually(() => expect(childOutput).toContain('worker ready'), { timeoutMs: 90_000 });
      const id = await connect();
      await eventually(() => expect(fake.requests.some((r) => r.query.has('page'))).toBe(true), { timeoutMs: 60_000 });
      const firstPage = await eventsOf(id);
      expect(firstPage).toHaveLength(12); // 6 hours × 2 models
      child.kill('SIGKILL');
      await exited;

      second = await startTestWorker(config);
      const events = await skipUntil(env, '1 minute', async () => {
        const res = await get(`/api/v1/connections/${id}`);
        expect(res.body.lastSuccessAt).not.toBeNull();
        return eventsOf(id);
      });
      expect(events).toHaveLength(usage.length);
      expect(new Set(events.map((e) => e.id)).size).toBe(usage.length);
      expect(events.every((e) => e.revision === 1)).toBe(true);
      const totals = (await get(`/api/v1/telemetry/summary?connectionId=${id}`)).body.totals;
      expect(totals.events).toBe(String(usage.length));
      expect(totals.tokens.output).toBe(String(usage.reduce((a, r) => a + Number(r.output_tokens), 0)));
      const connection = (await get(`/api/v1/connections/${id}`)).body;
      expect(connection).toMatchObject({ status: 'active', consecutiveFailures: 0 });
      printFigure(`worker killed mid-poll — ${firstPage.length} events stored before the kill, events ${events.length}/${usage.length}, all revision 1, strikes ${connection.consecutiveFailures}`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await second?.stop();
    }
  }, 240_000);
});
