import { TelemetryFilters, TelemetrySummary } from '../../../../contracts/telemetry';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/telemetry/summary',
  summary: 'Totals with bounds, per-model breakdown, a daily series (every day of the range) and the cached-input share',
  tag: 'telemetry',
  auth: 'organization',
  access: 'member',
  query: TelemetryFilters,
  response: { status: 200, schema: TelemetrySummary },
  handler: async ({ auth, query, deps }) => {
    const telemetry = deps.services.telemetry;
    return telemetry.summary(await telemetry.resolve(auth.orgId, query));
  },
});
