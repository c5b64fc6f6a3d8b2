import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';

export const RECONCILIATION_SCHEDULE_ID = 'reconciliation-daily';

function reconciliationSchedule(taskQueue: string): ScheduleOptions {
  return {
    scheduleId: RECONCILIATION_SCHEDULE_ID,
    spec: { calendars: [{ hour: 3, comment: 'daily reconciliation, 03:00 UTC' }] },
    action: { type: 'startWorkflow', workflowType: 'reconciliationWorkflow', args: [{ windowHours: 24, concurrency: 8 }], taskQueue, workflowId: 'reconciliation' },
    // A missed run (server down at 03:00) still runs within the day; two never overlap.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '12 hours' },
  };
}

/** Creates the schedule, or brings an existing one up to date: safe on every worker start. */
export async function ensureReconciliationSchedule(client: Client, taskQueue: string): Promise<void> {
  const options = reconciliationSchedule(taskQueue);
  try {
    await client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies }));
  }
}
