import { z } from 'zod';
import { IdParams } from '../../../contracts/common';
import { SyncAccepted } from '../../../contracts/connections';
import { defineTool } from '../tool';
import type { ToolDeps } from './deps';

export const syncConnection = ({ api }: ToolDeps) => defineTool({
  name: 'sync_connection',
  title: 'Sync a provider connection now',
  description: [
    'Ask CarbonPlan to poll one provider connection now instead of at its next hourly poll, so the latest usage shows in get_summary within a few minutes.',
    'Use it when the user says figures look stale and list_connections shows the connection active. It only fetches usage; it changes no setting and deletes nothing.',
    'At most one sync per connection every 5 minutes: sooner, the answer is an error saying how many seconds to wait. A failed or paused connection cannot sync (fix its key first). Needs CARBONPLAN_API_KEY.',
  ].join('\n'),
  inputSchema: z.object({ connectionId: IdParams.shape.id.describe('the connection\'s id (UUID) from list_connections') }).strict(),
  outputSchema: SyncAccepted,
  // A write, but additive: it fetches usage the poller would fetch anyway, and a repeat converges on the same data.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  isAuthenticated: true,
  // The SDK's Idempotency-Key makes its retries replay the first answer rather than meet the 5-minute limit.
  handler: ({ connectionId }, { signal }) => api.connections.sync(connectionId, { signal }),
});
