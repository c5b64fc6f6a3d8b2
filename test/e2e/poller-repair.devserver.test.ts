// Every live connection has exactly one poller, and a missing one is started again: by the hourly repair pass
// (executed here on the dev server with the real worker and activities), by a sync and by a move. Connections
// lose their poller the two ways it happens: the workflow terminated out of band, or a row inserted by a process
// that died before starting the workflow. Each test has its own organization (the pass is scoped to it, so other
// files' connections in the run's database are left alone) and its own provider key (its own fake requests).
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { loadConfig, type Config } from '../../src/config';
import { findFreePort } from '../../src/dev/processes';
import { connectionRepairWorkflow, statusQuery, syncNowSignal } from '../../workflows';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { startTestApi, type TestApi } from '../helpers/api';
import { testEnv } from '../helpers/env';
import { startProviderFakes, type ProviderFakes } from '../helpers/provider-fakes';
import { eventually, installQuietRuntime } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import type { OpenAIUsageRow } from '../fakes/openai.fake';

const keys = createClerkTestKeys();
const HOUR = 3_600_000;
const USAGE_PATH = '/v1/organization/usage/completions';
const LABELS = ['terminated', 'inserted', 'race', 'failed', 'sync', 'move', 'unreachable'] as const;
type Label = (typeof LABELS)[number];
const keyOf = (label: Label) => `sk-admin-repair-${label}-0000000000000000`;

let fakes: ProviderFakes;
let env: NodeJS.ProcessEnv;
let config: Config;
let api: TestApi;
let worker: TestWorker;

const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
/** What the fake serves to every key: 12 completed hours of two models; tests add rows as they go. */
let rows: OpenAIUsageRow[] = Array.from({ length: 12 }, (_, i) => thisHour - (12 - i) * HOUR).flatMap((ms, i) => [
  { startTime: ms / 1000 + 60, model: 'gpt-4o-2024-08-06', input_tokens: 9000 + i, input_cached_tokens: 1000, output_tokens: 600 + i, num_model_requests: 4 },
  { startTime: ms / 1000 + 120, model: 'gpt-4o-mini', input_tokens: 2500 + i, output_tokens: 250, num_model_requests: 2 },
]);
let added = 0;
/** Adds one row (a model not seen before, in a completed hour inside every poll's window) to what the fake serves. */
function addUsage(): void {
  added += 1;
  rows = [...rows, { startTime: (thisHour - 2 * HOUR) / 1000 + 300 + added, model: `gpt-4.1-extra-${added}`, input_tokens: 700 + added, output_tokens: 70, num_model_requests: 1 }];
  fakes.openai.setUsage(rows);
}

beforeAll(async () => {
  installQuietRuntime();
  fakes = await startProviderFakes({ extraKeys: { openai: LABELS.map(keyOf) } });
  fakes.openai.setUsage(rows);
  // A 3-day backfill, against a 48-hour re-poll overlap: a repaired poller that backfilled again would show.
  env = testEnv({ ...fakes.env, BACKFILL_DAYS: '3', RATE_LIMIT_API_PER_MINUTE: '10000' }, keys);
  config = loadConfig(env);
  api = await startTestApi(config);
  worker = await startTestWorker(config);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await fakes?.close();
});

const client = (): Client => api.deps.services.connections['deps'].workflows['temporal'].client;
const poller = (id: string) => client().workflow.getHandle(`connection:${id}`);

interface Org { token: string; orgId: string; projectId: string }
async function newOrg(label: Label): Promise<Org> {
  const token = `Bearer ${mintClerkToken(keys, { orgId: `org_repair_${label}_${Date.now()}` })}`;
  const me = await api.http.get('/api/v1/me').set('Authorization', token);
  expect(me.status).toBe(200);
  const [project] = await api.deps.dataSource.query(`SELECT id FROM projects WHERE org_id = $1 AND is_default`, [me.body.organization.id]);
  return { token, orgId: me.body.organization.id, projectId: project.id };
}

const get = (org: Org, url: string) => api.http.get(url).set('Authorization', org.token);
const connectionOf = async (org: Org, id: string) => (await get(org, `/api/v1/connections/${id}`)).body;
const usageRequests = (label: Label) => fakes.openai.requests.filter((r) => r.path === USAGE_PATH && r.query.get('limit') !== '1' && r.headers.authorization === `Bearer ${keyOf(label)}`);

/** Connects the label's key through the API and waits for the first poll to land. */
async function connect(org: Org, label: Label): Promise<string> {
  const created = await api.http.post('/api/v1/connections').set('Authorization', org.token).send({ provider: 'openai', apiKey: keyOf(label) });
  expect({ status: created.status, body: created.body }).toMatchObject({ status: 201 });
  await eventually(async () => expect((await connectionOf(org, created.body.id)).lastSuccessAt).not.toBeNull(), { timeoutMs: 60_000 });
  return created.body.id;
}

/** Waits until the connection's stored usage is exactly what the fake serves now: every row once, none twice. */
async function expectUsageMatchesFake(org: Org, id: string): Promise<void> {
  const sum = (f: (r: OpenAIUsageRow) => number) => String(rows.reduce((a, r) => a + f(r), 0));
  const expected = {
    events: rows.length,
    tokens: {
      inputCacheRead: sum((r) => Number(r.input_cached_tokens ?? 0)),
      inputUncached: sum((r) => Number(r.input_tokens) - Number(r.input_cached_tokens ?? 0)),
      output: sum((r) => Number(r.output_tokens)),
    },
    requests: sum((r) => Number(r.num_model_requests)),
  };
  await eventually(async () => {
    const events = (await get(org, `/api/v1/telemetry/events?connectionId=${id}&limit=500`)).body.data as unknown[];
    const summary = (await get(org, `/api/v1/telemetry/summary?connectionId=${id}`)).body;
    expect({ events: events.length, tokens: summary.totals.tokens, requests: summary.totals.requests }).toMatchObject(expected);
  }, { timeoutMs: 30_000, intervalMs: 250 });
}

/** One repair pass over the organizations given, on the worker's task queue, with the real activities. */
async function repairPass(...orgs: Org[]) {
  return client().workflow.execute(connectionRepairWorkflow, {
    taskQueue: config.temporal.taskQueue, workflowId: `connection-repair-test-${randomUUID()}`, args: [{ orgIds: orgs.map((o) => o.orgId), pageSize: 2, concurrency: 2 }],
  });
}

/** A row as a create that died before starting its workflow leaves it: active, key stored, no poller. */
async function insertWithoutPoller(org: Org, label: Label): Promise<string> {
  const id = randomUUID();
  const secretRef = await api.deps.services.connections['deps'].providerKeys.putProviderKey({ orgId: org.orgId, connectionId: id, provider: 'openai' }, keyOf(label));
  await api.deps.dataSource.query(
    `INSERT INTO provider_connections (id, org_id, project_id, provider, name, secret_ref, key_hint, status, workflow_id) VALUES ($1, $2, $3, 'openai', 'half-created', $4, $5, 'active', $6)`,
    [id, org.orgId, org.projectId, secretRef, keyOf(label).slice(-4), `connection:${id}`],
  );
  await expect(poller(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  return id;
}

describe('the repair pass', () => {
  it('starts a poller terminated out of band again; it polls from the stored cursor, nothing lost or counted twice', async () => {
    const org = await newOrg('terminated');
    const id = await connect(org, 'terminated');
    await expectUsageMatchesFake(org, id);
    const before = await connectionOf(org, id);
    const oldRun = (await poller(id).describe()).runId;
    await poller(id).terminate('out of band');
    addUsage(); // usage the missing poller would never read
    const requestsBefore = usageRequests('terminated').length;

    expect(await repairPass(org)).toEqual({ checked: 1, running: 0, started: 1, skipped: 0, failed: 0 });

    const described = await poller(id).describe();
    expect({ status: described.status.name, isNewRun: described.runId !== oldRun }).toEqual({ status: 'RUNNING', isNewRun: true });
    await expectUsageMatchesFake(org, id);
    const after = await connectionOf(org, id);
    expect(new Date(after.lastSuccessAt).getTime()).toBeGreaterThan(new Date(before.lastSuccessAt).getTime());
    // It resumed at the stored cursor (minus the 48 h re-poll overlap), not with a second 3-day backfill.
    const firstRepairedRequest = usageRequests('terminated')[requestsBefore];
    expect(Number(firstRepairedRequest.query.get('start_time')) * 1000).toBeGreaterThanOrEqual(Math.floor((new Date(before.cursor).getTime() - 48 * HOUR) / HOUR) * HOUR);
    expect(after).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
  });

  it('starts a poller for a row whose create died before starting one, and leaves keyless rows alone', async () => {
    const org = await newOrg('inserted');
    const id = await insertWithoutPoller(org, 'inserted');
    // A demo connection has no key: a poller would end at once, so it gets one with its key, not from the pass.
    const keyless = randomUUID();
    await api.deps.dataSource.query(
      `INSERT INTO provider_connections (id, org_id, project_id, provider, name, key_hint, status, workflow_id) VALUES ($1, $2, $3, 'openai', 'demo', 'demo', 'paused', $4)`,
      [keyless, org.orgId, org.projectId, `demo:${keyless}`],
    );

    expect(await repairPass(org)).toEqual({ checked: 1, running: 0, started: 1, skipped: 0, failed: 0 });

    expect((await poller(id).describe()).status.name).toBe('RUNNING');
    await expectUsageMatchesFake(org, id);
    expect(await connectionOf(org, id)).toMatchObject({ status: 'active', consecutiveFailures: 0 });
    await expect(poller(keyless).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    // The next pass finds it running and changes nothing.
    const run = (await poller(id).describe()).runId;
    expect(await repairPass(org)).toEqual({ checked: 1, running: 1, started: 0, skipped: 0, failed: 0 });
    expect((await poller(id).describe()).runId).toBe(run);
  });

  it('two passes and a sync at once start one poller, and the usage lands once', async () => {
    const org = await newOrg('race');
    const id = await insertWithoutPoller(org, 'race');
    const [first, second, sync] = await Promise.all([
      repairPass(org), repairPass(org), api.http.post(`/api/v1/connections/${id}/sync`).set('Authorization', org.token),
    ]);
    expect(sync.status).toBe(202);
    for (const pass of [first, second]) expect(pass).toMatchObject({ checked: 1, failed: 0 });
    await expectUsageMatchesFake(org, id);
    // One run of connection:{id} ever: no second poller, none started and then terminated by a rival start.
    const runs = await eventually(async () => {
      const found = [];
      for await (const wf of client().workflow.list({ query: `WorkflowId = "connection:${id}"` })) found.push(wf);
      expect(found.length).toBeGreaterThanOrEqual(1);
      return found;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(runs.map((r) => r.status.name)).toEqual(['RUNNING']);
  });

  it('gives a failed connection a poller that stays failed, with its strikes, error and cursor, until the key is replaced', async () => {
    const org = await newOrg('failed');
    const id = await connect(org, 'failed');
    fakes.openai.failNext(2, { status: 401, message: 'Incorrect API key provided: sk-adm***********iled.', code: 'invalid_api_key' }, { match: (r) => r.headers.authorization === `Bearer ${keyOf('failed')}` });
    await poller(id).signal(syncNowSignal, {});
    const failed = await eventually(async () => {
      const body = await connectionOf(org, id);
      expect(body.status).toBe('failed');
      return body;
    }, { timeoutMs: 30_000 });
    await poller(id).terminate('out of band');
    addUsage();
    const requestsBefore = usageRequests('failed').length;

    expect(await repairPass(org)).toEqual({ checked: 1, running: 0, started: 1, skipped: 0, failed: 0 });

    const repairedRun = (await poller(id).describe()).runId;
    expect(await poller(id).query(statusQuery)).toMatchObject({
      status: 'failed', strikes: 5, pollCount: 0, lastError: { code: 'CredentialRejected' }, cursor: failed.cursor, lastSuccessAt: failed.lastSuccessAt, nextPollAt: null,
    });
    // It does not poll, however it is asked, until the key is replaced.
    expect((await api.http.post(`/api/v1/connections/${id}/sync`).set('Authorization', org.token)).status).toBe(409);
    await poller(id).signal(syncNowSignal, {});
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(usageRequests('failed')).toHaveLength(requestsBefore);
    expect(await connectionOf(org, id)).toMatchObject({ status: 'failed', consecutiveFailures: 5 });

    const replaced = await api.http.put(`/api/v1/connections/${id}/key`).set('Authorization', org.token).send({ apiKey: keyOf('failed') });
    expect({ status: replaced.status, body: replaced.body }).toMatchObject({ status: 200 });
    await eventually(async () => expect(await connectionOf(org, id)).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null }), { timeoutMs: 30_000 });
    expect((await poller(id).describe()).runId).toBe(repairedRun); // resumed, not replaced
    await expectUsageMatchesFake(org, id);
  });
});

describe('sync and move without a poller', () => {
  it('POST sync answers 202 and starts the missing poller, which polls', async () => {
    const org = await newOrg('sync');
    const id = await connect(org, 'sync');
    await poller(id).terminate('out of band');
    addUsage();

    const res = await api.http.post(`/api/v1/connections/${id}/sync`).set('Authorization', org.token).set('x-request-id', 'req-sync-restart');
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 202, body: { connectionId: id, status: 'sync_requested' } });
    expect((await poller(id).describe()).status.name).toBe('RUNNING');
    await expectUsageMatchesFake(org, id);
  });

  it('PUT project starts the missing poller of the connection it moves', async () => {
    const org = await newOrg('move');
    const id = await connect(org, 'move');
    await poller(id).terminate('out of band');
    addUsage();
    const [project] = await api.deps.dataSource.query(`INSERT INTO projects (org_id, name, slug) VALUES ($1, 'Research', 'research') RETURNING id`, [org.orgId]);

    const moved = await api.http.put(`/api/v1/connections/${id}/project`).set('Authorization', org.token).send({ projectId: project.id });
    expect({ status: moved.status, projectId: moved.body.projectId }).toEqual({ status: 200, projectId: project.id });
    expect((await poller(id).describe()).status.name).toBe('RUNNING');
    await expectUsageMatchesFake(org, id);
  });

  it('POST sync answers 503 saying what to do when Temporal cannot be reached, and gives its 5-minute slot back', async () => {
    const org = await newOrg('unreachable');
    const id = await connect(org, 'unreachable');
    const cut = await startTestApi(loadConfig({ ...env, TEMPORAL_ADDRESS: `127.0.0.1:${await findFreePort()}` }));
    try {
      const res = await cut.http.post(`/api/v1/connections/${id}/sync`).set('Authorization', org.token);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(res.body.error.message).toMatch(/retry/);
    } finally {
      await cut.close();
    }
    const [row] = await api.deps.dataSource.query(`SELECT last_manual_sync_at FROM provider_connections WHERE id = $1`, [id]);
    expect(row.last_manual_sync_at).toBeNull();
    addUsage();
    const retried = await api.http.post(`/api/v1/connections/${id}/sync`).set('Authorization', org.token);
    expect({ status: retried.status, body: retried.body }).toMatchObject({ status: 202 });
    await expectUsageMatchesFake(org, id);
  }, 90_000);
});
