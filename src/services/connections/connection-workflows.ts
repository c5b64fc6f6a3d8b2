import { WorkflowNotFoundError } from '@temporalio/client';
import type { Provider } from '../../../contracts/usage';
import type { TemporalHandle } from '../../integrations/temporal';
import { connectionPollingWorkflow, resumeSignal, syncNowSignal } from '../../../workflows/connection-polling.workflow';
import { ConnectionIdKey, ConnectionStatusKey, OrgIdKey, ProviderKey, StrikesKey } from '../../../workflows/search-attributes';

export const connectionWorkflowId = (connectionId: string) => `connection:${connectionId}`;

/** The API's side of `connection:{id}`: start, signal, stop. Never blocks a request on polling. */
export class ConnectionWorkflows {
  constructor(private readonly temporal: TemporalHandle) {}

  async start(input: { connectionId: string; orgId: string; provider: Provider; requestId?: string }): Promise<void> {
    await this.temporal.client.workflow.start(connectionPollingWorkflow, {
      workflowId: connectionWorkflowId(input.connectionId),
      taskQueue: this.temporal.taskQueue,
      args: [{ connectionId: input.connectionId, orgId: input.orgId, provider: input.provider, requestId: input.requestId }],
      // A retried create (same id) must not start a second poller.
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: OrgIdKey, value: input.orgId },
        { key: ConnectionIdKey, value: input.connectionId },
        { key: ProviderKey, value: input.provider },
        { key: ConnectionStatusKey, value: 'active' },
        { key: StrikesKey, value: 0 },
      ],
    });
  }

  async syncNow(connectionId: string, requestId?: string): Promise<void> {
    await this.temporal.client.workflow.getHandle(connectionWorkflowId(connectionId)).signal(syncNowSignal, { requestId });
  }

  /**
   * Resumes the poller, or starts one when there is none (it ended, or the connection never had one, like the
   * demo connections): either way the connection polls with its new key at once.
   */
  async resumeOrStart(input: { connectionId: string; orgId: string; provider: Provider; requestId?: string }): Promise<void> {
    try {
      await this.temporal.client.workflow.getHandle(connectionWorkflowId(input.connectionId)).signal(resumeSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      await this.start(input);
    }
  }

  /** Stops the poller; already stopped is fine (delete is retried by clients). */
  async stop(connectionId: string): Promise<void> {
    try {
      await this.temporal.client.workflow.getHandle(connectionWorkflowId(connectionId)).terminate('connection deleted');
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}
