import type { TemporalHandle } from '../../integrations/temporal';
import { AppError } from '../../errors';
import { auditPackWorkflow, auditPackWorkflowId } from '../../../workflows/audit-packs.workflow';
import { OrgIdKey } from '../../../workflows/search-attributes';
import { isTemporalUnavailable } from '../connections/connection-workflows';

/** A request must not hang on an unreachable Temporal: the SDK would otherwise retry for about half a minute. */
const CALL_DEADLINE_MS = 10_000;

/**
 * A run asked for while no worker takes it (all down, a deploy gone wrong) ends after this long, so a later request
 * starts a fresh one instead of joining it for ever.
 */
const REQUEST_EXECUTION_TIMEOUT = '6 hours';

/** The API's side of `audit-pack:{orgId}:{month}`: starts the organization's pack of the month, or joins the run building it. */
export class AuditPackWorkflows {
  constructor(private readonly temporal: Pick<TemporalHandle, 'client' | 'taskQueue'>) {}

  /** Returns the workflow id; the pack appears in the list once built (or the latest version is kept when unchanged). */
  async request(orgId: string, month: string): Promise<string> {
    const workflowId = auditPackWorkflowId({ orgId, month });
    const { client } = this.temporal;
    try {
      await client.connection.withDeadline(Date.now() + CALL_DEADLINE_MS, () => client.workflow.start(auditPackWorkflow, {
        workflowId,
        taskQueue: this.temporal.taskQueue,
        args: [{ orgId, month }],
        // A double click, a retried request and the monthly pass all end up in the one run building the pack.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowExecutionTimeout: REQUEST_EXECUTION_TIMEOUT,
        typedSearchAttributes: [{ key: OrgIdKey, value: orgId }],
      }));
    } catch (err) {
      if (!isTemporalUnavailable(err)) throw err;
      throw new AppError('SERVICE_UNAVAILABLE', 'the audit pack could not be requested right now because the workflow service is unreachable; nothing was started, retry in a minute');
    }
    return workflowId;
  }
}
