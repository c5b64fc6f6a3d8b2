import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';

export const RECONCILIATION_SCHEDULE_ID = 'reconciliation-daily';
export const CONNECTION_REPAIR_SCHEDULE_ID = 'connection-repair-hourly';
export const RECONCILIATION_EXECUTION_TIMEOUT = '6 hours';
export const CONNECTION_REPAIR_EXECUTION_TIMEOUT = '50 minutes';

function reconciliationSchedule(taskQueue: string): ScheduleOptions {
  return {
    scheduleId: RECONCILIATION_SCHEDULE_ID,
    spec: { calendars: [{ hour: 3, comment: 'daily reconciliation, 03:00 UTC' }] },
    action: { type: 'startWorkflow', workflowType: 'reconciliationWorkflow', args: [{ windowHours: 24, concurrency: 8 }], taskQueue, workflowId: 'reconciliation',
      // Covers the whole chain of continued-as-new runs: a stuck pass ends instead of skipping every day after it.
      workflowExecutionTimeout: RECONCILIATION_EXECUTION_TIMEOUT },
    // A missed run (server down at 03:00) still runs within the day; two never overlap.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '12 hours' },
  };
}

function connectionRepairSchedule(taskQueue: string): ScheduleOptions {
  return {
    scheduleId: CONNECTION_REPAIR_SCHEDULE_ID,
    // At :30, away from the pollers' :05 and the 03:00 reconciliation.
    spec: { calendars: [{ hour: '*', minute: 30, comment: 'hourly poller repair, at :30' }] },
    action: { type: 'startWorkflow', workflowType: 'connectionRepairWorkflow', args: [{ pageSize: 200, concurrency: 8 }], taskQueue, workflowId: 'connection-repair',
      // Ends before the next :30, so a stuck pass skips at most the hour it started in.
      workflowExecutionTimeout: CONNECTION_REPAIR_EXECUTION_TIMEOUT },
    // A pass still running when the next is due makes the next one redundant; after an outage one pass is enough.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  };
}

/** Creates the schedule, or brings an existing one up to date: safe on every worker start. */
async function ensureSchedule(client: Client, options: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies }));
  }
}

export async function ensureReconciliationSchedule(client: Client, taskQueue: string): Promise<void> {
  await ensureSchedule(client, reconciliationSchedule(taskQueue));
}

export async function ensureConnectionRepairSchedule(client: Client, taskQueue: string): Promise<void> {
  await ensureSchedule(client, connectionRepairSchedule(taskQueue));
}
