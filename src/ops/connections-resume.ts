// `npm run connections:resume -- [--org ID] [--failed-since ISO]`: resumes failed connections in bulk. Run it with
// the worker's settings: a connection whose poller is gone gets a new one on TEMPORAL_TASK_QUEUE.
import { loadConfig } from '../config';
import { createDataSource } from '../db/data-source';
import { createTemporal } from '../integrations/temporal';
import { runMain } from '../run-main';
import { ConnectionWorkflows } from '../services/connections/connection-workflows';
import { parseResumeArgs, RESUME_HELP, RESUME_USAGE, resumeFailedConnections, UsageError, type ResumeArgs } from './resume-connections';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

function usageFailure(err: unknown, io: CliIo): number {
  if (!(err instanceof UsageError)) throw err;
  io.err(`error: ${err.message}`);
  io.err(RESUME_USAGE);
  return 2;
}

/** The whole command; resolves to its exit status. `env` is the process environment unless a test passes its own. */
export async function runConnectionsResume(argv: string[], io: CliIo, env?: NodeJS.ProcessEnv): Promise<number> {
  let args: ResumeArgs;
  try {
    args = parseResumeArgs(argv);
  } catch (err) {
    return usageFailure(err, io);
  }
  if (args.help) {
    io.out(RESUME_HELP);
    return 0;
  }
  const config = loadConfig(env);
  const dataSource = await createDataSource({ url: config.database.url, poolSize: 2, applicationName: 'carbonplan-ops' }).initialize();
  const temporal = createTemporal(config);
  try {
    try {
      await temporal.check();
    } catch (err) {
      io.err(`error: cannot reach Temporal at ${config.temporal.address} (${err instanceof Error ? err.message : String(err)}); nothing was resumed`);
      return 1;
    }
    const summary = await resumeFailedConnections({ dataSource, workflows: new ConnectionWorkflows(temporal, { pollSpreadMinutes: config.polling.spreadMinutes }), print: (line) => io.out(line) }, args);
    return summary.errors > 0 ? 1 : 0;
  } catch (err) {
    return usageFailure(err, io);
  } finally {
    await temporal.close();
    await dataSource.destroy();
  }
}

if (require.main === module) {
  runMain(async () => {
    process.exitCode = await runConnectionsResume(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) });
  });
}
