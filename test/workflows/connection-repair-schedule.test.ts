import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { RepairActivities } from '../../activities/repair.activities';
import type { RepairPageInput } from '../../contracts/workflows';
import { CONNECTION_REPAIR_SCHEDULE_ID, ensureConnectionRepairSchedule } from '../../src/integrations/schedules';
import { eventually, installQuietRuntime, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';

describe('the connection-repair-hourly schedule', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    installQuietRuntime();
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: process.env.TEMPORAL_ADDRESS });
  });
  afterAll(async () => {
    await env?.client.schedule.getHandle(CONNECTION_REPAIR_SCHEDULE_ID).delete().catch(() => undefined);
    await env?.teardown();
  });

  it('is created idempotently at worker start, fires hourly at :30, and its action runs a repair pass', async () => {
    const client = env.client;
    const taskQueue = uniqueTaskQueue('repair-schedule');
    await ensureConnectionRepairSchedule(client, 'queue-a');
    await ensureConnectionRepairSchedule(client, taskQueue); // a second worker start updates instead of failing

    const handle = client.schedule.getHandle(CONNECTION_REPAIR_SCHEDULE_ID);
    const description = await handle.describe();
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'connectionRepairWorkflow', taskQueue });
    expect(description.policies.overlap).toBe('SKIP');
    // A stuck pass ends before the next :30 instead of making SKIP skip every hour after it.
    expect(description.action).toMatchObject({ workflowExecutionTimeout: 50 * 60_000 });
    const next = description.info.nextActionTimes.map((d) => d.getTime());
    expect(next.length).toBeGreaterThan(2);
    for (const at of next) expect(new Date(at).toISOString()).toMatch(/:30:00\.000Z$/);
    for (let i = 1; i < next.length; i++) expect(next[i] - next[i - 1]).toBe(3_600_000);

    const listed: string[] = [];
    for await (const s of client.schedule.list()) listed.push(s.scheduleId);
    expect(listed.filter((id) => id === CONNECTION_REPAIR_SCHEDULE_ID)).toHaveLength(1);

    // What it starts is a repair pass our workflow code accepts: its first page starts at the beginning.
    const asked: RepairPageInput[] = [];
    const activities = {
      repairConnectionPollers: async (input: RepairPageInput) => {
        asked.push(input);
        return { checked: 0, running: 0, started: 0, skipped: 0, failed: 0, nextAfter: null };
      },
    } satisfies Partial<RepairActivities>;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
    await worker.runUntil(async () => {
      await handle.trigger();
      const run = await eventually(async () => {
        const recent = (await handle.describe()).info.recentActions;
        expect(recent).toHaveLength(1);
        return recent[0].action;
      });
      const result = await client.workflow.getHandle(run.workflow.workflowId, run.workflow.firstExecutionRunId).result();
      expect(result).toEqual({ checked: 0, running: 0, started: 0, skipped: 0, failed: 0 });
    });
    expect(asked).toEqual([{ after: null, limit: 200, concurrency: 8 }]);
  }, 120_000);
});
