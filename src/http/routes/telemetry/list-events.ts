import { EventsQuery, UsageEventPage } from '../../../../contracts/telemetry';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/telemetry/events',
  summary: 'Usage events with their emissions, in a stable order (bucket start, id); pass nextCursor back as cursor',
  tag: 'telemetry',
  auth: 'organization',
  access: 'member',
  query: EventsQuery,
  response: { status: 200, schema: UsageEventPage },
  handler: async ({ auth, query, deps }) => {
    const { limit, cursor, ...filters } = query;
    const telemetry = deps.services.telemetry;
    return telemetry.events(await telemetry.resolve(auth.orgId, filters), limit, cursor);
  },
});
