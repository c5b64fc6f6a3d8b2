// bench/polling: one hourly poll cycle and one reconciliation pass over N connections, end to end on this machine.
// N connections of an organization mix (1-50 each, OpenAI/Anthropic/OpenRouter) against local provider fakes
// (bench/polling-fakes.ts, own process); the real worker (createWorkerRuntime, own process) on a Temporal dev
// server this bench starts; a scratch Postgres database; the real API for dashboard reads during the cycle.
//
// How a cycle is compressed: each poller polls once when started (the cursors are an hour old, so that first poll
// reads the usual re-poll window), then sleeps until its slot in the next hour (placed 50-59 minutes after the
// bench began, bench/polling-start.ts, so no hourly wake falls inside a measurement). The measured cycle wakes every
// poller at once with the `syncNow` signal the API's "sync now" sends: the same wake-up, poll, ingest and sleep
// as the hourly timer, all due in the same second, so the cycle takes as long as the machine needs and no less.
// That is a herd, the worst case (the spread offsets exist to avoid it); no setting or workflow code is changed.
// The bench's signal is one Temporal action per connection that the hourly timer does not cost: it is
// reported apart and left out of "actions per connection-hour".
//
// Usage: npm run bench:polling [-- --connections 1000 --max-per-org 50 --provider-latency-ms 0 --timeout-minutes 30
//        --no-reconcile --worker-logs]. Worker settings (PROVIDER_CONCURRENCY, DATABASE_POOL_SIZE, ...) pass through.
//        npm run bench:polling -- --replay: only the worker CPU to replay a poller's history of 1 hour to 2 weeks
//        (bench/polling-replay.ts: what every hourly wake costs a worker that does not hold the poller in its cache).
import { ConnectionWorkflows } from '../src/services/connections/connection-workflows';
import { loadConfig } from '../src/config';
import { createTemporal } from '../src/integrations/temporal';
import { AUDIT_PACKS_SCHEDULE_ID, CONNECTION_REPAIR_SCHEDULE_ID, RECONCILIATION_SCHEDULE_ID } from '../src/integrations/schedules';
import { createSecretStore, ProviderKeyStore } from '../src/integrations/secrets';
import { findFreePort } from '../src/dev/processes';
import { startBenchApi } from './bench-api';
import { fmt, withScratchDatabase } from './bench-db';
import { createFleet, withConcurrency } from './polling-fleet';
import { measurePhase, type PhaseProbe } from './polling-phase';
import { printPhase, printStorage, type PhaseFigures } from './polling-report';
import { benchSecretsDir, dropDatabase, forkReady, onInterrupt, startBenchTemporal, startFakesProcess } from './polling-stack';
import { measureReplayCost } from './polling-replay';
import { startPoller } from './polling-start';
import { loadAverage } from './proc-sampler';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const CONNECTIONS = arg('connections', 1_000);
const MAX_PER_ORG = arg('max-per-org', 50);
const LATENCY_MS = arg('provider-latency-ms', 0);
const TIMEOUT_MS = arg('timeout-minutes', 30) * 60_000;

async function main() {
  if (flag('replay')) return measureReplayCost([1, 24, 168, 336]);
  console.log(`bench/polling: ${fmt(CONNECTIONS)} connections, 1-${MAX_PER_ORG} per organization, provider latency ${LATENCY_MS} ms; load average ${loadAverage()}`);
  const secrets = benchSecretsDir();
  const temporalServer = await startBenchTemporal();
  const fakes = await startFakesProcess(LATENCY_MS);
  // Ctrl-C must not leave a Temporal server, a secrets folder or a scratch database behind.
  const cleanup = onInterrupt(async () => { await fakes.stop(); await temporalServer.stop(); secrets.remove(); });
  try {
    await withScratchDatabase('polling', async (ds, url) => {
      cleanup.add(() => dropDatabase(url));
      const env: NodeJS.ProcessEnv = {
        LOG_LEVEL: 'info', PROVIDER_TIMEOUT_MS: '60000',
        ...process.env,
        DATABASE_URL: url, TEMPORAL_ADDRESS: temporalServer.address, TEMPORAL_TASK_QUEUE: 'carbonplan-bench',
        OPENAI_BASE_URL: fakes.ready.urls.openai, ANTHROPIC_BASE_URL: fakes.ready.urls.anthropic, OPENROUTER_BASE_URL: fakes.ready.urls.openrouter,
        SECRETS_BACKEND: 'local', SECRETS_LOCAL_DIR: secrets.dir, SECRETS_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
        RECEIPT_STORAGE: 'local', METRICS_HOST: '127.0.0.1', WORKER_METRICS_PORT: String(await findFreePort()),
      };
      const config = loadConfig(env);
      const keys = new ProviderKeyStore(createSecretStore({ ...config.secrets, region: config.aws.region }), config.secrets.prefix);

      let started = Date.now();
      const fleet = await createFleet(ds, keys, CONNECTIONS, MAX_PER_ORG);
      const byProvider = fleet.connections.reduce<Record<string, number>>((m, c) => ({ ...m, [c.provider]: (m[c.provider] ?? 0) + 1 }), {});
      console.log(`fleet: ${fmt(fleet.organizations)} organizations (largest ${fleet.largestOrgSize} connections), ${Object.entries(byProvider).map(([p, n]) => `${p} ${fmt(n)}`).join(', ')}; `
        + `rows and secrets in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      started = Date.now();
      const worker = await forkReady<{ options: Record<string, number | undefined> }>('polling-worker.js', [], env, { silent: !flag('worker-logs') });
      console.log(`worker ready in ${((Date.now() - started) / 1000).toFixed(1)} s (bundling included): ${JSON.stringify(worker.ready.options)}, `
        + `PROVIDER_CONCURRENCY ${config.polling.providerConcurrency}, DATABASE_POOL_SIZE ${config.database.poolSize}, POLL_SPREAD_MINUTES ${config.polling.spreadMinutes}`);
      const temporal = createTemporal(config);
      const api = await startBenchApi(ds, url, fleet.largestOrgId);
      try {
        // The worker made its schedules; none may fire in the middle of a measurement (the pass is started below).
        for (const id of [RECONCILIATION_SCHEDULE_ID, CONNECTION_REPAIR_SCHEDULE_ID, AUDIT_PACKS_SCHEDULE_ID]) await temporal.client.schedule.getHandle(id).pause('bench:polling');
        const probe: PhaseProbe = {
          ds, temporalMetricsUrl: temporalServer.metricsUrl, workerMetricsUrl: `http://127.0.0.1:${env.WORKER_METRICS_PORT}/metrics`, fakes,
          pids: { worker: worker.child.pid!, temporal: temporalServer.child.pid!, fakes: fakes.child.pid!, 'bench + API': process.pid },
          api: { base: api.base, key: api.key }, total: CONNECTIONS, timeoutMs: TIMEOUT_MS,
        };
        const workflows = new ConnectionWorkflows(temporal, { pollSpreadMinutes: config.polling.spreadMinutes });

        // The first poll sees usage as it stood an hour ago; the cycle then finds a new hour (rows inserted) and the
        // previous one completed (rows revised), as an hourly poll does.
        await fakes.setDataLag(3_600_000);
        const benchStart = new Date();
        const first: PhaseFigures = await measurePhase(probe, 'start + first poll', { waitForPolls: true }, () =>
          withConcurrency(fleet.connections, 32, (c) => startPoller(temporal.client, config.temporal.taskQueue, c, benchStart)));
        printPhase(first, CONNECTIONS);

        await fakes.setDataLag(0);
        const cycle = await measurePhase(probe, 'hourly cycle (every poller woken at once)', { waitForPolls: true, probeApi: true }, () =>
          withConcurrency(fleet.connections, 64, (c) => workflows.syncNow(c.id)));
        printPhase(cycle, CONNECTIONS, { signalsAreBench: true });
        if (Date.now() - benchStart.getTime() > 50 * 60_000) console.log('  (note: past 50 minutes, the pollers\' first hourly timers may have fired during the measurement)');

        if (!flag('no-reconcile')) {
          const schedule = await temporal.client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).describe();
          const action = schedule.action;
          const pass = await measurePhase(probe, 'reconciliation pass (the schedule\'s workflow and input)', { waitForPolls: false }, async () => {
            const handle = await temporal.client.workflow.start(action.workflowType, { taskQueue: action.taskQueue, workflowId: `reconciliation-bench-${Date.now()}`, args: action.args });
            const totals = await handle.result();
            console.log(`\n  reconciliation totals: ${JSON.stringify(totals)} (input ${JSON.stringify(action.args)})`);
          });
          printPhase(pass, CONNECTIONS);
        }
        await printStorage(ds, temporal.client, fleet.connections.slice(0, 20).map((c) => `connection:${c.id}`));
      } finally {
        await api.close();
        await temporal.close();
        await worker.stop();
      }

    });
  } finally {
    cleanup.dispose();
    await fakes.stop();
    await temporalServer.stop();
    secrets.remove();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
