import {
  isGrpcServiceError, ServiceError, WorkflowNotFoundError, type WorkflowSignalWithStartOptions, type WorkflowStartOptions,
} from '@temporalio/client';
import type { Provider } from '../../../contracts/usage';
import type { ConnectionRunStatus, ConnectionWorkflowInput, SyncNowSignal } from '../../../contracts/workflows';
import type { ProviderConnectionEntity } from '../../db/entities';
import type { TemporalHandle } from '../../integrations/temporal';
import { connectionPollingWorkflow, resumeSignal, syncNowSignal } from '../../../workflows/connection-polling.workflow';
import { ConnectionIdKey, ConnectionStatusKey, OrgIdKey, ProviderKey, StrikesKey } from '../../../workflows/search-attributes';
import { pollOffsetSeconds } from './poll-offset';

export const connectionWorkflowId = (connectionId: string) => `connection:${connectionId}`;

/**
 * What a new poller starts from. A connection's first poller needs only its ids; one started for an existing
 * connection (repair, sync, move) carries the row's state, so a failed connection stays failed until resumed
 * and the status query shows the cursor and last success before the first poll.
 */
export type PollerStart = Pick<ConnectionWorkflowInput, 'connectionId' | 'orgId' | 'provider' | 'requestId'>
  & Partial<Pick<ConnectionWorkflowInput, 'status' | 'strikes' | 'lastError' | 'cursor' | 'lastSuccessAt'>>;

/** The state of a live connection's row, as its poller starts from it. */
export function pollerStartOf(row: ProviderConnectionEntity, requestId?: string): PollerStart {
  if (row.status === 'deleted') throw new Error(`connection ${row.id} is deleted: it gets no poller`);
  return {
    connectionId: row.id, orgId: row.orgId, provider: row.provider as Provider, requestId,
    status: row.status, strikes: row.consecutiveFailures, lastError: row.lastError,
    cursor: row.cursor?.toISOString() ?? null, lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
  };
}

/** A request must not hang on an unreachable Temporal: the SDK would otherwise retry for about half a minute. */
const CALL_DEADLINE_MS = 10_000;

/** The API's side of `connection:{id}`: start, signal, stop. Never blocks a request on polling. */
export class ConnectionWorkflows {
  /** `pollSpreadMinutes` (POLL_SPREAD_MINUTES): how widely new pollers spread past :05; 0 keeps them all at :05. */
  constructor(private readonly temporal: Pick<TemporalHandle, 'client' | 'taskQueue'>, private readonly options: { pollSpreadMinutes?: number } = {}) {}

  private get client() { return this.temporal.client; }

  private withDeadline<T>(call: () => Promise<T>): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + CALL_DEADLINE_MS, call);
  }

  private startOptions(input: PollerStart): WorkflowStartOptions<typeof connectionPollingWorkflow> {
    const status: ConnectionRunStatus = input.status ?? 'active';
    const spread = this.options.pollSpreadMinutes ?? 0;
    return {
      workflowId: connectionWorkflowId(input.connectionId),
      taskQueue: this.temporal.taskQueue,
      args: [spread > 0 ? { ...input, pollOffsetSeconds: pollOffsetSeconds(input.connectionId, spread) } : input],
      // A retried create, a repair pass and a request racing each other must not start a second poller.
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: OrgIdKey, value: input.orgId },
        { key: ConnectionIdKey, value: input.connectionId },
        { key: ProviderKey, value: input.provider },
        { key: ConnectionStatusKey, value: status },
        { key: StrikesKey, value: input.strikes ?? 0 },
      ],
    };
  }

  /** Starts the poller unless one runs (then nothing changes): safe to call whenever one may be missing. */
  async start(input: PollerStart): Promise<void> {
    await this.withDeadline(() => this.client.workflow.start(connectionPollingWorkflow, this.startOptions(input)));
  }

  /** Signals a running poller only (a missing one fails with WorkflowNotFoundError): requests use syncNowOrStart. */
  async syncNow(connectionId: string, requestId?: string): Promise<void> {
    await this.withDeadline(() => this.client.workflow.getHandle(connectionWorkflowId(connectionId)).signal(syncNowSignal, { requestId }));
  }

  /** Asks the poller to poll now, starting it from the row's state when none runs. */
  async syncNowOrStart(input: PollerStart): Promise<void> {
    const options: WorkflowSignalWithStartOptions<[SyncNowSignal?]> & WorkflowStartOptions<typeof connectionPollingWorkflow> = {
      ...this.startOptions(input), signal: syncNowSignal, signalArgs: [{ requestId: input.requestId }],
    };
    await this.withDeadline(() => this.client.workflow.signalWithStart(connectionPollingWorkflow, options));
  }

  /**
   * Resumes the poller, or starts one when there is none (it ended, or the connection never had one, like the
   * demo connections): either way the connection polls with its new key at once. One call, so a poller that a
   * repair pass starts in the failed state at the same moment is resumed too.
   */
  async resumeOrStart(input: PollerStart): Promise<void> {
    const options: WorkflowSignalWithStartOptions<[]> & WorkflowStartOptions<typeof connectionPollingWorkflow> = {
      ...this.startOptions(input), signal: resumeSignal, signalArgs: [],
    };
    await this.withDeadline(() => this.client.workflow.signalWithStart(connectionPollingWorkflow, options));
  }

  /** Stops the poller; already stopped is fine (delete is retried by clients). */
  async stop(connectionId: string): Promise<void> {
    try {
      await this.withDeadline(() => this.client.workflow.getHandle(connectionWorkflowId(connectionId)).terminate('connection deleted'));
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  /** The status of the poller's latest run (`RUNNING`, `TERMINATED`, …), or null when it never started. */
  async pollerStatus(connectionId: string): Promise<string | null> {
    try {
      const described = await this.withDeadline(() => this.client.workflow.getHandle(connectionWorkflowId(connectionId)).describe());
      return described.status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }
}

/** Temporal could not be asked (unreachable, overloaded, deadline passed): worth a 503 and a retry, not a 500. */
export const isTemporalUnavailable = (err: unknown): boolean => err instanceof ServiceError || isGrpcServiceError(err);
