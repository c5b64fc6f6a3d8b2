import { AuditPackZip } from '../../../../contracts/audit-packs';
import { IdParams } from '../../../../contracts/common';
import { defineRoute } from '../../route';
import { sendStoredFile } from '../../send-stored-file';

export default defineRoute({
  method: 'get',
  path: '/api/v1/audit-packs/:id/download',
  summary: 'The audit pack zip: streamed (local storage) as carbonplan-audit-pack-{YYYY-MM}-v{N}.zip, or a 302 to a presigned link valid for five minutes (S3)',
  tag: 'audit-packs',
  auth: 'organization',
  access: 'member',
  plan: 'paid',
  params: IdParams,
  response: {
    status: 200, contentType: 'application/zip', schema: AuditPackZip, description: 'The zip',
    others: { 302: { description: 'Found: the zip at a presigned link valid for five minutes (S3 storage)' } },
  },
  errors: [404],
  handler: async ({ auth, params, deps, res }) =>
    sendStoredFile(res, await deps.services.auditPacks.open(auth.orgId, params.id), { contentType: 'application/zip', disposition: 'attachment' }),
});
