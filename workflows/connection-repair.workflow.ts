import { log, proxyActivities } from '@temporalio/workflow';
import type { ConnectionRepairCounts, ConnectionRepairInput, RepairPageResult } from '../contracts/workflows';
import type { RepairActivities } from '../activities/repair.activities';

const { repairConnectionPollers } = proxyActivities<RepairActivities>({
  // A page describes (and at most starts) a few hundred workflows; it heartbeats after each connection.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/**
 * Started hourly by the `connection-repair-hourly` schedule: every live connection (active, paused or failed,
 * with a key) gets a poller if it has none running, e.g. when a process died between inserting the row and
 * starting `connection:{id}`, or the workflow was terminated by hand. Pages of connections keep the history
 * small whatever the number of connections; each page is checked with bounded concurrency.
 */
export async function connectionRepairWorkflow(input: ConnectionRepairInput = {}): Promise<ConnectionRepairCounts> {
  const limit = input.pageSize ?? 200;
  const concurrency = input.concurrency ?? 8;
  const totals: ConnectionRepairCounts = { checked: 0, running: 0, started: 0, skipped: 0, failed: 0 };
  let after: string | null = null;
  do {
    const page: RepairPageResult = await repairConnectionPollers({ after, limit, concurrency, orgIds: input.orgIds });
    for (const key of Object.keys(totals) as Array<keyof ConnectionRepairCounts>) totals[key] += page[key];
    after = page.nextAfter;
  } while (after !== null);
  log.info('repair pass done', { ...totals });
  return totals;
}
