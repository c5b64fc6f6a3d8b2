import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';

export const RECONCILIATION_SCHEDULE_ID = 'reconciliation-daily';
export const CONNECTION_REPAIR_SCHEDULE_ID = 'connection-repair-hourly';
export const RECONCILIATION_EXECUTION_TIMEOUT = '6 hours';
export const CONNECTION_REPAIR_EXECUTION_TIMEOUT = '50 minutes';
export const AUDIT_PACKS_SCHEDULE_ID = 'audit-packs-monthly';
export const AUDIT_PACKS_EXECUTION_TIMEOUT = '1 day';
export const AUDIT_PACKS_CATCHUP_WINDOW = '2 days';

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

function auditPacksSchedule(taskQueue: string): ScheduleOptions {
  return {
    scheduleId: AUDIT_PACKS_SCHEDULE_ID,
    // Calendar-month billing periods close at their end + 48 h of grace (RECEIPT_GRACE_SECONDS), so by the 3rd the
    // previous month's receipts are issued; 04:00 keeps clear of the 03:00 reconciliation.
    spec: { calendars: [{ dayOfMonth: 3, hour: 4, comment: 'monthly audit packs, the 3rd at 04:00 UTC' }] },
    action: { type: 'startWorkflow', workflowType: 'auditPacksMonthlyWorkflow', args: [{ concurrency: 4, pageSize: 100 }], taskQueue, workflowId: 'audit-packs-monthly',
      // Covers the whole chain of continued-as-new runs: a stuck pass ends long before next month's is due.
      workflowExecutionTimeout: AUDIT_PACKS_EXECUTION_TIMEOUT },
    // A pass missed while the scheduler was down (an upgrade, an outage over the 3rd) still runs once it is back
    // within two days, and still packs the right month: the workflow reads the nominal time, not its start. After
    // longer, the customers have asked for their packs themselves and operators trigger the pass on purpose.
    // Two passes never overlap.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: AUDIT_PACKS_CATCHUP_WINDOW },
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

export async function ensureAuditPacksSchedule(client: Client, taskQueue: string): Promise<void> {
  await ensureSchedule(client, auditPacksSchedule(taskQueue));
}
