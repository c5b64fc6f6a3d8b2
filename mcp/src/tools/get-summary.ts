import { z } from 'zod';
import { TelemetryFilters, TelemetrySummary } from '../../../contracts/telemetry';
import { defineTool, READ_ONLY } from '../tool';
import type { ToolDeps } from './deps';

const filter = TelemetryFilters.shape;

export const getSummary = ({ api }: ToolDeps) => defineTool({
  name: 'get_summary',
  title: 'Summarize the organization\'s AI usage emissions',
  description: [
    'The organization\'s measured AI API usage over a date range: totals (requests, tokens by class, energy Wh and CO2e grams with low/central/high bounds), a per-model breakdown, a daily series and the cached-input share.',
    'Use it to answer "how much CO2e did we emit this month?", "which model emits most?", or to spot a trend day by day. Figures are exact decimal strings; counts that can be huge are strings too.',
    'Defaults to the last 30 days including today. Narrow with projectId or connectionId (ids from list_connections), provider or model. Needs CARBONPLAN_API_KEY.',
  ].join('\n'),
  inputSchema: z.object({
    from: filter.from.describe('first day included, YYYY-MM-DD (UTC); default 30 days before `to`'),
    to: filter.to.describe('first day NOT included, YYYY-MM-DD (UTC); default tomorrow, so today is included. At most 366 days after `from`'),
    projectId: filter.projectId.describe('only this project (UUID)'),
    connectionId: filter.connectionId.describe('only this provider connection (UUID from list_connections)'),
    provider: filter.provider.describe('only this provider'),
    model: filter.model.describe('only this model, exactly as reported (e.g. "gpt-4o-2024-08-06")'),
  }).strict(),
  outputSchema: TelemetrySummary,
  annotations: READ_ONLY,
  isAuthenticated: true,
  handler: (filters, { signal }) => api.telemetry.summary(filters, { signal }),
});
