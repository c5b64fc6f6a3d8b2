// `npm start`: the whole stack on one machine. Starts embedded PostgreSQL and the Temporal dev server unless
// DATABASE_URL / TEMPORAL_ADDRESS point elsewhere, migrates, runs the worker and the API in this process,
// and on Ctrl-C stops everything it started, newest first. `--demo` (`npm run demo`) then fills the local
// organization with a year of demo usage, puts it on `pro` and issues the receipts of its past months.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config';
import { loadDevConfig, type DevConfig } from '../config/dev';
import { createDataSource } from '../db/data-source';
import { createSecretStore } from '../integrations/secrets';
import { OrganizationService } from '../services/organization.service';
import { verifyCodeFor } from '../services/receipts/verify-code';
import { SigningKeyService } from '../services/signing-keys/signing-key.service';
import { seedDemoData, type DemoDataResult } from './demo-data';
import { issueDemoReceipts, type DemoReceiptsResult } from './demo-receipts';
import { LOCAL_ORGANIZATION } from './launcher-api-key';
import { LauncherError, projectRoot } from './launcher-error';
import { ComponentStack, reapChildren, signalChildren, StopRequested } from './shutdown';
import { startStack, type RunningStack } from './start-stack';

// Under the 15 s we promise, leaving room for the process to exit.
const STOP_DEADLINE_MS = 13_000;

const log = (line: string) => console.log(`[launcher] ${line}`);

type DemoOutcome = { loaded: DemoDataResult; receipts: DemoReceiptsResult; seconds: number } | { failed: string };

function receiptLines(s: RunningStack, { credits, receipts }: DemoReceiptsResult): string[] {
  if (!receipts.length) return [];
  const last = receipts[receipts.length - 1];
  return [
    `  Receipts     ${receipts.length} signed receipts (${receipts[0].period} to ${last.period}), plan pro, credits from the SAMPLE inventory deploy/sample-credits.csv (${credits}; fictitious, not real retirements)`,
    `  Verify       ${last.verifyUrl}  (${last.period}; open in a browser)`,
    `  PDF          curl -o ${last.serial}.pdf -H "Authorization: Bearer ${s.apiKey}" ${s.apiUrl}/api/v1/receipts/${last.receiptId}/pdf  (${last.pdf})`,
    `  All          curl -H "Authorization: Bearer ${s.apiKey}" ${s.apiUrl}/api/v1/receipts  (each one's verifyUrl: /api/v1/receipts/{id})`,
    '',
  ];
}

function demoLines(s: RunningStack, demo: DemoOutcome | undefined): string[] {
  if (!demo) return [];
  if ('failed' in demo) return [`  Demo data    could not be loaded: ${demo.failed}`, ''];
  const { loaded, receipts, seconds } = demo;
  return [
    `  Demo data    a year of usage since ${loaded.fromDay}: ${loaded.events.toLocaleString('en-US')} events, ${loaded.connections.length} paused demo connections in ${loaded.projects.length} projects (${seconds.toFixed(1)} s)`,
    `  curl -H "Authorization: Bearer ${s.apiKey}" "${s.apiUrl}/api/v1/telemetry/summary?from=${loaded.fromDay}"`,
    '',
    ...receiptLines(s, receipts),
  ];
}

/** The one-time sign-in link, minted as the banner is printed so its 10 minutes start now. */
function dashboardLine(s: RunningStack): string {
  const link = s.signInLink();
  if (!link) return `${s.apiUrl}/  (no sign-in link: API_HOST ${s.config.apiHost} is not loopback; sign in with Clerk)`;
  return `${link}  (one-time sign-in link: valid 10 minutes, signs in once; a restart prints a new one)`;
}

function banner(s: RunningStack, demo?: DemoOutcome): string {
  const temporal = s.temporal.isExternal ? `external Temporal at ${s.temporal.address}` : `${s.temporal.uiUrl}  (server ${s.temporal.address})`;
  const database = s.database.isExternal ? 'external (DATABASE_URL)' : `embedded, ${s.database.url}`;
  return [
    '',
    'CarbonPlan is running. Ctrl-C stops everything.',
    `  API          ${s.apiUrl}`,
    `  Docs         ${s.apiUrl}/docs`,
    `  OpenAPI      ${s.apiUrl}/openapi.json`,
    `  Temporal UI  ${temporal}`,
    `  Metrics      ${s.metricsUrls.api} (API), ${s.metricsUrls.worker} (worker)`,
    `  PostgreSQL   ${database}`,
    `  Data         ${s.dataDir}`,
    `  API key      ${s.apiKey}  (organization "Local organization", kept in ${path.join(s.dataDir, 'launcher-api-key')})`,
    '',
    `  curl -H "Authorization: Bearer ${s.apiKey}" ${s.apiUrl}/api/v1/me`,
    '',
    ...demoLines(s, demo),
    // Last, where the eye lands: the way into the dashboard.
    `  Dashboard    ${dashboardLine(s)}`,
    '',
  ].join('\n');
}

/**
 * Seeds the demo data through its own small pool. Registered on the stack so that a Ctrl-C during seeding stops
 * it after the page in flight (one transaction), before the API and the database go away. A failure is reported
 * in the banner; the stack keeps running.
 */
async function loadDemoData(dev: DevConfig, running: RunningStack, stack: ComponentStack): Promise<DemoOutcome> {
  const started = Date.now();
  const url = running.database.url ?? dev.external.databaseUrl!;
  const abort = new AbortController();
  log('loading demo data…');
  const seeding = (async () => {
    const ds = await createDataSource({ url, poolSize: 2, applicationName: 'carbonplan-demo-data', statementTimeoutMs: 0 }).initialize();
    try {
      const org = await new OrganizationService(ds).resolve(LOCAL_ORGANIZATION);
      const now = new Date();
      const loaded = await seedDemoData({ dataSource: ds, orgId: org.id, now, log, signal: abort.signal });
      if (abort.signal.aborted) throw new StopRequested();
      const { config, workerDeps } = running;
      const secrets = createSecretStore({ ...config.secrets, region: config.aws.region, endpoint: config.aws.endpoint });
      const signingKeys = new SigningKeyService({ dataSource: ds, secrets, prefix: config.secrets.prefix, logKeyName: config.transparencyLog.origin });
      const creditsFile = path.join(projectRoot(), 'deploy', 'sample-credits.csv');
      log('issuing the demo receipts…');
      const receipts = await issueDemoReceipts({
        dataSource: ds, orgId: org.id, now, fromDay: loaded.fromDay, log,
        credits: { fileName: 'deploy/sample-credits.csv', bytes: fs.readFileSync(creditsFile) },
        issuePeriodReceipt: (id) => workerDeps.receiptIssuer.issuePeriodReceipt(id),
        renderPdf: (id) => workerDeps.receiptPdfs.render(id),
        verifyUrl: async (keyId, serial) => `${running.apiUrl}/public/receipts/verify/${serial}?code=${await verifyCodeFor(signingKeys, keyId, serial)}`,
      });
      return { loaded, receipts };
    } finally {
      await ds.destroy();
    }
  })();
  stack.add({ name: 'demo data loader', stop: async () => { abort.abort(); await seeding.catch(() => undefined); } });
  try {
    return { ...(await seeding), seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    if (stack.isStopping) throw new StopRequested();
    log(`demo data could not be loaded: ${describe(err)}`);
    return { failed: err instanceof Error ? err.message : String(err) };
  }
}

function describe(err: unknown): string {
  // Expected failures carry a message written for the developer; anything else keeps its stack.
  if (err instanceof LauncherError || err instanceof ConfigError) return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

function main(): void {
  // Flags come after `npm start --`; settings stay in the environment (src/config).
  const withDemo = process.argv.slice(2).includes('--demo');
  let stopping: Promise<never> | undefined;
  const stack = new ComponentStack((name, detail) => {
    log(`${name} stopped unexpectedly (${detail})`);
    void stop(1);
  });

  const startup = (async () => {
    const dev = loadDevConfig();
    const dataDir = path.resolve(projectRoot(), dev.dataDir);
    const running = await startStack(dev, dataDir, stack, log);
    const demo = withDemo ? await loadDemoData(dev, running, stack) : undefined;
    return { running, demo };
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
    ({ running, demo }) => { if (!stack.isStopping) console.log(banner(running, demo)); },
    (err: unknown) => {
      if (err instanceof StopRequested || stack.isStopping) return;
      console.error(`[launcher] could not start: ${describe(err)}`);
      void stop(1);
    },
  );
}

main();
