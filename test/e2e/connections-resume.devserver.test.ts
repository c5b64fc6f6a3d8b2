// `npm run connections:resume` against the run's Postgres and Temporal dev server, with the real worker and
// activities polling an OpenAI fake: failed connections come back and poll again; the filters leave out what
// they should; connections that are not failed are never signalled.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { loadConfig, type Config } from '../../src/config';
import { createTemporal, type TemporalHandle } from '../../src/integrations/temporal';
import { runConnectionsResume } from '../../src/ops/connections-resume';
import { RESUME_USAGE } from '../../src/ops/resume-connections';
import { pauseSignal } from '../../workflows';
import { startTestApi, type TestApi } from '../helpers/api';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { testEnv } from '../helpers/env';
import { eventually, installQuietRuntime } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import { startOpenAIFake, type OpenAIFake, type OpenAIUsageRow } from '../fakes/openai.fake';

const HOUR = 3_600_000;
const USAGE_PATH = '/v1/organization/usage/completions';
const clerk = createClerkTestKeys();
const KEYS = Array.from({ length: 6 }, (_, i) => `sk-admin-resume-${i}-0000000000000000`);
const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
const usage: OpenAIUsageRow[] = Array.from({ length: 6 }, (_, i) => ({
  startTime: (thisHour - (6 - i) * HOUR) / 1000 + 60, model: 'gpt-4.1', input_tokens: 1000 + i, output_tokens: 100, num_model_requests: 1,
}));

let fake: OpenAIFake;
let appEnv: NodeJS.ProcessEnv;
let config: Config;
let api: TestApi;
let worker: TestWorker;
let temporal: TemporalHandle;
const stamp = Date.now();
const orgA = { clerkId: `org_resume_a_${stamp}`, token: '' };
const orgB = { clerkId: `org_resume_b_${stamp}`, token: '' };

beforeAll(async () => {
  installQuietRuntime();
  // Each key belongs to its own OpenAI organization: one provider account is connected only once.
  const keyOrganizations = Object.fromEntries(KEYS.map((key, i) => [key, { id: `org-Resume${i}`, name: `resume-${i}`, title: `Resume ${i}` }]));
  fake = await startOpenAIFake({ adminKeys: KEYS, keyOrganizations });
  fake.setUsage(usage);
  appEnv = testEnv({ OPENAI_BASE_URL: fake.baseUrl, BACKFILL_DAYS: '1', RATE_LIMIT_API_PER_MINUTE: '10000' }, clerk);
  config = loadConfig(appEnv);
  api = await startTestApi(config);
  worker = await startTestWorker(config);
  temporal = createTemporal(config);
  orgA.token = `Bearer ${mintClerkToken(clerk, { orgId: orgA.clerkId })}`;
  orgB.token = `Bearer ${mintClerkToken(clerk, { orgId: orgB.clerkId })}`;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await temporal?.close();
  await api?.close();
  await fake?.close();
});

interface Conn { id: string; key: string; token: string; handle: WorkflowHandle }

const getConnection = async (c: Conn) => {
  const res = await api.http.get(`/api/v1/connections/${c.id}`).set('Authorization', c.token);
  expect(res.status).toBe(200);
  return res.body;
};

/** Connects a key through the API and waits for its first poll. */
async function connect(org: { token: string }, key: string): Promise<Conn> {
  const res = await api.http.post('/api/v1/connections').set('Authorization', org.token).send({ provider: 'openai', apiKey: key });
  expect(res.status).toBe(201);
  const c = { id: res.body.id as string, key, token: org.token, handle: temporal.client.workflow.getHandle(`connection:${res.body.id}`) };
  await eventually(async () => expect((await getConnection(c)).lastSuccessAt).not.toBeNull(), { timeoutMs: 30_000 });
  return c;
}

/** OpenAI rejects the key on the next poll (asked for through the API): the connection fails at once. */
async function fail(c: Conn): Promise<void> {
  // Twice: the activity re-reads the key from the secret store once before a rejection counts.
  fake.failNext(2, { status: 401, code: 'invalid_api_key', message: 'Incorrect API key provided: sk-adm****0000.' }, {
    pathPrefix: USAGE_PATH, match: (r) => r.headers.authorization === `Bearer ${c.key}`,
  });
  expect((await api.http.post(`/api/v1/connections/${c.id}/sync`).set('Authorization', c.token)).status).toBe(202);
  await eventually(async () => expect(await getConnection(c)).toMatchObject({ status: 'failed', lastError: { code: 'CredentialRejected' } }), { timeoutMs: 30_000 });
}

const signalsOf = async (c: Conn) =>
  (await c.handle.fetchHistory()).events!.flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));

/** The compiled-from-source CLI in its own process, as an operator runs it (ts-node instead of dist/). */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.resolve(__dirname, '../../src/ops/connections-resume.ts'), ...args], {
    env: { ...process.env, ...appEnv, TS_NODE_PROJECT: path.resolve(__dirname, '../../tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

function inProcess(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return runConnectionsResume(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, appEnv).then((code) => ({ code, out: out.join('\n'), err: err.join('\n') }));
}

describe('connections:resume', () => {
  it('resumes the failed connections the filters select, and nothing else', async () => {
    const [failedLongAgo, resumedBySignal, resumedByStart, active, paused] = await Promise.all(KEYS.slice(0, 5).map((k) => connect(orgA, k)));
    const otherOrg = await connect(orgB, KEYS[5]);

    await fail(failedLongAgo);
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date();
    for (const c of [resumedBySignal, resumedByStart, otherOrg]) await fail(c);
    // A poller lost out of band: the command must start a new one instead of signalling nothing.
    await resumedByStart.handle.terminate('poller lost');
    await paused.handle.signal(pauseSignal);
    await eventually(async () => expect((await getConnection(paused)).status).toBe('paused'), { timeoutMs: 30_000 });

    const before = new Map<Conn, { row: any; runId: string }>();
    for (const c of [failedLongAgo, resumedBySignal, resumedByStart, active, paused, otherOrg]) {
      before.set(c, { row: await getConnection(c), runId: (await c.handle.describe()).runId });
    }

    const run = await runCli(['--org', orgA.clerkId, '--failed-since', since.toISOString()]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^2 failed connection\\(s\\) match: organization ${orgA.clerkId} \\([0-9a-f-]{36}\\), failed since ${since.toISOString()}`));
    expect(lines.filter((l) => l.startsWith('resumed ') && / org=/.test(l)).map((l) => l.split(' ')[1]).sort()).toEqual([resumedBySignal.id, resumedByStart.id].sort());
    expect(lines[lines.length - 1]).toBe('resumed 2 of 2 failed connection(s); 0 skipped, 0 error(s)');

    // Both poll again at once and are healthy: the waiting poller was signalled, the lost one replaced.
    for (const c of [resumedBySignal, resumedByStart]) {
      const previous = before.get(c)!.row;
      expect(previous).toMatchObject({ status: 'failed', consecutiveFailures: 5 });
      await eventually(async () => {
        const now = await getConnection(c);
        expect(now).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
        expect(Date.parse(now.lastSuccessAt)).toBeGreaterThan(Date.parse(previous.lastSuccessAt));
      }, { timeoutMs: 30_000 });
    }
    expect(await signalsOf(resumedBySignal)).toContain('resume');
    expect((await resumedBySignal.handle.describe()).runId).toBe(before.get(resumedBySignal)!.runId);
    const restarted = await resumedByStart.handle.describe();
    expect(restarted.status.name).toBe('RUNNING');
    expect(restarted.runId).not.toBe(before.get(resumedByStart)!.runId);

    // Left out by a filter, or not failed: no signal, no new run, the row as it was.
    for (const c of [failedLongAgo, otherOrg, active, paused]) {
      expect(await signalsOf(c)).not.toContain('resume');
      expect((await c.handle.describe()).runId).toBe(before.get(c)!.runId);
    }
    for (const c of [failedLongAgo, otherOrg]) expect(await getConnection(c)).toEqual(before.get(c)!.row);
    expect(await getConnection(paused)).toMatchObject({ status: 'paused' });
    expect(await getConnection(active)).toMatchObject({ status: 'active' });

    // The organization by our uuid works the same, and without --failed-since any failure time matches.
    const [{ id: otherOrgUuid }] = await api.deps.dataSource.query(`SELECT id FROM organizations WHERE clerk_org_id = $1`, [orgB.clerkId]);
    const byUuid = await inProcess(['--org', otherOrgUuid]);
    expect(byUuid).toMatchObject({ code: 0, err: '' });
    expect(byUuid.out).toContain(`resumed ${otherOrg.id} org=${orgB.clerkId} provider=openai`);
    const anyTime = await inProcess(['--org', orgA.clerkId]);
    expect(anyTime.out.split('\n')[0]).toMatch(/^1 failed connection\(s\) match/);
    expect(anyTime.out).toContain(`resumed ${failedLongAgo.id} `);
    for (const c of [otherOrg, failedLongAgo]) {
      await eventually(async () => expect(await getConnection(c)).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null }), { timeoutMs: 30_000 });
    }
    expect(await getConnection(paused)).toMatchObject({ status: 'paused' });
    expect(await signalsOf(paused)).not.toContain('resume');

    const none = await inProcess(['--org', orgA.clerkId, '--failed-since', '2999-01-01']);
    expect(none.code).toBe(0);
    expect(none.out.split('\n')).toEqual([expect.stringMatching(/^0 failed connection\(s\) match/), 'resumed 0 of 0 failed connection(s); 0 skipped, 0 error(s)']);
  }, 180_000);

  it('answers a bad flag with exit status 2, the reason and the usage line, before touching anything', async () => {
    const run = await runCli(['--failed-since', 'yesterday']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: --failed-since "yesterday" is not an ISO 8601 date/), RESUME_USAGE]);

    for (const args of [['--orgs', 'x'], ['--org'], ['--org', ''], ['extra'], ['--failed-since', '2026-03-01T08:00'], ['--failed-since', '2026-02-30']]) {
      const result = await inProcess(args);
      expect({ args, code: result.code, usage: result.err.split('\n').pop() }).toEqual({ args, code: 2, usage: RESUME_USAGE });
      expect(result.out).toBe('');
    }
    const unknownOrg = await inProcess(['--org', 'org_nobody_has_this_id']);
    expect(unknownOrg).toEqual({ code: 2, out: '', err: `error: --org org_nobody_has_this_id: no such organization (give its Clerk id, org_…, or its uuid)\n${RESUME_USAGE}` });
  }, 60_000);
});
