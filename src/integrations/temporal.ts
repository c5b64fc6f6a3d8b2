import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';

export interface TemporalHandle {
  client: Client;
  connection: Connection;
  taskQueue: string;
  /** Resolves when the frontend answers; for /health. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One client per process, connected lazily so the API can start (and report itself degraded on /health)
 * while Temporal is still coming up.
 */
export function createTemporal(config: Config): TemporalHandle {
  const connection = Connection.lazy({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  // /health asks through its own connection without the SDK's retry interceptor: a probe must answer within its
  // deadline, and retries scheduled on timers would outlive a closed connection.
  const probe = Connection.lazy({ address: config.temporal.address, interceptors: [] });
  return {
    client,
    connection,
    taskQueue: config.temporal.taskQueue,
    check: async () => {
      await probe.withDeadline(Date.now() + 2000, () => probe.workflowService.getSystemInfo({}));
    },
    close: async () => {
      await Promise.all([connection.close(), probe.close()]);
    },
  };
}
