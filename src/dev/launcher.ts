// `npm start`: the whole stack on one machine. Starts embedded PostgreSQL and the Temporal dev server unless
// DATABASE_URL / TEMPORAL_ADDRESS point elsewhere, migrates, runs the worker and the API in this process,
// and on Ctrl-C stops everything it started, newest first.
import path from 'node:path';
import { ConfigError } from '../config';
import { loadDevConfig } from '../config/dev';
import { LauncherError, projectRoot } from './launcher-error';
import { ComponentStack, reapChildren, signalChildren, StopRequested } from './shutdown';
import { startStack, type RunningStack } from './start-stack';

// Under the 15 s we promise, leaving room for the process to exit.
const STOP_DEADLINE_MS = 13_000;

const log = (line: string) => console.log(`[launcher] ${line}`);

function banner(s: RunningStack): string {
  const temporal = s.temporal.isExternal ? `external Temporal at ${s.temporal.address}` : `${s.temporal.uiUrl}  (server ${s.temporal.address})`;
  const database = s.database.isExternal ? 'external (DATABASE_URL)' : `embedded, ${s.database.url}`;
  return [
    '',
    'CarbonPlan is running. Ctrl-C stops everything.',
    `  API          ${s.apiUrl}`,
    `  Docs         ${s.apiUrl}/docs`,
    `  OpenAPI      ${s.apiUrl}/openapi.json`,
    `  Temporal UI  ${temporal}`,
    `  PostgreSQL   ${database}`,
    `  Data         ${s.dataDir}`,
    `  API key      ${s.apiKey}  (organization "Local organization", kept in ${path.join(s.dataDir, 'launcher-api-key')})`,
    '',
    `  curl -H "Authorization: Bearer ${s.apiKey}" ${s.apiUrl}/api/v1/me`,
    '',
  ].join('\n');
}

function describe(err: unknown): string {
  // Expected failures carry a message written for the developer; anything else keeps its stack.
  if (err instanceof LauncherError || err instanceof ConfigError) return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

function main(): void {
  let stopping: Promise<never> | undefined;
  const stack = new ComponentStack((name, detail) => {
    log(`${name} stopped unexpectedly (${detail})`);
    void stop(1);
  });

  const startup = (async () => {
    const dev = loadDevConfig();
    const dataDir = path.resolve(projectRoot(), dev.dataDir);
    return startStack(dev, dataDir, stack, log);
  })();
  const stop = (exitCode: number): Promise<never> => (stopping ??= (async () => {
    // A stuck component must not keep the launcher (and its children) alive past the deadline.
    setTimeout(() => {
      log(`still stopping after ${STOP_DEADLINE_MS / 1000} s: killing what is left`);
      signalChildren('SIGKILL');
      process.exit(exitCode);
    }, STOP_DEADLINE_MS);
    await stack.stopAll(log);
    // A helper still starting is not registered yet: terminating it also makes the start-up fail fast.
    await reapChildren(3000);
    await startup.catch(() => undefined);
    await stack.stopAll(log); // whatever finished starting in the meantime
    await reapChildren(1000);
    log('stopped');
    process.exit(exitCode);
  })());

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log('second signal: forcing exit');
      signalChildren('SIGKILL');
      process.exit(1);
    }
    log(`${signal} received, stopping…`);
    void stop(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Helpers run in their own process groups, so a crash of the launcher itself (an uncaught error, a closed
  // stdout) would orphan them: ask whatever is left to stop. Normally nothing is left by now.
  process.on('exit', () => { signalChildren('SIGTERM'); });

  startup.then(
    (running) => { if (!stack.isStopping) console.log(banner(running)); },
    (err: unknown) => {
      if (err instanceof StopRequested || stack.isStopping) return;
      console.error(`[launcher] could not start: ${describe(err)}`);
      void stop(1);
    },
  );
}

main();
