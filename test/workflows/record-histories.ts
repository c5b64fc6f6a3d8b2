// Regenerates the golden workflow histories replayed by test/workflows/replay.test.ts. Run ONLY on purpose:
//
//   RECORD_HISTORIES=1 npx jest --testMatch '**/test/workflows/record-histories.ts' -t '<the new test's name>'
//
// (the file is not named *.test.ts, so a normal `npx jest` never runs it). Without `-t` every fixture is
// rewritten, and the committed ones are append-only (MANIFEST.sha256): record only the scenario you add. It drives the current workflow code
// with fake activities on the run's dev server (real time: signals only) and on a time-skipping test server
// (hourly timers, retry back-offs), then writes historyToJSON(fetchHistory()) to
// test/fixtures/histories/<workflowType>/<scenario>.json. Keep the old fixtures when changing workflow code:
// they are the histories of runs already in flight, which the new code must still replay.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PollFailureType, type RepairPageInput, type RepairPageResult } from '../../contracts/workflows';
import type { RepairActivities } from '../../activities/repair.activities';
import type { TemporalHandle } from '../../src/integrations/temporal';
import { ConnectionWorkflows, connectionWorkflowId } from '../../src/services/connections/connection-workflows';
import type { BillingActivities } from '../../activities/billing.activities';
import type { ReceiptActivities } from '../../activities/receipt.activities';
import type { ReceiptPdfActivities } from '../../activities/receipt-pdf.activities';
import type { AuditPackActivities } from '../../activities/audit-pack.activities';
import type { AuditPackInput, PaidOrganizationPageInput } from '../../contracts/workflows';
import {
  auditPacksMonthlyWorkflow, billingPeriodWorkflow, billingStatusQuery, connectionRepairWorkflow, invoicePaidSignal, invoicePaymentFailedSignal, pauseSignal,
  reconciliationWorkflow, resumeSignal, statusQuery, subscriptionEndedSignal, syncNowSignal,
} from '../../workflows';
import {
  connectionGone, credentialRejected, eventually, FakePollingActivities, installQuietRuntime, permanent,
  registerSearchAttributes, transient, uniqueTaskQueue, workflowBundle,
} from '../helpers/temporal';

const FIXTURES = path.resolve(__dirname, '../fixtures/histories');
const HOUR = 3_600_000;
const record = process.env.RECORD_HISTORIES === '1' ? describe : describe.skip;

async function save(workflowType: string, scenario: string, handle: WorkflowHandle): Promise<void> {
  const history = await handle.fetchHistory();
  const dir = path.join(FIXTURES, workflowType);
  fs.mkdirSync(dir, { recursive: true });
  // Stack traces name this checkout's absolute path; replay never reads them, so they are dropped.
  const withoutStacks = JSON.parse(historyToJSON(history), (key, value) => (key === 'stackTrace' ? '' : value));
  fs.writeFileSync(path.join(dir, `${scenario}.json`), `${JSON.stringify(withoutStacks, null, 2)}\n`);
}

async function pollCountIs(handle: WorkflowHandle, n: number): Promise<void> {
  await eventually(async () => expect((await handle.query(statusQuery)).pollCount).toBe(n));
}

record('record golden histories', () => {
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    installQuietRuntime();
    bundle = await workflowBundle();
  }, 120_000);

  describe('on the dev server', () => {
    let env: TestWorkflowEnvironment;
    beforeAll(async () => {
      env = await TestWorkflowEnvironment.createFromExistingServer({ address: process.env.TEMPORAL_ADDRESS });
    });
    afterAll(async () => env?.teardown());

    async function withPoller(fake: FakePollingActivities, body: (handle: WorkflowHandle, connectionId: string) => Promise<void>) {
      const taskQueue = uniqueTaskQueue('record');
      const connectionId = randomUUID();
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities() });
      await worker.runUntil(async () => {
        await new ConnectionWorkflows({ client: env.client, taskQueue } as TemporalHandle).start({ connectionId, orgId: randomUUID(), provider: 'openai', requestId: 'req-create' });
        await body(env.client.workflow.getHandle(connectionWorkflowId(connectionId)), connectionId);
      });
    }

    test('connectionPollingWorkflow: polls, syncNow, strikes, failure, resume, pause, ConnectionGone', async () => {
      const fake = new FakePollingActivities().then('ok', 'ok', permanent, credentialRejected, 'ok', 'ok', connectionGone);
      await withPoller(fake, async (handle) => {
        await pollCountIs(handle, 1);
        await handle.signal(syncNowSignal, { requestId: 'req-sync' });
        await pollCountIs(handle, 2);
        await handle.signal(syncNowSignal);
        await pollCountIs(handle, 3); // ProviderPermanent: strike 1
        await handle.signal(syncNowSignal);
        await eventually(async () => expect(await handle.query(statusQuery)).toMatchObject({ status: 'failed', pollCount: 4 }));
        await handle.signal(syncNowSignal); // ignored while failed
        await handle.signal(resumeSignal);
        await eventually(async () => expect(await handle.query(statusQuery)).toMatchObject({ status: 'active', strikes: 0, pollCount: 5 }));
        await handle.signal(pauseSignal);
        await eventually(async () => expect((await handle.query(statusQuery)).status).toBe('paused'));
        await handle.signal(resumeSignal);
        await pollCountIs(handle, 6);
        await handle.signal(syncNowSignal);
        await handle.result(); // ConnectionGone completes the workflow
        await save('connectionPollingWorkflow', 'signals-strikes-resume-pause-gone', handle);
      });
    });

    test('connectionPollingWorkflow: a run that continues as new (server suggests it at 200 events)', async () => {
      const fake = new FakePollingActivities();
      await withPoller(fake, async (handle) => {
        const firstRunId = (await handle.describe()).runId;
        await pollCountIs(handle, 1);
        for (let i = 0; i < 40; i++) {
          const described = await handle.describe();
          if (described.runId !== firstRunId) break;
          if (described.historyLength >= 170) fake.fallback = permanent;
          const polled = fake.pollCount();
          await handle.signal(syncNowSignal);
          await pollCountIs(handle, polled + 1);
        }
        const oldRun = env.client.workflow.getHandle(handle.workflowId, firstRunId);
        expect((await oldRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
        await save('connectionPollingWorkflow', 'continued-as-new', oldRun);
        await handle.terminate('recorded');
      });
    });

    test('reconciliationWorkflow: five connections, one failing, concurrency 2', async () => {
      const fake = new FakePollingActivities();
      fake.connections = ['c1', 'c2', 'c3', 'c4', 'c5'];
      fake.repoll = async ({ connectionId }) => {
        if (connectionId === 'c4') throw ApplicationFailure.create({ type: PollFailureType.connectionGone, message: 'gone', nonRetryable: true });
        return { buckets: 2, changed: 1 };
      };
      const taskQueue = uniqueTaskQueue('record');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities() });
      const handle = await env.client.workflow.start(reconciliationWorkflow, { taskQueue, workflowId: `reconciliation-${randomUUID()}`, args: [{ concurrency: 2, windowHours: 24 }] });
      expect(await worker.runUntil(handle.result())).toEqual({ connections: 5, failed: 1, changed: 4 });
      await save('reconciliationWorkflow', 'five-connections-one-failing', handle);
    });

    test('connectionRepairWorkflow (repair pass): three pages, pollers running, started, skipped and failed', async () => {
      const pages: RepairPageResult[] = [
        { checked: 2, running: 1, started: 1, skipped: 0, failed: 0, nextAfter: '00000000-0000-4000-8000-000000000002' },
        { checked: 2, running: 0, started: 1, skipped: 1, failed: 0, nextAfter: '00000000-0000-4000-8000-000000000004' },
        { checked: 1, running: 0, started: 0, skipped: 0, failed: 1, nextAfter: null },
      ];
      const asked: RepairPageInput[] = [];
      const activities = {
        repairConnectionPollers: async (input: RepairPageInput) => { asked.push(input); return pages[asked.length - 1]; },
      } satisfies Partial<RepairActivities>;
      const taskQueue = uniqueTaskQueue('record');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
      const handle = await env.client.workflow.start(connectionRepairWorkflow, { taskQueue, workflowId: `connection-repair-${randomUUID()}`, args: [{ pageSize: 2, concurrency: 2 }] });
      expect(await worker.runUntil(handle.result())).toEqual({ checked: 5, running: 1, started: 2, skipped: 1, failed: 1 });
      expect(asked.map((a) => a.after)).toEqual([null, pages[0].nextAfter, pages[1].nextAfter]);
      await save('connectionRepairWorkflow', 'three-pages', handle);
    });

    test('reconciliationWorkflow (paged): 12 connections in pages of 3, continued as new past a 20-event budget', async () => {
      const fake = new FakePollingActivities();
      fake.connections = Array.from({ length: 12 }, (_, i) => `c${String(i).padStart(2, '0')}`);
      fake.repoll = async ({ connectionId }) => {
        if (connectionId === 'c04') throw ApplicationFailure.create({ type: PollFailureType.connectionGone, message: 'gone', nonRetryable: true });
        return { buckets: 2, changed: 1 };
      };
      const taskQueue = uniqueTaskQueue('record');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities() });
      const handle = await env.client.workflow.start(reconciliationWorkflow, {
        taskQueue, workflowId: `reconciliation-${randomUUID()}`, args: [{ concurrency: 2, windowHours: 24, pageSize: 3, historyBudget: 20 }],
      });
      expect(await worker.runUntil(handle.result())).toEqual({ connections: 12, failed: 1, changed: 11 });
      const firstRun = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
      expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
      await save('reconciliationWorkflow', 'paged-first-run-continued-as-new', firstRun);
      await save('reconciliationWorkflow', 'paged-last-run-completed', env.client.workflow.getHandle(handle.workflowId));
    });

    test('connectionRepairWorkflow (repair pass): continued as new past a 12-event budget, then completed', async () => {
      const ids = Array.from({ length: 5 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);
      const activities = {
        repairConnectionPollers: async (input: RepairPageInput): Promise<RepairPageResult> => {
          const page = ids.filter((id) => input.after === null || id > input.after).slice(0, input.limit);
          const nextAfter = page.length === input.limit && page[page.length - 1] !== ids[ids.length - 1] ? page[page.length - 1] : null;
          return { checked: page.length, running: page.length - 1, started: 1, skipped: 0, failed: 0, nextAfter };
        },
      } satisfies Partial<RepairActivities>;
      const taskQueue = uniqueTaskQueue('record');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
      const handle = await env.client.workflow.start(connectionRepairWorkflow, {
        taskQueue, workflowId: `connection-repair-${randomUUID()}`, args: [{ pageSize: 1, concurrency: 2, historyBudget: 12 }],
      });
      expect(await worker.runUntil(handle.result())).toEqual({ checked: 5, running: 0, started: 5, skipped: 0, failed: 0 });
      const firstRun = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
      expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
      await save('connectionRepairWorkflow', 'first-run-continued-as-new', firstRun);
      await save('connectionRepairWorkflow', 'last-run-completed', env.client.workflow.getHandle(handle.workflowId));
    });

    test('auditPacksMonthlyWorkflow (audit packs): 7 organizations in pages of 3, one unchanged, one failing, continued as new past a 30-event budget', async () => {
      const orgs = Array.from({ length: 7 }, () => randomUUID()).sort();
      const activities = {
        listPaidOrganizationsPage: async ({ after, limit }: PaidOrganizationPageInput) => orgs.filter((id) => after === null || id > after).slice(0, limit),
        buildAuditPack: async ({ orgId, month }: AuditPackInput) => {
          if (orgId === orgs[4]) throw ApplicationFailure.nonRetryable(`organization ${orgId} does not exist`, 'AuditPackBadInput');
          return { packId: randomUUID(), month, version: 1, built: orgId !== orgs[2], manifestSha256: 'ab'.repeat(32) };
        },
      } satisfies AuditPackActivities;
      const taskQueue = uniqueTaskQueue('record');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
      const handle = await env.client.workflow.start(auditPacksMonthlyWorkflow, {
        taskQueue, workflowId: `audit-packs-monthly-${randomUUID()}`, args: [{ pageSize: 3, concurrency: 2, historyBudget: 30 }],
      });
      const result = await worker.runUntil(handle.result());
      expect(result).toEqual({ month: expect.stringMatching(/^\d{4}-\d\d$/), orgs: 7, built: 5, unchanged: 1, joined: 0, failed: 1 });
      const firstRun = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
      expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
      await save('auditPacksMonthlyWorkflow', 'paged-first-run-continued-as-new', firstRun);
      await save('auditPacksMonthlyWorkflow', 'paged-last-run-completed', env.client.workflow.getHandle(handle.workflowId));
      await save('auditPackWorkflow', 'built', env.client.workflow.getHandle(`audit-pack:${orgs[0]}:${result.month}`));
      await save('auditPackWorkflow', 'bad-input-failed', env.client.workflow.getHandle(`audit-pack:${orgs[4]}:${result.month}`));
    });

    test('connectionPollingWorkflow (repair pass): started failed from the row, waits, polls once resumed', async () => {
      const fake = new FakePollingActivities().then('ok', connectionGone);
      const taskQueue = uniqueTaskQueue('record');
      const connectionId = randomUUID();
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities() });
      await worker.runUntil(async () => {
        const lastError = { code: PollFailureType.credentialRejected, message: 'Incorrect API key provided', at: '2026-01-01T00:00:00.000Z' };
        await new ConnectionWorkflows({ client: env.client, taskQueue } as TemporalHandle).start({
          connectionId, orgId: randomUUID(), provider: 'openai', status: 'failed', strikes: 5, lastError,
          cursor: '2026-01-01T00:00:00.000Z', lastSuccessAt: '2025-12-31T23:05:00.000Z',
        });
        const handle = env.client.workflow.getHandle(connectionWorkflowId(connectionId));
        await eventually(() => expect(fake.statuses).toHaveLength(1));
        expect(await handle.query(statusQuery)).toMatchObject({ status: 'failed', strikes: 5, pollCount: 0, lastError });
        await handle.signal(resumeSignal);
        await pollCountIs(handle, 1);
        await handle.signal(syncNowSignal);
        await handle.result(); // ConnectionGone
        await save('connectionPollingWorkflow', 'started-failed-by-repair-then-resumed', handle);
      });
    });
  });

  describe('on the time-skipping server', () => {
    let env: TestWorkflowEnvironment;
    beforeAll(async () => {
      env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } });
      await registerSearchAttributes(env.connection);
    }, 120_000);
    afterAll(async () => env?.teardown());

    test('connectionPollingWorkflow: hourly timers, retried transient failures, five strikes, resume', async () => {
      const fake = new FakePollingActivities().then('ok', 'ok', transient, transient, transient, transient, transient, 'ok', connectionGone);
      const taskQueue = uniqueTaskQueue('record');
      const connectionId = randomUUID();
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities() });
      await worker.runUntil(async () => {
        const now = await env.currentTimeMs();
        await env.sleep((((10 * 60_000 - (now % HOUR)) % HOUR) + HOUR) % HOUR || 1);
        await new ConnectionWorkflows({ client: env.client, taskQueue } as TemporalHandle).start({ connectionId, orgId: randomUUID(), provider: 'openrouter' });
        const handle = env.client.workflow.getHandle(connectionWorkflowId(connectionId));
        await pollCountIs(handle, 1);
        for (let hour = 0; hour < 10; hour++) {
          if ((await handle.query(statusQuery)).status === 'failed') break;
          await env.sleep('1 hour');
        }
        await eventually(async () => expect(await handle.query(statusQuery)).toMatchObject({ status: 'failed', strikes: 5, pollCount: 7 }));
        await handle.signal(resumeSignal);
        await pollCountIs(handle, 8);
        await env.sleep('1 hour'); // ConnectionGone on the next hourly poll
        await handle.result();
        await save('connectionPollingWorkflow', 'hourly-timers-transient-strikes-resume', handle);
      });
    });

    test('connectionPollingWorkflow: spread across the hour (pollOffsetSeconds), three hourly polls', async () => {
      const fake = new FakePollingActivities().then('ok', 'ok', 'ok', connectionGone);
      const taskQueue = uniqueTaskQueue('record');
      const connectionId = randomUUID();
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities() });
      await worker.runUntil(async () => {
        await new ConnectionWorkflows({ client: env.client, taskQueue } as TemporalHandle, { pollSpreadMinutes: 50 }).start({ connectionId, orgId: randomUUID(), provider: 'anthropic' });
        const handle = env.client.workflow.getHandle(connectionWorkflowId(connectionId));
        await pollCountIs(handle, 1);
        await env.sleep('1 hour');
        await pollCountIs(handle, 2);
        await env.sleep('1 hour');
        await pollCountIs(handle, 3);
        await env.sleep('1 hour'); // ConnectionGone on the next hourly poll
        await handle.result();
        await save('connectionPollingWorkflow', 'spread-offset-hourly-polls', handle);
      });
    });

    /** billingPeriodWorkflow with activities that only record: the history is the workflow's, not Postgres's. */
    async function withBillingPeriod(
      scenario: string, body: (handle: WorkflowHandle<typeof billingPeriodWorkflow>, endMs: number) => Promise<void>, extraActivities: object = {},
    ) {
      const recorded: string[] = [];
      const activities = {
        ...({
          recordBillingPeriod: async (input) => { recorded.push(input.status); },
          finalizeBillingPeriod: async () => ({ billingPeriodId: randomUUID(), events: '42', factorVersions: ['1.0'] }),
        } satisfies BillingActivities),
        ...extraActivities,
      };
      const taskQueue = uniqueTaskQueue('record');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
      const startMs = Math.floor((await env.currentTimeMs()) / 86_400_000) * 86_400_000 - 10 * 86_400_000;
      const endMs = startMs + 30 * 86_400_000;
      const orgId = randomUUID();
      await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(billingPeriodWorkflow, {
          taskQueue, workflowId: `billing-period:${orgId}:${new Date(startMs).toISOString().slice(0, 7)}`, workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [{ orgId, periodStart: new Date(startMs).toISOString(), periodEnd: new Date(endMs).toISOString(), graceSeconds: 172_800 }],
        });
        await body(handle, endMs);
        await save('billingPeriodWorkflow', scenario, handle);
      });
    }

    test('billingPeriodWorkflow: paid, duplicate and late failure ignored, 48 h sleep, finalize, closed', async () => {
      await withBillingPeriod('paid-sleep-finalize-closed', async (handle) => {
        await handle.signal(invoicePaidSignal, { invoiceId: 'in_1', eventId: 'evt_1', paidAt: null });
        await eventually(async () => expect((await handle.query(billingStatusQuery)).status).toBe('closing'));
        await handle.signal(invoicePaidSignal, { invoiceId: 'in_1', eventId: 'evt_2', paidAt: null });
        await handle.signal(invoicePaymentFailedSignal, { invoiceId: 'in_1', eventId: 'evt_3', attemptCount: 1 });
        await eventually(async () => expect((await handle.query(billingStatusQuery)).ignoredSignals).toBe(2));
        expect(await handle.result()).toMatchObject({ status: 'closed', invoiceId: 'in_1' });
      });
    });

    test('billingPeriodWorkflow: payment failed twice, then paid, closed', async () => {
      await withBillingPeriod('failed-then-paid-closed', async (handle) => {
        await handle.signal(invoicePaymentFailedSignal, { invoiceId: 'in_2', eventId: 'evt_f1', attemptCount: 1 });
        await eventually(async () => expect((await handle.query(billingStatusQuery)).status).toBe('failed'));
        await handle.signal(invoicePaymentFailedSignal, { invoiceId: 'in_2', eventId: 'evt_f2', attemptCount: 2 });
        await eventually(async () => expect((await handle.query(billingStatusQuery)).paymentFailures).toBe(2));
        await handle.signal(invoicePaidSignal, { invoiceId: 'in_2', eventId: 'evt_p', paidAt: null });
        expect(await handle.result()).toMatchObject({ status: 'closed', invoiceId: 'in_2' });
      });
    });

    test('billingPeriodWorkflow: payment failed, subscription ended, ends failed at its close time', async () => {
      await withBillingPeriod('failed-subscription-ended', async (handle) => {
        await handle.signal(invoicePaymentFailedSignal, { invoiceId: 'in_3', eventId: 'evt_f', attemptCount: 4 });
        await eventually(async () => expect((await handle.query(billingStatusQuery)).status).toBe('failed'));
        await handle.signal(subscriptionEndedSignal, { eventId: 'evt_deleted' });
        expect(await handle.result()).toMatchObject({ status: 'failed', billingPeriodId: null });
      });
    });

    test('billingPeriodWorkflow (issuing): paid, finalize, period receipt, PDF retried, adjustment whose PDF fails, closed', async () => {
      const rendered: string[] = [];
      let pdfAttempts = 0;
      const issuing = {
        issuePeriodReceipt: async () => ({ receiptId: 'rcpt-period', serial: 'CL-202612-7K2QD', kind: 'period' as const, isNew: true }),
        issueAdjustmentReceipts: async () => [{ receiptId: 'rcpt-adjustment', serial: 'CL-202612-M4X9T', kind: 'adjustment' as const, isNew: true }],
        renderReceiptPdf: async ({ receiptId }: { receiptId: string }) => {
          rendered.push(receiptId);
          // The period PDF renders on its second attempt; the adjustment's fails for good, which must not fail the run.
          if (receiptId === 'rcpt-period' && ++pdfAttempts === 1) throw new Error('browser crashed');
          if (receiptId === 'rcpt-adjustment') throw ApplicationFailure.nonRetryable('no such receipt', 'RECEIPT_NOT_FOUND');
          return { objectKey: `receipts/org/${receiptId}.pdf` };
        },
      } satisfies ReceiptActivities & { renderReceiptPdf: ReceiptPdfActivities['renderReceiptPdf'] };
      await withBillingPeriod('paid-finalize-issue-receipts-closed', async (handle) => {
        await handle.signal(invoicePaidSignal, { invoiceId: 'in_4', eventId: 'evt_4', paidAt: null });
        expect(await handle.result()).toMatchObject({ status: 'closed', invoiceId: 'in_4' });
        expect(rendered).toEqual(['rcpt-period', 'rcpt-period', 'rcpt-adjustment']);
      }, issuing);
    });
  });
});
