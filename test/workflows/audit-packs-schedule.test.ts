// The audit-packs-monthly schedule as the worker leaves it at start, on the run's dev server, in a namespace of this
// file's own: a starting worker brings every schedule up to date on its task queue, which must not redirect the
// schedules other test files are looking at in `default`.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import pino from 'pino';
import type { AuditPackBuilding } from '../../activities/audit-pack.activities';
import type { Config } from '../../src/config';
import {
  AUDIT_PACKS_SCHEDULE_ID, CONNECTION_REPAIR_SCHEDULE_ID, RECONCILIATION_SCHEDULE_ID,
} from '../../src/integrations/schedules';
import { createWorkerRuntime, type WorkerRuntime } from '../../src/worker';
import { testConfig } from '../helpers/env';
import { createScratchDatabase } from '../helpers/scratch-database';
import { eventually, installQuietRuntime, registerSearchAttributes, workflowBundle } from '../helpers/temporal';

const DAY = 86_400_000;
const namespace = `audit-packs-schedule-${randomUUID().slice(0, 8)}`;

/** Records builds; the pack itself is the builder's tests' business. */
const builds: Array<{ orgId: string; month: string; workflowId: string }> = [];
const recordingBuilder: AuditPackBuilding = {
  async build(input) {
    builds.push({ ...input, workflowId: Context.current().info.workflowExecution?.workflowId ?? '' });
    return { pack: { id: randomUUID(), month: input.month, version: 1, manifestSha256: 'cd'.repeat(32) }, built: true };
  },
};

let connection: Connection;
let client: Client;
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let config: Config;
let runtime: WorkerRuntime | undefined;
let running: Promise<void> | undefined;
const paid: string[] = [];

beforeAll(async () => {
  installQuietRuntime();
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  client = new Client({ connection, namespace });
  // A new namespace reaches the frontend's cache within seconds.
  await eventually(() => connection.workflowService.describeNamespace({ namespace }), { timeoutMs: 30_000, intervalMs: 500 });
  // The packs' child workflows carry OrgId, as in every namespace we run in.
  await eventually(() => registerSearchAttributes(connection, namespace), { timeoutMs: 30_000, intervalMs: 500 });
  scratch = await createScratchDatabase('carbonplan_audit_schedule');
  for (const plan of ['pro', 'free', 'enterprise']) {
    const [row] = await scratch.dataSource.query(`INSERT INTO organizations (clerk_org_id, name, plan) VALUES ($1, 'org', $2) RETURNING id`, [`org_${randomUUID()}`, plan]);
    if (plan !== 'free') paid.push(row.id);
  }
  config = testConfig({ DATABASE_URL: scratch.url, TEMPORAL_NAMESPACE: namespace });
  // The real worker start (schedules ensured), with a builder that only records.
  const start = () => createWorkerRuntime(config, { workflowBundle: bundle, logger: pino({ level: 'silent' }), overrides: { auditPacks: recordingBuilder } });
  const bundle = await workflowBundle();
  // Schedules in a namespace this new may be refused for a moment: the start is retried until they are accepted.
  runtime = await eventually(start, { timeoutMs: 60_000, intervalMs: 1_000 });
  running = runtime.run();
}, 120_000);

afterAll(async () => {
  await runtime?.shutdown();
  await running;
  for (const id of [AUDIT_PACKS_SCHEDULE_ID, RECONCILIATION_SCHEDULE_ID, CONNECTION_REPAIR_SCHEDULE_ID]) {
    await client?.schedule.getHandle(id).delete().catch(() => undefined);
  }
  await connection?.close();
  await scratch?.drop();
});

describe('the audit-packs-monthly schedule', () => {
  it('exists after worker start: the 3rd of each month at 04:00 UTC, overlap SKIP, a two-day catch-up window, a one-day timeout', async () => {
    const description = await client.schedule.getHandle(AUDIT_PACKS_SCHEDULE_ID).describe();
    expect(description.action).toMatchObject({
      type: 'startWorkflow', workflowType: 'auditPacksMonthlyWorkflow', taskQueue: config.temporal.taskQueue, workflowExecutionTimeout: DAY,
    });
    expect(description.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 2 * DAY });
    const next = description.info.nextActionTimes.map((d) => d.toISOString());
    expect(next.length).toBeGreaterThan(2);
    for (const at of next) expect(at).toMatch(/^\d{4}-\d\d-03T04:00:00\.000Z$/);
    // One a month: consecutive actions fall in consecutive months.
    for (let i = 1; i < next.length; i++) {
      const [a, b] = [new Date(next[i - 1]), new Date(next[i])];
      expect((b.getUTCFullYear() * 12 + b.getUTCMonth()) - (a.getUTCFullYear() * 12 + a.getUTCMonth())).toBe(1);
    }
  });

  it('packs the month before the nominal time for each paid organization, even when the run starts much later (a backfilled 2025-03-03)', async () => {
    const handle = client.schedule.getHandle(AUDIT_PACKS_SCHEDULE_ID);
    await handle.backfill({ start: new Date('2025-03-03T03:59:00.000Z'), end: new Date('2025-03-03T04:01:00.000Z'), overlap: ScheduleOverlapPolicy.ALLOW_ALL });
    const action = await eventually(async () => {
      const recent = (await handle.describe()).info.recentActions;
      expect(recent).toHaveLength(1);
      return recent[0];
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(action.scheduledAt.toISOString()).toBe('2025-03-03T04:00:00.000Z');
    const result = await client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId).result();
    expect(result).toEqual({ month: '2025-02', orgs: 2, built: 2, unchanged: 0, joined: 0, failed: 0 });
    expect(builds.map((b) => b.orgId).sort()).toEqual([...paid].sort());
    expect(builds.map((b) => b.workflowId).sort()).toEqual(paid.map((id) => `audit-pack:${id}:2025-02`).sort());
  }, 90_000);
});
