import { AuditPackRequested, RequestAuditPackBody } from '../../../../contracts/audit-packs';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'post',
  path: '/api/v1/audit-packs',
  summary: 'Build the audit pack of a closed month now (or join the build already running): a new version when the month\'s usage, corrections or receipts changed since the latest one, else the latest is kept. 202 with the workflow id; the pack appears in the list (Location). 503 when the workflow service is unreachable: retry',
  tag: 'audit-packs',
  auth: 'organization',
  access: 'admin',
  plan: 'paid',
  body: RequestAuditPackBody,
  response: { status: 202, schema: AuditPackRequested },
  errors: [503],
  handler: async ({ auth, body, deps, res }): Promise<AuditPackRequested> => {
    const workflowId = await deps.services.auditPackWorkflows.request(auth.orgId, body.month);
    res.setHeader('Location', `/api/v1/audit-packs?month=${body.month}`);
    return { month: body.month, status: 'building', workflowId };
  },
});
