import type { Client } from '@temporalio/client';
import { connectionPollingWorkflow } from '../workflows/connection-polling.workflow';
import { ConnectionIdKey, ConnectionStatusKey, OrgIdKey, ProviderKey, StrikesKey } from '../workflows/search-attributes';
import { connectionWorkflowId } from '../src/services/connections/connection-workflows';
import { hash32 } from './polling-usage';
import type { FleetConnection } from './polling-fleet';

/**
 * Hourly slots (second past the hour) 1 to 10 minutes behind `at`: every poller's first timer then fires 50 to 59
 * minutes after the bench began, so no hourly wake falls inside a measurement and each phase is driven by the
 * bench alone. (ConnectionWorkflows spreads slots over :05-:55, which would put some inside any phase.)
 */
export function slotBehind(at: Date, connectionId: string): number {
  const second = Math.floor((at.getTime() % 3_600_000) / 1000);
  return (second - 60 - (hash32(connectionId) % 540) + 3600) % 3600;
}

/**
 * Starts `connection:{id}` as ConnectionWorkflows.start does (same id, task queue, input, conflict policy and
 * search attributes), with the bench's slot as `pollOffsetSeconds`.
 */
export async function startPoller(client: Client, taskQueue: string, c: FleetConnection, benchStart: Date): Promise<void> {
  await client.workflow.start(connectionPollingWorkflow, {
    workflowId: connectionWorkflowId(c.id),
    taskQueue,
    args: [{ connectionId: c.id, orgId: c.orgId, provider: c.provider, pollOffsetSeconds: slotBehind(benchStart, c.id) }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: OrgIdKey, value: c.orgId },
      { key: ConnectionIdKey, value: c.id },
      { key: ProviderKey, value: c.provider },
      { key: ConnectionStatusKey, value: 'active' },
      { key: StrikesKey, value: 0 },
    ],
  });
}
