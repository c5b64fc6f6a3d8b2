import { proxyActivities } from '@temporalio/workflow';
import type { ReconciliationInput } from '../contracts/workflows';
import type { PollingActivities } from '../activities/polling.activities';

const { listActiveConnections } = proxyActivities<PollingActivities>({ startToCloseTimeout: '1 minute' });
const { repollWindow } = proxyActivities<PollingActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '30 seconds', maximumAttempts: 3 },
});

/**
 * Started daily at 03:00 UTC by the `reconciliation-daily` schedule: re-polls the trailing window of every
 * active connection so late or corrected usage lands as revisions. Connections are processed with bounded
 * concurrency; one connection's failure does not stop the others (its own poller counts strikes).
 */
export async function reconciliationWorkflow(input: ReconciliationInput = {}): Promise<{ connections: number; failed: number; changed: number }> {
  const windowHours = input.windowHours ?? 24;
  const concurrency = input.concurrency ?? 8;
  const ids = await listActiveConnections();
  let next = 0;
  let failed = 0;
  let changed = 0;
  const lane = async () => {
    while (next < ids.length) {
      const connectionId = ids[next++];
      try {
        const result = await repollWindow({ connectionId, hours: windowHours });
        changed += result.changed;
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, lane));
  return { connections: ids.length, failed, changed };
}
