// billingPeriodWorkflow's issuing step when the worker dies mid-issue: worker A (in this process) commits the
// receipt, its credit allocation and retirements, then hangs before the public log append and is shut down with
// 100 ms of grace, abandoning the attempt; worker B retries it, and A's stale issuing, still running, finishes
// late. On a scratch database (the credit inventory and the public log are global) and the time-skipping server
// (the retry back-off is skipped).
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { createBillingActivities } from '../../activities/billing.activities';
import { createReceiptActivities } from '../../activities/receipt.activities';
import { LocalSecretStore } from '../../src/integrations/secrets/local-secret-store';
import { billingPeriodWorkflowId } from '../../src/services/billing/billing-periods';
import { loadCreditInventory } from '../../src/services/credits/credit-inventory.service';
import { ReceiptIssuer } from '../../src/services/receipts/receipt-issuer';
import { SigningKeyService } from '../../src/services/signing-keys/signing-key.service';
import { FactorSetRepository } from '../../src/services/telemetry/factor-sets';
import { IngestService } from '../../src/services/telemetry/ingest.service';
import { LogService } from '../../src/services/transparency-log/log.service';
import { billingPeriodWorkflow, invoicePaidSignal } from '../../workflows';
import { createConnectionRow, createTenant } from '../factories/tenants';
import { bucket } from '../factories/usage';
import { createScratchDatabase } from '../helpers/scratch-database';
import { installQuietRuntime, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';
import { createClockedTimeSkippingEnv, skipUntil, type ServerClock } from '../helpers/time-skipping';

const DAY = 86_400_000;
const HEADER = 'registry,project,vintage,serial_start,serial_end,tonnes,retired_on,retirement_reference';
const silent = pino({ level: 'silent' });
let env: TestWorkflowEnvironment;
let clock: ServerClock;
let bundle: WorkflowBundleWithSourceMap;
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let ds: DataSource;
let keys: SigningKeyService;
let log: LogService;

beforeAll(async () => {
  installQuietRuntime();
  ({ env, clock } = await createClockedTimeSkippingEnv());
  bundle = await workflowBundle();
  scratch = await createScratchDatabase('carbonplan_issuing_crash', 6);
  ds = scratch.dataSource;
  const secrets = new LocalSecretStore({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-issuing-crash-')), masterKey: randomBytes(32) });
  keys = new SigningKeyService({ dataSource: ds, secrets, prefix: 'test/crash', logKeyName: 'crash.test/receipts' });
  log = new LogService({ dataSource: ds, origin: 'crash.test/receipts', signer: () => keys.logSigner() });
  const loaded = await loadCreditInventory(ds, {
    fileName: 'test.csv',
    bytes: Buffer.from([HEADER, 'gold-standard,GS99903 Crash Test,2021,GS1-1-XX-GS99903-12-2021-1-1-1,GS1-1-XX-GS99903-12-2021-1-50-50,50,2025-01-01,R-CRASH'].join('\n')),
  });
  expect(loaded.outcome).toBe('loaded');
}, 120_000);

afterAll(async () => {
  await env?.teardown();
  await scratch?.drop();
});

const issuerWith = (receiptLog: LogService) => new ReceiptIssuer({ dataSource: ds, signingKeys: keys, log: receiptLog, adjustmentThresholdKg: '0.001', now: () => clock.now() });

/**
 * The worker's attempt ends when the worker shuts down (its cancellation), while the issuing it started runs on in
 * the background like a process that has not died yet: the server learns of the abandoned attempt at once instead of
 * after the 2-minute attempt timeout a SIGKILL costs (the test server does not skip time while an attempt is open).
 */
function abandonedOnShutdown(issuer: ReceiptIssuer) {
  const receipts = createReceiptActivities({ receiptIssuer: issuer, logger: silent });
  return {
    ...receipts,
    issuePeriodReceipt: (input: { billingPeriodId: string }) => Promise.race([receipts.issuePeriodReceipt(input), Context.current().cancelled]),
  };
}

function workerOn(connection: NativeConnection, taskQueue: string, receipts: ReturnType<typeof createReceiptActivities>, rendered: string[]) {
  return Worker.create({
    connection, taskQueue, workflowBundle: bundle,
    shutdownGraceTime: '100ms', shutdownForceTime: '5s',
    // No sticky queue: the workflow's next task must reach whichever worker is alive (the test server would
    // otherwise hold it for the dead worker's sticky queue).
    maxCachedWorkflows: 0,
    activities: {
      ...createBillingActivities({ dataSource: ds, logger: silent, now: clock.now }),
      ...receipts,
      renderReceiptPdf: async ({ receiptId }: { receiptId: string }) => { rendered.push(receiptId); return { skipped: 'no browser in this test' }; },
    },
  });
}

describe('issuing with a worker killed mid-issue and a second worker', () => {
  it('makes exactly one receipt, one serial, one allocation and one log entry', async () => {
    await clock.sync();
    const tenant = await createTenant(ds, 'Crash Org');
    const connection = await createConnectionRow(ds, tenant);
    const startMs = Math.floor(clock.now().getTime() / DAY) * DAY - 40 * DAY;
    const endMs = startMs + 30 * DAY;
    await new IngestService(ds, new FactorSetRepository(ds)).ingest(connection, [
      bucket({ hour: new Date(startMs + 3 * DAY).toISOString(), inputUncached: 30_000_000, outputTokens: 8_000_000 }),
    ]);

    // Worker A: the receipt is signed, stored and its credits allocated (committed), then the log append hangs.
    let atLog!: (serial: string) => void;
    const reachedLog = new Promise<string>((resolve) => { atLog = resolve; });
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let staleAppend: Promise<unknown> | undefined;
    const hangingLog = Object.create(log) as LogService;
    hangingLog.append = (serial, sha) => {
      atLog(serial);
      staleAppend = released.then(() => log.append(serial, sha));
      return staleAppend as ReturnType<LogService['append']>;
    };
    const taskQueue = uniqueTaskQueue('issuing-crash');
    const renderedByA: string[] = [];
    // A connection of its own: a worker that gave up on shutdown keeps holding its connection.
    const connectionA = await NativeConnection.connect({ address: env.address });
    const workerA = await workerOn(connectionA, taskQueue, abandonedOnShutdown(issuerWith(hangingLog)), renderedByA);
    const runningA = workerA.run();
    const handle = await env.client.workflow.start(billingPeriodWorkflow, {
      taskQueue, workflowId: billingPeriodWorkflowId(tenant.orgId, new Date(startMs)), workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ orgId: tenant.orgId, periodStart: new Date(startMs).toISOString(), periodEnd: new Date(endMs).toISOString(), graceSeconds: 0 }],
    });
    try {
      await handle.signal(invoicePaidSignal, { invoiceId: 'in_crash', eventId: `evt_${randomUUID()}`, paidAt: null });
      const serialA = await reachedLog;
      expect(await ds.query(`SELECT count(*)::int AS n FROM log_entries`)).toEqual([{ n: 0 }]);

      workerA.shutdown();
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([runningA.then(() => 'stopped'), new Promise((r) => { timer = setTimeout(() => r('still running'), 15_000); })]);
      clearTimeout(timer);
      expect(stopped).toBe('stopped');

      // Worker B gets the retry of A's abandoned attempt while A's issuing is still stuck before the log.
      const renderedByB: string[] = [];
      const workerB = await workerOn(env.nativeConnection, taskQueue, createReceiptActivities({ receiptIssuer: issuerWith(log), logger: silent }), renderedByB);
      const result = await workerB.runUntil(async () => {
        // Past the 5 s retry back-off of the abandoned attempt.
        await skipUntil(env, '10 seconds', async () => expect((await handle.describe()).status.name).toBe('COMPLETED'), 30);
        return handle.result();
      });
      expect(result).toMatchObject({ status: 'closed', invoiceId: 'in_crash' });

      // A's stale attempt finishes late, after B: it finds the entry B appended.
      release();
      await staleAppend;

      const receipts = await ds.query(`SELECT id, serial, kind FROM carbon_receipts WHERE org_id = $1`, [tenant.orgId]);
      expect(receipts).toEqual([{ id: expect.any(String), serial: serialA, kind: 'period' }]);
      expect(renderedByA).toEqual([]);
      expect(renderedByB).toEqual([receipts[0].id]);
      const [counts] = await ds.query(
        `SELECT (SELECT count(*)::int FROM carbon_receipts) AS receipts,
                (SELECT count(*)::int FROM credit_allocation_requests) AS requests,
                (SELECT count(*)::int FROM credit_allocations) AS allocations,
                (SELECT count(*)::int FROM credit_retirements) AS retirements,
                (SELECT count(*)::int FROM log_entries) AS logged,
                (SELECT count(*)::int FROM log_entries WHERE serial = $1) AS logged_serial`, [serialA]);
      expect(counts).toEqual({ receipts: 1, requests: 1, allocations: 1, retirements: 1, logged: 1, logged_serial: 1 });
      // The activity really ran twice: the history shows the retried attempt that completed.
      const history = await handle.fetchHistory();
      const issued = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'issuePeriodReceipt')!;
      const started = history.events!.find((e) => e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === issued.eventId!.toString())!;
      expect(started.activityTaskStartedEventAttributes!.attempt).toBeGreaterThanOrEqual(2);
    } finally {
      release();
      await handle.terminate('test done').catch(() => undefined);
      await connectionA.close().catch(() => undefined);
    }
  }, 120_000);
});
