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
  return {
    client,
    connection,
    taskQueue: config.temporal.taskQueue,
    check: async () => {
      await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
    },
    close: () => connection.close(),
  };
}
