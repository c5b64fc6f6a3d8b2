import { AuditPackList, ListAuditPacksQuery } from '../../../../contracts/audit-packs';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/audit-packs',
  summary: "The organization's audit packs, every version: newest month first, then newest version; cursor-paginated, optionally one month's. Each with its size, manifest SHA-256 (as on cover.pdf), event and receipt counts and download path",
  tag: 'audit-packs',
  auth: 'organization',
  access: 'member',
  plan: 'paid',
  query: ListAuditPacksQuery,
  response: { status: 200, schema: AuditPackList },
  handler: async ({ auth, query, deps }): Promise<AuditPackList> => deps.services.auditPacks.list(auth.orgId, query),
});
