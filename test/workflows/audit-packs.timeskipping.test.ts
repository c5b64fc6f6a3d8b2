// The monthly audit-pack pass on the time-skipping server: the real page activity on a scratch database of paid and
// free organizations, and a builder that only records (the pack itself is the builder's tests' business).
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { createAuditPackActivities, type AuditPackBuilding } from '../../activities/audit-pack.activities';
import { auditPacksMonthlyWorkflow, auditPackWorkflow } from '../../workflows';
import { createScratchDatabase } from '../helpers/scratch-database';
import { createTimeSkippingEnv } from '../helpers/time-skipping';
import { installQuietRuntime, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';

const ScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

interface BuildCall { orgId: string; month: string; workflowId: string; attempt: number }

/** Records every build, how many ran at once, and fails the organizations in `failing`. */
class RecordingBuilder implements AuditPackBuilding {
  readonly calls: BuildCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  failing = new Set<string>();

  async build(input: { orgId: string; month: string }) {
    const info = Context.current().info;
    this.calls.push({ ...input, workflowId: info.workflowExecution?.workflowId ?? '', attempt: info.attempt });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 40));
      if (this.failing.has(input.orgId)) throw new Error('storage is down');
      return { pack: { id: randomUUID(), month: input.month, version: 1, manifestSha256: 'ab'.repeat(32) }, built: true };
    } finally {
      this.inFlight -= 1;
    }
  }
}

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let scratch: { dataSource: DataSource; drop(): Promise<void> };
const paid: string[] = [];
const free: string[] = [];

async function insertOrg(ds: DataSource, plan: 'free' | 'pro' | 'enterprise'): Promise<string> {
  const [row] = await ds.query(`INSERT INTO organizations (clerk_org_id, name, plan) VALUES ($1, $2, $3) RETURNING id`, [`org_${randomUUID()}`, `${plan} org`, plan]);
  return row.id;
}

beforeAll(async () => {
  installQuietRuntime();
  [env, bundle, scratch] = await Promise.all([createTimeSkippingEnv(), workflowBundle(), createScratchDatabase('carbonplan_audit_fanout')]);
  // What a Schedule sets on the runs it starts; the test server knows no schedules, so the test sets it.
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default', searchAttributes: { [ScheduledStartTime.name]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME },
  }).catch(() => undefined);
  for (let i = 0; i < 40; i++) paid.push(await insertOrg(scratch.dataSource, i % 4 === 0 ? 'enterprise' : 'pro'));
  for (let i = 0; i < 7; i++) free.push(await insertOrg(scratch.dataSource, 'free'));
}, 120_000);

afterAll(async () => {
  await env?.teardown();
  await scratch?.drop();
});

async function withWorker<T>(builder: RecordingBuilder, body: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueTaskQueue('audit-packs');
  const activities = createAuditPackActivities({ dataSource: scratch.dataSource, logger: pino({ level: 'silent' }), auditPacks: builder });
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
  return worker.runUntil(body(taskQueue));
}

describe('auditPacksMonthlyWorkflow', () => {
  it('packs the month before the scheduled time for every paid organization exactly once, at most `concurrency` at once, continuing as new', async () => {
    const builder = new RecordingBuilder();
    const { handle, result } = await withWorker(builder, async (taskQueue) => {
      const started = await env.client.workflow.start(auditPacksMonthlyWorkflow, {
        taskQueue, workflowId: `audit-packs-monthly-${randomUUID()}`, args: [{ pageSize: 5, concurrency: 3, historyBudget: 40 }],
        typedSearchAttributes: [{ key: ScheduledStartTime, value: new Date('2031-03-03T04:00:00.000Z') }],
      });
      return { handle: started, result: await started.result() };
    });

    expect(result).toEqual({ month: '2031-02', orgs: 40, built: 40, unchanged: 0, joined: 0, failed: 0 });
    expect(builder.calls.map((c) => c.orgId).sort()).toEqual([...paid].sort());
    for (const orgId of free) expect(builder.calls.some((c) => c.orgId === orgId)).toBe(false);
    expect(builder.calls.every((c) => c.month === '2031-02' && c.workflowId === `audit-pack:${c.orgId}:2031-02` && c.attempt === 1)).toBe(true);
    expect(builder.maxInFlight).toBe(3);

    const firstRun = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
    const runs: string[] = [];
    for (let runId: string | undefined = handle.firstExecutionRunId; runId;) {
      runs.push(runId);
      const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    // 40 organizations in pages of 5 under a 40-event budget: several runs, no run holding the whole pass.
    expect(runs.length).toBeGreaterThan(2);
  });

  it('without a schedule, packs the month before the chain started; one organization failing does not stop the others', async () => {
    const builder = new RecordingBuilder();
    builder.failing.add(paid[7]);
    const { result, startedAt } = await withWorker(builder, async (taskQueue) => {
      const handle = await env.client.workflow.start(auditPacksMonthlyWorkflow, {
        taskQueue, workflowId: `audit-packs-monthly-${randomUUID()}`, args: [{ pageSize: 100, concurrency: 8 }],
      });
      return { result: await handle.result(), startedAt: (await handle.describe()).startTime };
    });
    const expected = new Date(Date.UTC(startedAt.getUTCFullYear(), startedAt.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    expect(result).toEqual({ month: expected, orgs: 40, built: 39, unchanged: 0, joined: 0, failed: 1 });
    // The failing one was retried with back-off (time skipped), then given up; the others built once each.
    expect(builder.calls.filter((c) => c.orgId === paid[7]).length).toBeGreaterThan(1);
    expect(builder.calls.filter((c) => c.orgId !== paid[7]).length).toBe(39);
  });

  it('joins an organization whose pack a request is already building instead of building it twice', async () => {
    const builder = new RecordingBuilder();
    const month = '2031-05';
    // What the API's start leaves while its run works: a running execution under the organization's pack id.
    const busy = await env.client.workflow.start('requestInFlight', { taskQueue: uniqueTaskQueue('nobody'), workflowId: `audit-pack:${paid[3]}:${month}`, args: [] });
    try {
      const result = await withWorker(builder, async (taskQueue) => env.client.workflow.execute(auditPacksMonthlyWorkflow, {
        taskQueue, workflowId: `audit-packs-monthly-${randomUUID()}`, args: [{ month, pageSize: 100, concurrency: 8 }],
      }));
      expect(result).toEqual({ month, orgs: 40, built: 39, unchanged: 0, joined: 1, failed: 0 });
      expect(builder.calls.some((c) => c.orgId === paid[3])).toBe(false);
      expect((await busy.describe()).status.name).toBe('RUNNING');
    } finally {
      await busy.terminate('test done');
    }
  });
});

describe('auditPackWorkflow', () => {
  it('fails at once, without retries, for an organization that does not exist', async () => {
    const builder = new RecordingBuilder();
    const err = await withWorker(builder, async (taskQueue) => {
      const handle = await env.client.workflow.start(auditPackWorkflow, {
        taskQueue, workflowId: `audit-pack:${randomUUID()}:2031-02`, args: [{ orgId: randomUUID(), month: '2031-02' }],
      });
      return handle.result().then(() => undefined, (e: unknown) => e);
    });
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (err as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect((activityFailure as ActivityFailure).cause).toMatchObject({ type: 'AuditPackBadInput', nonRetryable: true });
    expect((activityFailure as ActivityFailure).cause).toBeInstanceOf(ApplicationFailure);
    expect(builder.calls).toEqual([]);
  });
});
