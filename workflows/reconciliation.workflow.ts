import { continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ReconciliationInput, ReconciliationTotals } from '../contracts/workflows';
import type { PollingActivities } from '../activities/polling.activities';

const { listActiveConnections, listActiveConnectionsPage } = proxyActivities<PollingActivities>({ startToCloseTimeout: '1 minute' });
const { repollWindow } = proxyActivities<PollingActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '30 seconds', maximumAttempts: 3 },
});

/** Runs started before paging listed every connection in one activity and had no marker: they replay unpaged. */
export const PAGED_RECONCILIATION_PATCH = 'reconciliation-paged-continue-as-new';
/** About 8 events per connection: a run stops taking pages well below Temporal's 51,200-event limit. */
const DEFAULT_HISTORY_BUDGET = 2_000;

/**
 * Started daily at 03:00 UTC by the `reconciliation-daily` schedule: re-polls the trailing window of every
 * active connection so late or corrected usage lands as revisions. Connections are taken in keyset pages (by id)
 * and processed with bounded concurrency; one connection's failure does not stop the others (its own poller
 * counts strikes). Once a page is done and the history passes the budget, the pass continues as new with its
 * cursor and totals, so no run grows with the number of connections.
 */
export async function reconciliationWorkflow(input: ReconciliationInput = {}): Promise<ReconciliationTotals> {
  const windowHours = input.windowHours ?? 24;
  const concurrency = input.concurrency ?? 8;
  const totals: ReconciliationTotals = { ...(input.totals ?? { connections: 0, failed: 0, changed: 0 }) };
  const reconcile = (ids: string[]) => repollAll(ids, windowHours, concurrency, totals);

  if (!patched(PAGED_RECONCILIATION_PATCH)) {
    await reconcile(await listActiveConnections());
    return totals;
  }
  const limit = input.pageSize ?? 200;
  const budget = input.historyBudget ?? DEFAULT_HISTORY_BUDGET;
  let after = input.after ?? null;
  for (;;) {
    const ids = await listActiveConnectionsPage({ after, limit });
    await reconcile(ids);
    if (ids.length < limit) return totals;
    after = ids[ids.length - 1];
    const info = workflowInfo();
    if (info.historyLength > budget || info.continueAsNewSuggested) {
      await continueAsNew<typeof reconciliationWorkflow>({ ...input, after, totals });
    }
  }
}

async function repollAll(ids: string[], hours: number, concurrency: number, totals: ReconciliationTotals): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const connectionId = ids[next++];
      totals.connections += 1;
      try {
        const result = await repollWindow({ connectionId, hours });
        totals.changed += result.changed;
      } catch {
        totals.failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, lane));
}
