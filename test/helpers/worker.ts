import pino from 'pino';
import type { ActivityDeps } from '../../activities';
import type { Config } from '../../src/config';
import { createWorkerRuntime, type WorkerRuntime } from '../../src/worker';
import { workflowBundle } from './temporal';

export interface TestWorker {
  runtime: WorkerRuntime;
  /** Shuts the worker down and waits until it has stopped. */
  stop(): Promise<void>;
}

/** The real worker (workflows and activities) in this process, quiet, without schedules, on `config`'s task queue. */
export async function startTestWorker(config: Config, overrides?: Partial<ActivityDeps>): Promise<TestWorker> {
  const runtime = await createWorkerRuntime(config, { workflowBundle: await workflowBundle(), ensureSchedules: false, logger: pino({ level: 'silent' }), overrides });
  const running = runtime.run();
  return {
    runtime,
    stop: async () => {
      await runtime.shutdown();
      await running;
    },
  };
}
