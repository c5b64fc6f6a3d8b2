import { ConnectionList } from '../../../contracts/connections';
import { defineTool, READ_ONLY } from '../tool';
import type { ToolDeps } from './deps';
import { PageInput } from './page-input';

export const listConnections = ({ api }: ToolDeps) => defineTool({
  name: 'list_connections',
  title: 'List provider connections',
  description: [
    'The organization\'s provider connections (OpenAI, Anthropic, OpenRouter accounts whose usage CarbonPlan polls), with status (active, paused, failed), the last error, and how far usage is synced (cursor, lastSuccessAt).',
    'Use it to find a connection id for get_summary or sync_connection, or to explain missing or stale figures (a failed connection, an old lastSuccessAt). Keys are never shown, only their last four characters.',
    'Pass nextCursor back as cursor for the next page; null means this is the last page. Needs CARBONPLAN_API_KEY.',
  ].join('\n'),
  inputSchema: PageInput,
  outputSchema: ConnectionList,
  annotations: READ_ONLY,
  isAuthenticated: true,
  handler: async (page, { signal }) => api.connections.list(page, { signal }),
});
