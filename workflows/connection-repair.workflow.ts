import { continueAsNew, log, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ConnectionRepairCounts, ConnectionRepairInput, RepairPageResult } from '../contracts/workflows';
import type { RepairActivities } from '../activities/repair.activities';

const { repairConnectionPollers } = proxyActivities<RepairActivities>({
  // A page describes (and at most starts) a few hundred workflows; it heartbeats after each connection.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/** Runs started before this change never continued as new: they replay without the check. */
export const REPAIR_CONTINUE_AS_NEW_PATCH = 'connection-repair-continue-as-new';
const DEFAULT_HISTORY_BUDGET = 2_000;

/**
 * Started hourly by the `connection-repair-hourly` schedule: every live connection (active, paused or failed,
 * with a key) gets a poller if it has none running, e.g. when a process died between inserting the row and
 * starting `connection:{id}`, or the workflow was terminated by hand. Pages of connections keep each activity
 * small; each page is checked with bounded concurrency. Past the history budget, at a page boundary, the pass
 * continues as new with its cursor and totals, so no run grows with the number of connections.
 */
export async function connectionRepairWorkflow(input: ConnectionRepairInput = {}): Promise<ConnectionRepairCounts> {
  const limit = input.pageSize ?? 200;
  const concurrency = input.concurrency ?? 8;
  const budget = input.historyBudget ?? DEFAULT_HISTORY_BUDGET;
  const totals: ConnectionRepairCounts = { ...(input.totals ?? { checked: 0, running: 0, started: 0, skipped: 0, failed: 0 }) };
  const mayContinueAsNew = patched(REPAIR_CONTINUE_AS_NEW_PATCH);
  let after: string | null = input.after ?? null;
  do {
    const page: RepairPageResult = await repairConnectionPollers({ after, limit, concurrency, orgIds: input.orgIds });
    for (const key of Object.keys(totals) as Array<keyof ConnectionRepairCounts>) totals[key] += page[key];
    after = page.nextAfter;
    const info = workflowInfo();
    if (mayContinueAsNew && after !== null && (info.historyLength > budget || info.continueAsNewSuggested)) {
      await continueAsNew<typeof connectionRepairWorkflow>({ ...input, after, totals });
    }
  } while (after !== null);
  log.info('repair pass done', { ...totals });
  return totals;
}
