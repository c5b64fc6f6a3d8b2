// The polling pipeline end to end on the Temporal dev server with the real worker and activities:
// API → workflow → activity → secret store → provider fake → ingestion → Postgres → API.
import { loadConfig } from '../../src/config';
import { syncNowSignal, statusQuery } from '../../workflows/connection-polling.workflow';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { startTestApi, type TestApi } from '../helpers/api';
import { testEnv } from '../helpers/env';
import { GOOD_KEYS, startProviderFakes, type ProviderFakes } from '../helpers/provider-fakes';
import { eventually, installQuietRuntime } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import type { OpenAIUsageRow } from '../fakes/openai.fake';

const keys = createClerkTestKeys();
let fakes: ProviderFakes;
let api: TestApi;
let worker: TestWorker;
let token: string;

const HOUR = 3_600_000;
const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
/** 20 hours of usage for two models, ending with the last completed hour. */
const usage: OpenAIUsageRow[] = Array.from({ length: 20 }, (_, i) => thisHour - (20 - i) * HOUR).flatMap((ms, i) => [
  { startTime: ms / 1000 + 60, model: 'gpt-4o-2024-08-06', input_tokens: 10_000 + i, input_cached_tokens: 2000, output_tokens: 700 + i, num_model_requests: 5 },
  { startTime: ms / 1000 + 120, model: 'gpt-4o-mini', input_tokens: 3000 + i, output_tokens: 300, num_model_requests: 2 },
]);

beforeAll(async () => {
  installQuietRuntime();
  fakes = await startProviderFakes();
  fakes.openai.setUsage(usage);
  const env = testEnv({ ...fakes.env, BACKFILL_DAYS: '2', RATE_LIMIT_API_PER_MINUTE: '10000' }, keys);
  const config = loadConfig(env);
  api = await startTestApi(config);
  worker = await startTestWorker(config);
  token = `Bearer ${mintClerkToken(keys, { orgId: `org_e2e_poll_${Date.now()}` })}`;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await fakes?.close();
});

const client = () => api.deps.services.connections['deps'].workflows['temporal'].client;
const get = (url: string) => api.http.get(url).set('Authorization', token);
const eventsOf = async (connectionId: string) => (await get(`/api/v1/telemetry/events?connectionId=${connectionId}&limit=500`)).body.data as any[];

async function pollOnceMore(connectionId: string): Promise<void> {
  const handle = client().workflow.getHandle(`connection:${connectionId}`);
  const before = (await handle.query(statusQuery)).pollCount;
  await handle.signal(syncNowSignal, {});
  await eventually(async () => expect((await handle.query(statusQuery)).pollCount).toBeGreaterThan(before), { timeoutMs: 30_000 });
}

describe('hourly polling with real activities', () => {
  let connectionId: string;

  it('ingests a new connection\'s usage within its first poll', async () => {
    const created = await api.http.post('/api/v1/connections').set('Authorization', token).send({ provider: 'openai', apiKey: GOOD_KEYS.openai });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
    const connection = await eventually(async () => {
      const res = await get(`/api/v1/connections/${connectionId}`);
      expect(res.body.lastSuccessAt).not.toBeNull();
      return res.body;
    }, { timeoutMs: 60_000 });
    expect(connection).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
    expect(connection.cursor).not.toBeNull();

    const events = await eventsOf(connectionId);
    expect(events).toHaveLength(usage.length);
    const summary = (await get(`/api/v1/telemetry/summary?connectionId=${connectionId}`)).body;
    const sum = (f: (r: OpenAIUsageRow) => number) => String(usage.reduce((a, r) => a + f(r), 0));
    expect(summary.totals.tokens).toMatchObject({
      inputCacheRead: sum((r) => Number(r.input_cached_tokens ?? 0)),
      inputUncached: sum((r) => Number(r.input_tokens) - Number(r.input_cached_tokens ?? 0)),
      output: sum((r) => Number(r.output_tokens)),
    });
    expect(summary.totals.requests).toBe(sum((r) => Number(r.num_model_requests)));
    // The backfill asked for hourly buckets grouped by model, the way the real API is asked.
    const firstCall = fakes.openai.requests.find((r) => r.path === '/v1/organization/usage/completions' && r.query.get('limit') === '168')!;
    expect(firstCall.query.getAll('group_by[]')).toEqual(['model']);
  });

  it('adds no rows when it polls the same window again', async () => {
    await pollOnceMore(connectionId);
    const events = await eventsOf(connectionId);
    expect(events).toHaveLength(usage.length);
    expect(events.every((e) => e.revision === 1)).toBe(true);
  });

  it('applies a late correction exactly once', async () => {
    const before = (await get(`/api/v1/telemetry/summary?connectionId=${connectionId}`)).body.totals.tokens.output;
    const corrected = usage.map((r, i) => (i === 3 ? { ...r, output_tokens: Number(r.output_tokens) + 5000 } : r));
    fakes.openai.setUsage(corrected);
    await pollOnceMore(connectionId);
    await pollOnceMore(connectionId);
    const events = await eventsOf(connectionId);
    expect(events).toHaveLength(usage.length);
    expect(events.filter((e) => e.revision === 2)).toHaveLength(1);
    const after = (await get(`/api/v1/telemetry/summary?connectionId=${connectionId}`)).body.totals.tokens.output;
    expect(BigInt(after) - BigInt(before)).toBe(5000n);
  });

  it('fails at once on a rejected key, shows why, and resumes after the key is replaced', async () => {
    fakes.openai.failNext(2, { status: 401, message: 'Incorrect API key provided: sk-adm***********ed1.', code: 'invalid_api_key' });
    const handle = client().workflow.getHandle(`connection:${connectionId}`);
    await handle.signal(syncNowSignal, {});
    const failed = await eventually(async () => {
      const res = await get(`/api/v1/connections/${connectionId}`);
      expect(res.body.status).toBe('failed');
      return res.body;
    }, { timeoutMs: 30_000 });
    expect(failed.consecutiveFailures).toBe(5);
    expect(failed.lastError).toMatchObject({ code: 'CredentialRejected', message: expect.stringMatching(/Incorrect API key/) });
    expect((await handle.query(statusQuery)).status).toBe('failed');

    const replaced = await api.http.put(`/api/v1/connections/${connectionId}/key`).set('Authorization', token).send({ apiKey: GOOD_KEYS.openai });
    expect(replaced.status).toBe(200);
    await eventually(async () => {
      const res = await get(`/api/v1/connections/${connectionId}`);
      expect(res.body).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
    }, { timeoutMs: 30_000 });
  });

  it('never writes the provider key into workflow history', async () => {
    const history = await client().workflow.getHandle(`connection:${connectionId}`).fetchHistory();
    const text = JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    expect(text).toContain(connectionId);
    expect(text).not.toContain(GOOD_KEYS.openai);
  });

  it('stops polling when the connection is deleted', async () => {
    expect((await api.http.delete(`/api/v1/connections/${connectionId}`).set('Authorization', token)).status).toBe(204);
    const description = await client().workflow.getHandle(`connection:${connectionId}`).describe();
    expect(description.status.name).toBe('TERMINATED');
    expect(await eventsOf(connectionId)).toHaveLength(usage.length);
  });
});
