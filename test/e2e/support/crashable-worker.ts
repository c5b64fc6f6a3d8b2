// A worker in its own process, so a test can SIGKILL it mid-activity. Configured entirely by environment.
import { loadConfig } from '../../../src/config';
import { createWorkerRuntime } from '../../../src/worker';

createWorkerRuntime(loadConfig(), { ensureSchedules: false })
  .then(async (runtime) => {
    process.stdout.write('worker ready\n');
    await runtime.run();
  })
  .catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
    process.exit(1);
  });
