// Workflows on the run's shared dev server (TEMPORAL_ADDRESS, started by the Jest global setup with our search
// attributes and `limit.historyCount.suggestContinueAsNew=200`), with fake activities: visibility queries on our
// search attributes, continue-as-new carrying state, and reconciliation concurrency. The dev server runs in real
// time, so nothing here waits for an hourly poll; an hourly poll that happens to fire (at :05) changes no assertion.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PollFailureType } from '../../contracts/workflows';
import type { TemporalHandle } from '../../src/integrations/temporal';
import { ConnectionWorkflows, connectionWorkflowId } from '../../src/services/connections/connection-workflows';
import { reconciliationWorkflow, statusQuery, syncNowSignal } from '../../workflows';
import { ConnectionIdKey, ConnectionStatusKey, OrgIdKey, ProviderKey, StrikesKey } from '../../workflows/search-attributes';
import {
  credentialRejected, eventually, FakePollingActivities, installQuietRuntime, permanent, uniqueTaskQueue, workflowBundle,
} from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  installQuietRuntime();
  env = await TestWorkflowEnvironment.createFromExistingServer({ address: process.env.TEMPORAL_ADDRESS });
  bundle = await workflowBundle();
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

async function list(query: string): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const wf of env.client.workflow.list({ query })) found.push(wf);
  return found;
}

/** Visibility is eventually consistent: retry the query until it returns exactly the expected workflow. */
async function listUntilFound(query: string, workflowId: string): Promise<WorkflowExecutionInfo> {
  return eventually(async () => {
    const found = await list(query);
    expect(found.map((w) => w.workflowId)).toEqual([workflowId]);
    return found[0];
  }, { timeoutMs: 20_000, intervalMs: 200 });
}

async function startPoller(fake: FakePollingActivities) {
  const taskQueue = uniqueTaskQueue('poll-dev');
  const connectionId = randomUUID();
  const orgId = randomUUID();
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities() });
  const api = new ConnectionWorkflows({ client: env.client, taskQueue } as TemporalHandle);
  const workflowId = connectionWorkflowId(connectionId);
  return { worker, api, connectionId, orgId, workflowId, handle: env.client.workflow.getHandle(workflowId) };
}

describe('connectionPollingWorkflow (dev server)', () => {
  test('started by the API with typed search attributes, it is found by visibility queries on them', async () => {
    const fake = new FakePollingActivities().then('ok');
    const { worker, api, connectionId, orgId, workflowId, handle } = await startPoller(fake);
    await worker.runUntil(async () => {
      try {
        await api.start({ connectionId, orgId, provider: 'anthropic', requestId: 'req-create' });
        const { runId } = await handle.describe();

        const found = await listUntilFound(`ConnectionId = "${connectionId}" AND Strikes >= 0`, workflowId);
        expect(found.type).toBe('connectionPollingWorkflow');
        expect(found.typedSearchAttributes.get(OrgIdKey)).toBe(orgId);
        expect(found.typedSearchAttributes.get(ProviderKey)).toBe('anthropic');
        expect(found.typedSearchAttributes.get(ConnectionIdKey)).toBe(connectionId);
        await listUntilFound(`OrgId = "${orgId}" AND Provider = "anthropic" AND ConnectionStatus = "active" AND Strikes = 0`, workflowId);
        await eventually(() => expect(fake.pollCount()).toBe(1));
        expect(fake.polls[0]).toMatchObject({ connectionId, requestId: 'req-create', workflowId });

        // A retried create (same connection) keeps the running poller (USE_EXISTING).
        await api.start({ connectionId, orgId, provider: 'anthropic' });
        expect((await handle.describe()).runId).toBe(runId);

        // The upserted attributes reach visibility: operators can find failed connections.
        fake.then(credentialRejected);
        await api.syncNow(connectionId, 'req-sync');
        await eventually(() => expect(fake.failures).toHaveLength(1));
        const failed = await listUntilFound(`ConnectionId = "${connectionId}" AND ConnectionStatus = "failed" AND Strikes >= 5`, workflowId);
        expect(failed.typedSearchAttributes.get(StrikesKey)).toBe(5);
        expect(failed.typedSearchAttributes.get(ConnectionStatusKey)).toBe('failed');
        expect(await list(`ConnectionId = "${connectionId}" AND Strikes < 5`)).toEqual([]);
      } finally {
        await api.stop(connectionId);
      }
    });
  });

  test('continues as new after ~200 history events, carrying pollCount, strikes and lastError into the new run', async () => {
    const fake = new FakePollingActivities();
    const { worker, api, connectionId, orgId, workflowId, handle } = await startPoller(fake);
    await worker.runUntil(async () => {
      try {
        await api.start({ connectionId, orgId, provider: 'openai' });
        const firstRunId = (await handle.describe()).runId;
        await eventually(() => expect(fake.pollCount(firstRunId)).toBe(1));

        // syncNow one at a time (each ~12 events). Close to the limit, polls start failing (ProviderPermanent:
        // one strike each, no retry), so the run continues as new with strikes > 0 and a lastError to carry.
        let runId = firstRunId;
        for (let i = 0; i < 40; i++) {
          const described = await handle.describe();
          runId = described.runId;
          if (runId !== firstRunId) break;
          if (described.historyLength >= 170) fake.fallback = permanent;
          const polled = fake.pollCount();
          await handle.signal(syncNowSignal);
          // The iteration is over (poll, failure recorded, continue-as-new decided) once the query counts the poll.
          await eventually(async () => expect((await handle.query(statusQuery)).pollCount).toBe(polled + 1));
        }
        expect(runId).not.toBe(firstRunId);

        const oldRun = await env.client.workflow.getHandle(workflowId, firstRunId).describe();
        expect(oldRun.status.name).toBe('CONTINUED_AS_NEW');
        expect(oldRun.historyLength).toBeGreaterThanOrEqual(200);
        const oldPolls = fake.pollCount(firstRunId);
        expect(oldPolls).toBeGreaterThan(10);
        const oldFailures = fake.failures.filter((f) => f.runId === firstRunId);
        const carried = oldFailures[oldFailures.length - 1];
        expect(carried.strikes).toBeGreaterThanOrEqual(1);
        expect(carried.strikes).toBeLessThan(5);
        expect(carried.failed).toBe(false);

        // The new run publishes the carried strikes, polls at once (fails again: one more strike) and answers
        // the status query with totals across both runs.
        await eventually(() => expect(fake.failures.filter((f) => f.runId === runId)).toHaveLength(1));
        expect(fake.statuses.filter((s) => s.runId === runId).map((s) => [s.status, s.strikes])).toEqual([['active', carried.strikes]]);
        expect(fake.failures.find((f) => f.runId === runId)).toMatchObject({ connectionId, strikes: carried.strikes + 1, failed: false });
        const state = await handle.query(statusQuery);
        expect(state).toMatchObject({
          status: 'active',
          strikes: carried.strikes + 1,
          pollCount: oldPolls + fake.pollCount(runId),
          lastError: { code: PollFailureType.providerPermanent },
        });
        expect(fake.pollCount(runId)).toBe(1);
        // Search attributes survive continue-as-new and are kept up to date by the new run.
        const sa = (await handle.describe()).typedSearchAttributes;
        expect(sa.get(ConnectionIdKey)).toBe(connectionId);
        expect(sa.get(OrgIdKey)).toBe(orgId);
        expect(sa.get(StrikesKey)).toBe(carried.strikes + 1);
      } finally {
        await api.stop(connectionId);
      }
    });
  });
});

describe('reconciliationWorkflow (dev server)', () => {
  test.each([1, 3])('re-polls every active connection with at most %i in flight; a failing one does not stop the others', async (concurrency) => {
    const fake = new FakePollingActivities();
    fake.connections = ['c1', 'c2', 'c3', 'c4', 'c5'];
    fake.repoll = async ({ connectionId }) => {
      await new Promise((resolve) => setTimeout(resolve, 250)); // long enough for lanes to overlap
      if (connectionId === 'c2') throw ApplicationFailure.create({ type: PollFailureType.providerPermanent, message: 'bad request', nonRetryable: true });
      return { buckets: 10, changed: Number(connectionId.slice(1)) * 10 };
    };
    const taskQueue = uniqueTaskQueue('recon-dev');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities() });
    const result = await worker.runUntil(
      env.client.workflow.execute(reconciliationWorkflow, { taskQueue, workflowId: `reconciliation-${randomUUID()}`, args: [{ concurrency }] }),
    );
    expect(result).toEqual({ connections: 5, failed: 1, changed: 10 + 30 + 40 + 50 });
    expect(fake.listCalls).toBe(0);
    expect(fake.pageCalls).toEqual([{ after: null, limit: 200 }]);
    expect(fake.repolls.map((r) => r.connectionId).sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(fake.repolls.every((r) => r.hours === 24 && r.attempt === 1)).toBe(true);
    expect(fake.maxInFlight).toBe(concurrency);
  });

  test('no active connections: nothing to do', async () => {
    const fake = new FakePollingActivities();
    const taskQueue = uniqueTaskQueue('recon-dev');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities() });
    const result = await worker.runUntil(env.client.workflow.execute(reconciliationWorkflow, { taskQueue, workflowId: `reconciliation-${randomUUID()}`, args: [] }));
    expect(result).toEqual({ connections: 0, failed: 0, changed: 0 });
    expect(fake.repolls).toHaveLength(0);
  });
});
