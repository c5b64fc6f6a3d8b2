import { ModelUsageList, TelemetryFilters } from '../../../../contracts/telemetry';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/telemetry/models',
  summary: 'Per model: tier, matched rule, factor version, tokens, energy and CO2e; unmatched models are flagged',
  tag: 'telemetry',
  auth: 'organization',
  access: 'member',
  query: TelemetryFilters,
  response: { status: 200, schema: ModelUsageList },
  handler: async ({ auth, query, deps }) => {
    const telemetry = deps.services.telemetry;
    return telemetry.models(await telemetry.resolve(auth.orgId, query));
  },
});
