// billingPeriodWorkflow on the time-skipping test server with the real billing activities against the run's
// Postgres: the 48 h grace sleep, payment failure then recovery, cancellation, and REJECT_DUPLICATE after close.
// Periods are placed relative to the server's (virtual) clock; each test has its own organization.
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { createBillingActivities } from '../../activities/billing.activities';
import { createReceiptActivities } from '../../activities/receipt.activities';
import { createSecretStore } from '../../src/integrations/secrets';
import { testConfig } from '../helpers/env';
import { ReceiptIssuer } from '../../src/services/receipts/receipt-issuer';
import { SigningKeyService } from '../../src/services/signing-keys/signing-key.service';
import { LogService } from '../../src/services/transparency-log/log.service';
import type { BillingPeriodSnapshot } from '../../contracts/workflows';
import { createDataSource } from '../../src/db/data-source';
import type { TemporalHandle } from '../../src/integrations/temporal';
import { BillingPeriodWorkflows, type StripePeriod } from '../../src/services/billing/billing-period-workflows';
import { billingPeriodWorkflowId } from '../../src/services/billing/billing-periods';
import { FactorSetRepository } from '../../src/services/telemetry/factor-sets';
import { IngestService } from '../../src/services/telemetry/ingest.service';
import { billingPeriodWorkflow, billingStatusQuery, subscriptionEndedSignal } from '../../workflows';
import { BillingStatusKey, OrgIdKey } from '../../workflows/search-attributes';
import { createConnectionRow, createTenant, type TestConnection } from '../factories/tenants';
import { bucket } from '../factories/usage';
import { eventually, installQuietRuntime, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';
import { createClockedTimeSkippingEnv, type ServerClock } from '../helpers/time-skipping';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GRACE_SECONDS = 172_800;

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let ds: DataSource;
let clock: ServerClock;
let ingest: IngestService;
let issuer: ReceiptIssuer;

beforeAll(async () => {
  installQuietRuntime();
  ({ env, clock } = await createClockedTimeSkippingEnv());
  bundle = await workflowBundle();
  ds = await createDataSource({ url: process.env.DATABASE_URL!, poolSize: 2 }).initialize();
  ingest = new IngestService(ds, new FactorSetRepository(ds));
  // The run's shared secret store and keys (the ones the real worker in other files uses), so no key is rotated here.
  const config = testConfig();
  const secrets = createSecretStore({ ...config.secrets, region: config.aws.region, endpoint: config.aws.endpoint });
  const signingKeys = new SigningKeyService({ dataSource: ds, secrets, prefix: config.secrets.prefix });
  issuer = new ReceiptIssuer({
    dataSource: ds, signingKeys, adjustmentThresholdKg: '0.001', now: () => clock.now(),
    log: new LogService({ dataSource: ds, origin: config.transparencyLog.origin, signer: () => signingKeys.logSigner() }),
  });
}, 120_000);

afterAll(async () => {
  await env?.teardown();
  await ds?.destroy();
});

interface Period { orgId: string; connection: TestConnection; period: StripePeriod; handle: WorkflowHandle<typeof billingPeriodWorkflow>; workflows: BillingPeriodWorkflows }

/** A period of 30 days that started 20 days ago (server time), on UTC midnights, for a new organization. */
async function withPeriod(body: (p: Period) => Promise<void>): Promise<void> {
  await clock.sync();
  const startMs = Math.floor(clock.now().getTime() / DAY) * DAY - 20 * DAY;
  const period = { start: startMs / 1000, end: (startMs + 30 * DAY) / 1000 };
  const tenant = await createTenant(ds);
  const connection = await createConnectionRow(ds, tenant);
  const taskQueue = uniqueTaskQueue('billing-ts');
  const worker = await Worker.create({
    connection: env.nativeConnection, taskQueue, workflowBundle: bundle,
    activities: {
      ...createBillingActivities({ dataSource: ds, logger: pino({ level: 'silent' }), now: clock.now }),
      ...createReceiptActivities({ receiptIssuer: issuer, logger: pino({ level: 'silent' }) }),
      // The PDF step is another activity's; here it always fails, which must never hold the receipt back.
      renderReceiptPdf: async () => { throw new Error('no browser in this test'); },
    },
  });
  const workflows = new BillingPeriodWorkflows({ client: env.client, taskQueue } as TemporalHandle, GRACE_SECONDS);
  const handle = env.client.workflow.getHandle<typeof billingPeriodWorkflow>(billingPeriodWorkflowId(tenant.orgId, new Date(startMs)));
  await worker.runUntil(async () => {
    try {
      await body({ orgId: tenant.orgId, connection, period, handle, workflows });
    } finally {
      await handle.terminate('test done').catch(() => undefined);
    }
  });
}

async function row(orgId: string) {
  const [r] = await ds.query(`SELECT id, status, stripe_invoice_id, workflow_id, receipt_due_at, snapshot, finalized_at FROM billing_periods WHERE org_id = $1`, [orgId]);
  return r;
}

/** Independent of the rollups finalize reads: sums of the raw events of the organization in [from, to). */
async function eventSums(orgId: string, from: Date, to: Date) {
  const [r] = await ds.query(
    `SELECT count(*)::text AS events, sum(output_tokens)::text AS output, sum(input_uncached)::text AS input_uncached,
            sum(co2e_g_central)::text AS co2e_central, sum(co2e_g_high)::text AS co2e_high, sum(energy_wh_low)::text AS energy_low
       FROM usage_events WHERE org_id = $1 AND bucket_start >= $2 AND bucket_start < $3`,
    [orgId, from, to],
  );
  return r;
}

const trim = (s: string) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
const paid = (invoiceId: string, eventId: string) => ({ invoiceId, eventId, paidAt: null });

describe('billingPeriodWorkflow (time-skipping)', () => {
  test('invoicePaid → closing; sleeps until period end + 48 h (late usage lands), finalize stores exact totals → closed; never a second run', async () => {
    await withPeriod(async ({ orgId, connection, period, handle, workflows }) => {
      const startMs = period.start * 1000;
      const endMs = period.end * 1000;
      // Inside the period, the day before it and the first day after it (the last two must not count).
      await ingest.ingest(connection, [
        bucket({ hour: new Date(startMs + 2 * HOUR).toISOString(), outputTokens: 1234, inputUncached: 4321 }),
        bucket({ hour: new Date(startMs + 10 * DAY + 5 * HOUR).toISOString(), model: 'claude-sonnet-4-5', provider: 'anthropic', outputTokens: 777 }),
        bucket({ hour: new Date(startMs - 1 * HOUR).toISOString(), outputTokens: 99_999 }),
        bucket({ hour: new Date(endMs + 1 * HOUR).toISOString(), outputTokens: 88_888 }),
      ]);

      expect(await workflows.invoicePaid(orgId, period, paid('in_1', 'evt_paid'))).toBe('signalled');
      await eventually(async () => expect(await handle.query(billingStatusQuery)).toMatchObject({ status: 'closing', invoiceId: 'in_1' }));
      const closesAt = new Date(endMs + GRACE_SECONDS * 1000).toISOString();
      await eventually(async () => expect(await row(orgId)).toMatchObject({ status: 'closing', stripe_invoice_id: 'in_1', snapshot: null }));
      expect((await row(orgId)).receipt_due_at.toISOString()).toBe(closesAt);
      const described = await handle.describe();
      expect(described.typedSearchAttributes.get(BillingStatusKey)).toBe('closing');
      expect(described.typedSearchAttributes.get(OrgIdKey)).toBe(orgId);

      // The same payment again (a redelivery, then invoice.payment_succeeded's own event) changes nothing.
      expect(await workflows.invoicePaid(orgId, period, paid('in_1', 'evt_paid'))).toBe('signalled');
      expect(await workflows.invoicePaid(orgId, period, paid('in_1', 'evt_succeeded'))).toBe('signalled');
      await eventually(async () => expect(await handle.query(billingStatusQuery)).toMatchObject({ status: 'closing', ignoredSignals: 1 }));

      // One hour before the grace ends the period is still open to late usage: a late bucket of the period lands.
      await clock.sleepUntil(endMs + GRACE_SECONDS * 1000 - HOUR);
      expect(await handle.query(billingStatusQuery)).toMatchObject({ status: 'closing' });
      expect((await row(orgId)).snapshot).toBeNull();
      await ingest.ingest(connection, [bucket({ hour: new Date(endMs - HOUR).toISOString(), outputTokens: 500, inputUncached: 1 })]);

      expect(await handle.result()).toMatchObject({ status: 'closed', invoiceId: 'in_1' });
      await clock.sync();
      const closed = await row(orgId);
      expect(closed.status).toBe('closed');
      expect(closed.finalized_at).not.toBeNull();
      // Issued after finalize, once, in the public log, though the PDF step failed every attempt.
      const receipts = await ds.query(`SELECT r.kind, r.serial, (SELECT count(*)::int FROM log_entries l WHERE l.serial = r.serial) AS logged
        FROM carbon_receipts r WHERE r.billing_period_id = $1`, [closed.id]);
      expect(receipts).toEqual([{ kind: 'period', serial: expect.stringMatching(/^CL-\d{6}-/), logged: 1 }]);
      // The totals were taken by the timer, not earlier: finalize was scheduled at period end + 48 h exactly (server time).
      const history = await handle.fetchHistory();
      const finalize = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'finalizeBillingPeriod')!;
      const timer = history.events!.find((e) => e.timerStartedEventAttributes)!;
      expect(Number(timer.timerStartedEventAttributes!.startToFireTimeout!.seconds)).toBeGreaterThan(GRACE_SECONDS);
      expect(Number(finalize.eventTime!.seconds) * 1000).toBeGreaterThanOrEqual(endMs + GRACE_SECONDS * 1000);
      const snapshot = closed.snapshot as BillingPeriodSnapshot;
      const expected = await eventSums(orgId, new Date(startMs), new Date(endMs));
      expect(snapshot).toMatchObject({
        range: { from: new Date(startMs).toISOString().slice(0, 10), to: new Date(endMs).toISOString().slice(0, 10) },
        factorVersions: ['1.0'],
        totals: {
          events: '3',
          tokens: { output: expected.output, inputUncached: expected.input_uncached },
          co2eG: { central: trim(expected.co2e_central), high: trim(expected.co2e_high) },
          energyWh: { low: trim(expected.energy_low) },
        },
      });
      expect(snapshot.totals.tokens.output).toBe(String(1234 + 777 + 500));
      expect((await handle.describe()).typedSearchAttributes.get(BillingStatusKey)).toBe('closed');

      // A late or duplicated payment of the closed period is refused by REJECT_DUPLICATE: no second run.
      const runId = (await handle.describe()).runId;
      expect(await workflows.invoicePaid(orgId, period, paid('in_1', 'evt_late'))).toBe('period-closed');
      expect((await handle.describe()).runId).toBe(runId);
      expect((await row(orgId)).snapshot).toEqual(snapshot);
    });
  });

  test('invoicePaymentFailed → failed (no receipt, nothing finalized) until a later invoicePaid; then closes normally', async () => {
    await withPeriod(async ({ orgId, period, handle, workflows }) => {
      expect(await workflows.invoicePaymentFailed(orgId, period, { invoiceId: 'in_r', eventId: 'evt_f1', attemptCount: 1 })).toBe('signalled');
      await eventually(async () => expect(await row(orgId)).toMatchObject({ status: 'failed', stripe_invoice_id: 'in_r' }));
      expect((await handle.describe()).typedSearchAttributes.get(BillingStatusKey)).toBe('failed');
      await workflows.invoicePaymentFailed(orgId, period, { invoiceId: 'in_r', eventId: 'evt_f2', attemptCount: 2 });
      await eventually(async () => expect(await handle.query(billingStatusQuery)).toMatchObject({ status: 'failed', paymentFailures: 2 }));

      // Past the would-be close time, a failed period has not been finalized: it waits for the payment.
      await clock.sleepUntil(period.end * 1000 + GRACE_SECONDS * 1000 + DAY);
      expect(await row(orgId)).toMatchObject({ status: 'failed', snapshot: null, finalized_at: null });

      await workflows.invoicePaid(orgId, period, paid('in_r', 'evt_p'));
      // An older failed attempt delivered after the payment changes nothing.
      await workflows.invoicePaymentFailed(orgId, period, { invoiceId: 'in_r', eventId: 'evt_f0', attemptCount: 1 });
      expect(await handle.result()).toMatchObject({ status: 'closed', invoiceId: 'in_r' });
      const closed = await row(orgId);
      expect(closed).toMatchObject({ status: 'closed', stripe_invoice_id: 'in_r' });
      expect(closed.snapshot.totals.events).toBe('0');
      expect(closed.snapshot.totals.co2eG).toEqual({ central: '0', low: '0', high: '0' });
      expect((await handle.query(billingStatusQuery))).toMatchObject({ status: 'closed', paymentFailures: 2, ignoredSignals: 1 });
    });
  });

  test('a cancelled subscription closes its last paid period normally', async () => {
    await withPeriod(async ({ orgId, period, handle, workflows }) => {
      await workflows.invoicePaid(orgId, period, paid('in_c', 'evt_pc'));
      await eventually(async () => expect((await row(orgId))?.status).toBe('closing'));
      // Paid periods are not told (nothing to do); the signal itself is harmless if they are.
      expect(await workflows.subscriptionEnded(ds, orgId, 'evt_deleted')).toBe(0);
      await handle.signal(subscriptionEndedSignal, { eventId: 'evt_deleted' });
      await eventually(async () => expect(await handle.query(billingStatusQuery)).toMatchObject({ status: 'closing', isSubscriptionEnded: true }));
      expect(await handle.result()).toMatchObject({ status: 'closed', invoiceId: 'in_c' });
      expect((await row(orgId)).status).toBe('closed');
    });
  });

  test('an unpaid period of a cancelled subscription ends failed at its close time, without totals', async () => {
    await withPeriod(async ({ orgId, period, handle, workflows }) => {
      await workflows.invoicePaymentFailed(orgId, period, { invoiceId: 'in_u', eventId: 'evt_fu', attemptCount: 4 });
      await eventually(async () => expect((await row(orgId))?.status).toBe('failed'));
      expect(await workflows.subscriptionEnded(ds, orgId, 'evt_deleted_u')).toBe(1);
      expect(await handle.result()).toMatchObject({ status: 'failed', billingPeriodId: null });
      expect(await row(orgId)).toMatchObject({ status: 'failed', snapshot: null });
      expect((await handle.describe()).typedSearchAttributes.get(BillingStatusKey)).toBe('failed');
      // The id is spent: a payment arriving later is recorded by the caller, not a new run.
      expect(await workflows.invoicePaid(orgId, period, paid('in_u', 'evt_too_late'))).toBe('period-closed');
    });
  });
});
