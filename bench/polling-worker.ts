// The polling benchmark's worker: the real createWorkerRuntime in a process of its own, so its CPU and RSS are
// measured alone. Configured entirely by the environment bench/polling.ts passes; stops when the parent
// disconnects (or on SIGTERM, through the SDK's own handler).
import { loadConfig } from '../src/config';
import { createWorkerRuntime } from '../src/worker';

async function main() {
  const runtime = await createWorkerRuntime(loadConfig());
  process.on('disconnect', () => { void runtime.shutdown(); });
  const running = runtime.run();
  const o = runtime.worker.options;
  process.send?.({
    type: 'ready',
    options: { maxCachedWorkflows: o.maxCachedWorkflows, maxConcurrentActivityTaskExecutions: o.maxConcurrentActivityTaskExecutions, maxConcurrentWorkflowTaskExecutions: o.maxConcurrentWorkflowTaskExecutions },
  });
  await running;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
