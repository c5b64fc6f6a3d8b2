// The Temporal dev server stopped mid-run and started again on the same SQLite file (--db-filename) and port:
// a private server for this file (the run's shared one must not go down under other tests), with the real API
// and worker against it. The poller that was waiting for its next poll is the same run afterwards, a sync asked
// through the API after the restart polls, and the usage equals an independent sum of the fake's rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import { findFreePort } from '../../src/dev/processes';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/dev/temporal-dev-server';
import { statusQuery } from '../../workflows';
import { startTestApi, type TestApi } from '../helpers/api';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { testEnv } from '../helpers/env';
import { expectedBuckets, expectStoredUsage, HOUR, printFigure } from '../helpers/fault-usage';
import { GOOD_KEYS } from '../helpers/provider-fakes';
import { eventually, installQuietRuntime } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import { toolPath } from '../setup/tools';
import { startOpenAIFake, type OpenAIFake, type OpenAIUsageRow } from '../fakes/openai.fake';

const keys = createClerkTestKeys();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-temporal-'));
const dbFile = path.join(dir, 'temporal.db');
let port: number;
let server: TemporalDevServer;
let fake: OpenAIFake;
let api: TestApi;
let worker: TestWorker;
let token: string;
let temporal: Connection;

const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
/** The last 24 completed hours (the whole 1-day backfill), two models, several pages. */
const usage: OpenAIUsageRow[] = Array.from({ length: 24 }, (_, i) => thisHour - (24 - i) * HOUR).flatMap((ms, i) => [
  { startTime: ms / 1000 + 30, model: 'gpt-4.1', input_tokens: 5000 + i, output_tokens: 400, num_model_requests: 3 },
  { startTime: ms / 1000 + 90, model: 'o4-mini', input_tokens: 2000, input_cached_tokens: 500, output_tokens: 900 + i, num_model_requests: 1 },
]);

const startServer = () => startTemporalDevServer({ binary: toolPath('TEMPORAL_CLI_PATH', 'temporal'), port, dbFile });

beforeAll(async () => {
  installQuietRuntime();
  port = await findFreePort();
  server = await startServer();
  fake = await startOpenAIFake({ adminKeys: [GOOD_KEYS.openai], pageSize: 6 });
  fake.setUsage(usage);
  const config = loadConfig(testEnv({ OPENAI_BASE_URL: fake.baseUrl, TEMPORAL_ADDRESS: server.address, BACKFILL_DAYS: '1', RATE_LIMIT_API_PER_MINUTE: '10000' }, keys));
  api = await startTestApi(config);
  worker = await startTestWorker(config);
  token = `Bearer ${mintClerkToken(keys, { orgId: `org_e2e_temporal_restart_${Date.now()}` })}`;
  temporal = await Connection.connect({ address: server.address });
}, 120_000);

afterAll(async () => {
  await temporal?.close();
  await worker?.stop();
  await api?.close();
  await server?.stop();
  await fake?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const connectionOf = async (id: string) => {
  const res = await api.http.get(`/api/v1/connections/${id}`).set('Authorization', token);
  expect(res.status).toBe(200);
  return res.body;
};

describe('the Temporal dev server restarted on its file', () => {
  it('resumes the poller where it was, polls again after the restart, and loses and doubles nothing', async () => {
    const created = await api.http.post('/api/v1/connections').set('Authorization', token).send({ provider: 'openai', apiKey: GOOD_KEYS.openai });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const handle = new Client({ connection: temporal }).workflow.getHandle(`connection:${id}`);
    const first = await eventually(async () => {
      const c = await connectionOf(id);
      expect(c.lastSuccessAt).not.toBeNull();
      return c;
    }, { timeoutMs: 30_000 });
    const { runId } = await handle.describe();

    // Down: the poller is mid-run, waiting for its next hourly poll.
    const stoppedAt = Date.now();
    await server.stop();
    // Late usage, from before the first poll: only the re-read overlap of a poll after the restart can find it.
    const lateRow = { startTime: Math.floor(Date.parse(first.cursor) / 1000) - 120, model: 'gpt-4.1-mini', input_tokens: 700, output_tokens: 70, num_model_requests: 1 };
    fake.setUsage([...usage, lateRow]);
    server = await startServer();
    const downtimeMs = Date.now() - stoppedAt;

    // The same run goes on; a sync through the API reaches it once the clients have reconnected.
    await eventually(async () => {
      const description = await handle.describe();
      expect(description).toMatchObject({ runId, status: { name: 'RUNNING' } });
    }, { timeoutMs: 30_000, intervalMs: 500 });
    const sync = await eventually(async () => {
      const res = await api.http.post(`/api/v1/connections/${id}/sync`).set('Authorization', token);
      expect(res.status).toBe(202);
      return res.body as { requestedAt: string };
    }, { timeoutMs: 30_000, intervalMs: 500 });
    // The poll the sync asked for (a poll started before the stop may also land, with an earlier cursor).
    const after = await eventually(async () => {
      const c = await connectionOf(id);
      expect(Date.parse(c.lastSuccessAt)).toBeGreaterThanOrEqual(Date.parse(sync.requestedAt));
      return c;
    }, { timeoutMs: 45_000, intervalMs: 250 });
    expect(Date.parse(after.lastSuccessAt)).toBeGreaterThan(Date.parse(first.lastSuccessAt));

    expect(after).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
    const all = [...usage, lateRow];
    const expected = expectedBuckets(all, Date.parse(after.cursor));
    expect(expected.size).toBe(usage.length + 1);
    const events = await expectStoredUsage(api.http, token, id, Date.now(), expected);
    const state = await handle.query(statusQuery);
    expect(state).toMatchObject({ status: 'active', strikes: 0 });
    printFigure(`temporal restart — downtime ${(downtimeMs / 1000).toFixed(1)} s, same run resumed, polls ${state.pollCount}, events ${events}/${expected.size}, strikes ${state.strikes}`);
  }, 120_000);
});
