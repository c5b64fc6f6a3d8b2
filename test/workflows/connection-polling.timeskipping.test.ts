// connectionPollingWorkflow (and reconciliation retries) on the time-skipping test server, with fake activities.
// Hours pass through env.sleep(); activity retry back-offs (30 s, 60 s) are skipped the same way. Time is global to
// the server, so every test reads times from the workflow (status query) or from the recorded activity calls.
// Continue-as-new is covered in connection-polling.devserver.test.ts: this server suggests it only at 4096 events.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { RepairActivities } from '../../activities/repair.activities';
import { MAX_STRIKES, PollFailureType, type ConnectionWorkflowState, type RepairPageInput, type RepairPageResult } from '../../contracts/workflows';
import type { TemporalHandle } from '../../src/integrations/temporal';
import { ConnectionWorkflows, connectionWorkflowId } from '../../src/services/connections/connection-workflows';
import { pollOffsetSeconds } from '../../src/services/connections/poll-offset';
import { connectionRepairWorkflow, pauseSignal, reconciliationWorkflow, resumeSignal, statusQuery, syncNowSignal } from '../../workflows';
import { ConnectionIdKey, ConnectionStatusKey, OrgIdKey, ProviderKey, StrikesKey } from '../../workflows/search-attributes';
import {
  connectionGone, credentialRejected, eventually, FakePollingActivities, installQuietRuntime, internal, needsUserAction, permanent,
  registerSearchAttributes, transient, uniqueTaskQueue, workflowBundle, type PollCall,
} from '../helpers/temporal';

const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  installQuietRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } },
  });
  await registerSearchAttributes(env.connection);
  bundle = await workflowBundle();
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

interface Poller {
  handle: WorkflowHandle;
  connectionId: string;
  status(): Promise<ConnectionWorkflowState>;
  attributes(): Promise<{ strikes?: number; status?: string }>;
}

/**
 * Moves the shared virtual clock to 10 minutes past an hour, so every test starts 55 minutes before the poller's
 * next wake-up (:05) and no hourly poll can slip in while a test counts polls driven by signals.
 */
async function alignClock(): Promise<void> {
  const now = await env.currentTimeMs();
  const wait = (((10 * 60_000 - (now % HOUR)) % HOUR) + HOUR) % HOUR;
  if (wait > 0) await env.sleep(wait);
}

/** Starts the poller the way the API does (ConnectionWorkflows.start) and runs `body` while a worker serves it. */
async function withPoller(fake: FakePollingActivities, body: (p: Poller) => Promise<void>, options: { pollSpreadMinutes?: number } = {}): Promise<void> {
  await alignClock();
  const taskQueue = uniqueTaskQueue('poll-ts');
  const connectionId = randomUUID();
  // Heartbeats reach the server every second, so a cancellation reaches a held poll within a second.
  const worker = await Worker.create({
    connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities(), maxHeartbeatThrottleInterval: '1 second',
  });
  await worker.runUntil(async () => {
    await new ConnectionWorkflows({ client: env.client, taskQueue } as TemporalHandle, options).start({ connectionId, orgId: randomUUID(), provider: 'openai' });
    const handle = env.client.workflow.getHandle(connectionWorkflowId(connectionId));
    const poller: Poller = {
      handle,
      connectionId,
      status: () => handle.query(statusQuery),
      attributes: async () => {
        const sa = (await handle.describe()).typedSearchAttributes;
        return { strikes: sa.get(StrikesKey), status: sa.get(ConnectionStatusKey) };
      },
    };
    try {
      await body(poller);
    } finally {
      // Leave nothing running on the shared (virtual) clock.
      await handle.terminate('test done').catch(() => undefined);
    }
  });
}

/** Advances virtual time one step at a time until `check` passes (bounded by a real-time deadline). */
async function advanceUntil<T>(step: string, check: () => T | Promise<T>, maxSteps = 20): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await eventually(check, { timeoutMs: 300 });
    } catch (err) {
      if (i >= maxSteps) throw err;
      await env.sleep(step);
    }
  }
}

/** Groups attempts by logical poll (run + activity id), in order. */
function byPoll(polls: PollCall[]): PollCall[][] {
  const groups = new Map<string, PollCall[]>();
  for (const p of polls) {
    const key = `${p.runId}/${p.activityId}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()];
}

describe('connectionPollingWorkflow (time-skipping)', () => {
  test('a poller started with a spread polls every hour at its own second past the hour, not at :05', async () => {
    const fake = new FakePollingActivities();
    await withPoller(fake, async (p) => {
      const offsetMs = pollOffsetSeconds(p.connectionId, 50) * 1000;
      const first = await eventually(async () => {
        const s = await p.status();
        expect(s.pollCount).toBe(1);
        return s;
      });
      const next = Date.parse(first.nextPollAt!);
      expect(next % HOUR).toBe(offsetMs);
      expect(next - fake.polls[0].scheduledAtMs).toBeLessThanOrEqual(HOUR);

      const now = await env.currentTimeMs();
      await env.sleep(next - now - 1_000);
      expect(fake.pollCount()).toBe(1);
      await advanceUntil('1 minute', () => expect(fake.pollCount()).toBe(2));
      expect(fake.polls[1].scheduledAtMs).toBeGreaterThanOrEqual(next);
      const second = await eventually(async () => {
        const s = await p.status();
        expect(s.pollCount).toBe(2);
        return s;
      });
      expect(Date.parse(second.nextPollAt!)).toBe(next + HOUR);
    }, { pollSpreadMinutes: 50 });
  });

  test('polls once at start, then at :05 past each hour, and keeps going', async () => {
    const fake = new FakePollingActivities();
    await withPoller(fake, async (p) => {
      const first = await eventually(async () => {
        const s = await p.status();
        expect(s).toMatchObject({ status: 'active', pollCount: 1, lastError: null });
        expect(s.nextPollAt).not.toBeNull();
        return s;
      });
      expect(fake.pollCount()).toBe(1);
      expect(fake.polls[0]).toMatchObject({ connectionId: p.connectionId, attempt: 1 });
      expect(first.cursor).toBe(new Date(fake.polls[0].scheduledAtMs).toISOString());
      expect(first.lastSuccessAt).toBe(first.cursor);

      const next = Date.parse(first.nextPollAt!);
      expect(next - fake.polls[0].scheduledAtMs).toBeGreaterThan(0);
      expect(next - fake.polls[0].scheduledAtMs).toBeLessThanOrEqual(HOUR);
      expect(new Date(next).getUTCMinutes()).toBe(5);
      expect(next % 60_000).toBe(0);

      // The test started at :10 (alignClock): one minute before the wake-up nothing has polled yet.
      const now = await env.currentTimeMs();
      expect(next - now).toBeGreaterThan(50 * 60_000);
      await env.sleep(next - now - 60_000);
      expect(await p.status()).toMatchObject({ pollCount: 1, nextPollAt: first.nextPollAt });
      expect(fake.pollCount()).toBe(1);

      await advanceUntil('2 minutes', () => expect(fake.pollCount()).toBe(2));
      expect(fake.polls[1].scheduledAtMs).toBeGreaterThanOrEqual(next);
      expect(fake.polls[1].scheduledAtMs).toBeLessThan(next + 5 * 60_000);

      await env.sleep('1 hour');
      await eventually(() => expect(fake.pollCount()).toBe(3));
      expect(fake.polls[2].scheduledAtMs).toBeGreaterThanOrEqual(next + HOUR);
      expect(fake.polls[2].scheduledAtMs).toBeLessThan(next + HOUR + 5 * 60_000);
      const third = await eventually(async () => {
        const s = await p.status();
        expect(s.pollCount).toBe(3);
        return s;
      });
      expect(Date.parse(third.nextPollAt!)).toBe(next + 2 * HOUR);

      // Only the start published a status; every poll succeeded.
      expect(fake.statuses.map((s) => [s.status, s.strikes])).toEqual([['active', 0]]);
      expect(fake.failures).toHaveLength(0);
      const sa = (await p.handle.describe()).typedSearchAttributes;
      expect(sa.get(ConnectionIdKey)).toBe(p.connectionId);
      expect(sa.get(ProviderKey)).toBe('openai');
      expect(sa.get(OrgIdKey)).toEqual(expect.any(String));
      expect(sa.get(ConnectionStatusKey)).toBe('active');
      expect(sa.get(StrikesKey)).toBe(0);
    });
  });

  test('syncNow polls at once, without waiting for the hour, and passes its requestId', async () => {
    const fake = new FakePollingActivities();
    await withPoller(fake, async (p) => {
      const first = await eventually(async () => {
        const s = await p.status();
        expect(s.pollCount).toBe(1);
        return s;
      });
      await p.handle.signal(syncNowSignal, { requestId: 'req-sync-1' });
      await eventually(() => expect(fake.pollCount()).toBe(2));
      expect(fake.polls[0].requestId).toBeUndefined();
      expect(fake.polls[1].requestId).toBe('req-sync-1');
      // No virtual time was skipped: the poll ran before the scheduled hourly wake-up.
      expect(fake.polls[1].scheduledAtMs).toBeLessThan(Date.parse(first.nextPollAt!));
      await eventually(async () => expect(await p.status()).toMatchObject({ status: 'active', pollCount: 2 }));

      // A second syncNow without a request id does not reuse the previous one.
      await p.handle.signal(syncNowSignal);
      await eventually(() => expect(fake.pollCount()).toBe(3));
      expect(fake.polls[2].requestId).toBeUndefined();
    });
  });

  test('transient failures are retried 3 times per poll, each failed poll is one strike, five fail the connection and polling stops', async () => {
    const fake = new FakePollingActivities();
    fake.fallback = transient;
    fake.clock = () => env.currentTimeMs();
    await withPoller(fake, async (p) => {
      await advanceUntil('1 hour', async () => expect((await p.status()).status).toBe('failed'), 12);

      const polls = byPoll(fake.polls);
      expect(polls).toHaveLength(MAX_STRIKES);
      for (const attempts of polls) {
        expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'ProviderTransient'], [2, 'ProviderTransient'], [3, 'ProviderTransient']]);
        // Retry policy: 30 s initial interval, coefficient 2 (virtual time when each attempt ran).
        const [a1, a2, a3] = attempts.map((a) => a.ranAtMs!);
        expect(a2 - a1).toBeGreaterThanOrEqual(30_000);
        expect(a2 - a1).toBeLessThan(40_000);
        expect(a3 - a2).toBeGreaterThanOrEqual(60_000);
        expect(a3 - a2).toBeLessThan(70_000);
      }
      expect(fake.failures.map((f) => [f.strikes, f.failed])).toEqual([[1, false], [2, false], [3, false], [4, false], [5, true]]);
      for (const f of fake.failures) {
        expect(f.connectionId).toBe(p.connectionId);
        expect(f.error).toMatchObject({ code: PollFailureType.providerTransient, message: expect.stringContaining('fake ProviderTransient') });
      }

      const state = await p.status();
      expect(state).toMatchObject({ status: 'failed', strikes: 5, pollCount: 5, nextPollAt: null, lastError: { code: 'ProviderTransient' } });
      await eventually(async () => expect(await p.attributes()).toEqual({ strikes: 5, status: 'failed' }));

      // A failed connection waits for `resume`: no more polls however long we wait.
      await env.sleep('6 hours');
      expect(await p.status()).toMatchObject({ status: 'failed', strikes: 5, pollCount: 5 });
      expect(fake.polls).toHaveLength(15);
      expect(fake.failures).toHaveLength(5);
    });
  });

  test('a success after strikes resets them to 0; a poll that succeeds on retry counts no strike', async () => {
    const fake = new FakePollingActivities().then(permanent, permanent, permanent, 'ok', { ...transient, failingAttempts: 2 });
    await withPoller(fake, async (p) => {
      await eventually(async () => expect(await p.status()).toMatchObject({ strikes: 1, pollCount: 1, lastError: { code: 'ProviderPermanent' } }));
      for (const expected of [2, 3]) {
        await p.handle.signal(syncNowSignal);
        await eventually(async () => expect(await p.status()).toMatchObject({ status: 'active', strikes: expected, pollCount: expected }));
      }
      await eventually(async () => expect(await p.attributes()).toEqual({ strikes: 3, status: 'active' }));
      expect(fake.failures.map((f) => [f.strikes, f.failed])).toEqual([[1, false], [2, false], [3, false]]);

      await p.handle.signal(syncNowSignal);
      await eventually(async () => expect(await p.status()).toMatchObject({ status: 'active', strikes: 0, pollCount: 4, lastError: null }));
      await eventually(async () => expect(await p.attributes()).toEqual({ strikes: 0, status: 'active' }));

      // Two transient attempts fail, the third succeeds: still no strike.
      await p.handle.signal(syncNowSignal);
      await advanceUntil('1 minute', () => expect(fake.polls.filter((c) => c.outcome === 'ok').length).toBeGreaterThanOrEqual(2));
      const fifth = byPoll(fake.polls)[4];
      expect(fifth.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'ProviderTransient'], [2, 'ProviderTransient'], [3, 'ok']]);
      await eventually(async () => expect(await p.status()).toMatchObject({ strikes: 0, lastError: null, pollCount: expect.any(Number) }));
      expect(fake.failures).toHaveLength(3);
    });
  });

  test('ProviderPermanent counts one strike and is not retried', async () => {
    const fake = new FakePollingActivities().then(permanent);
    await withPoller(fake, async (p) => {
      await eventually(() => expect(fake.failures).toHaveLength(1));
      expect(fake.failures[0]).toMatchObject({ strikes: 1, failed: false, error: { code: 'ProviderPermanent' } });
      await eventually(async () => expect(await p.attributes()).toEqual({ strikes: 1, status: 'active' }));
      expect(await p.status()).toMatchObject({ status: 'active', strikes: 1, pollCount: 1 });
      // Well past any retry back-off: the failed poll was never attempted again.
      await env.sleep('5 minutes');
      expect(fake.polls.filter((c) => c.attempt > 1)).toHaveLength(0);
      expect(fake.polls.filter((c) => c.outcome === 'ProviderPermanent')).toHaveLength(1);
    });
  });

  test.each([
    ['CredentialRejected', credentialRejected],
    ['NeedsUserAction', needsUserAction],
  ])('%s fails the connection at once: one attempt, five strikes, no more polls', async (code, outcome) => {
    const fake = new FakePollingActivities().then(outcome);
    await withPoller(fake, async (p) => {
      await eventually(async () => expect(await p.status()).toMatchObject({ status: 'failed', strikes: MAX_STRIKES, pollCount: 1, nextPollAt: null, lastError: { code } }));
      expect(fake.polls.map((c) => [c.attempt, c.outcome])).toEqual([[1, code]]);
      expect(fake.failures).toEqual([expect.objectContaining({ connectionId: p.connectionId, strikes: 5, failed: true, error: expect.objectContaining({ code }) })]);
      await eventually(async () => expect(await p.attributes()).toEqual({ strikes: 5, status: 'failed' }));
      await env.sleep('3 hours');
      expect(fake.polls).toHaveLength(1);
    });
  });

  test('resume after failure resets strikes, publishes active and polls at once', async () => {
    const fake = new FakePollingActivities().then(credentialRejected);
    await withPoller(fake, async (p) => {
      await eventually(async () => expect(await p.status()).toMatchObject({ status: 'failed', strikes: 5 }));
      await env.sleep('2 hours');
      expect(fake.pollCount()).toBe(1);

      const before = await env.currentTimeMs();
      await p.handle.signal(resumeSignal);
      await eventually(() => expect(fake.pollCount()).toBe(2));
      expect(fake.polls[1].outcome).toBe('ok');
      expect(fake.polls[1].scheduledAtMs - before).toBeLessThan(60_000);
      expect(fake.statuses.map((s) => [s.status, s.strikes])).toEqual([['active', 0], ['active', 0]]);
      await eventually(async () => expect(await p.status()).toMatchObject({ status: 'active', strikes: 0, pollCount: 2, lastError: null }));
      await eventually(async () => expect(await p.attributes()).toEqual({ strikes: 0, status: 'active' }));

      // Back on the hourly schedule.
      await env.sleep('1 hour');
      await eventually(() => expect(fake.pollCount()).toBe(3));
    });
  });

  test('pause stops polling (even syncNow), resume restarts it at once', async () => {
    const fake = new FakePollingActivities().then(permanent);
    await withPoller(fake, async (p) => {
      await eventually(async () => expect(await p.status()).toMatchObject({ pollCount: 1, strikes: 1 }));

      await p.handle.signal(pauseSignal);
      await eventually(() => expect(fake.statuses.map((s) => [s.status, s.strikes])).toEqual([['active', 0], ['paused', 1]]));
      expect(fake.statuses[1].connectionId).toBe(p.connectionId);
      await eventually(async () => expect(await p.status()).toMatchObject({ status: 'paused', nextPollAt: null }));
      await eventually(async () => expect(await p.attributes()).toEqual({ strikes: 1, status: 'paused' }));

      await p.handle.signal(syncNowSignal);
      await env.sleep('3 hours');
      expect(await p.status()).toMatchObject({ status: 'paused', pollCount: 1 });
      expect(fake.pollCount()).toBe(1);

      await p.handle.signal(resumeSignal);
      await eventually(() => expect(fake.pollCount()).toBe(2));
      await eventually(async () => expect(await p.status()).toMatchObject({ status: 'active', strikes: 0, pollCount: 2 }));
      expect(fake.statuses.map((s) => [s.status, s.strikes])).toEqual([['active', 0], ['paused', 1], ['active', 0]]);
      await eventually(async () => expect(await p.attributes()).toEqual({ strikes: 0, status: 'active' }));
    });
  });

  test('ConnectionGone ends the workflow without counting a strike', async () => {
    const fake = new FakePollingActivities().then('ok', connectionGone);
    await withPoller(fake, async (p) => {
      await eventually(async () => expect((await p.status()).pollCount).toBe(1));
      await p.handle.signal(syncNowSignal);
      await expect(p.handle.result()).resolves.toBeUndefined();
      expect((await p.handle.describe()).status.name).toBe('COMPLETED');
      expect(fake.polls.map((c) => [c.attempt, c.outcome])).toEqual([[1, 'ok'], [1, 'ConnectionGone']]);
      expect(fake.failures).toHaveLength(0);
    });
  });
});

describe('connectionPollingWorkflow: failures of ours and races (time-skipping)', () => {
  test('an internal failure is retried with backoff and never counts a strike, however long it lasts', async () => {
    // Six hours of our own outage (every attempt fails), then it is over.
    const fake = new FakePollingActivities();
    fake.fallback = internal;
    fake.clock = () => env.currentTimeMs();
    await withPoller(fake, async (p) => {
      await env.sleep('6 hours');
      const failedPolls = byPoll(fake.polls);
      expect(failedPolls.length).toBeGreaterThan(6); // retried sooner than hourly at first, then at least hourly
      expect(failedPolls.every((attempts) => attempts.length === 3)).toBe(true); // the activity retry policy still applies
      expect(fake.failures).toEqual([]);
      expect(await p.status()).toMatchObject({ status: 'active', strikes: 0 });
      // Back-off between failed polls grows (1, 2, 4 … minutes after the retries) but never exceeds the hour.
      const starts = failedPolls.map((attempts) => attempts[0].ranAtMs!);
      const gaps = starts.slice(1).map((t, i) => t - starts[i]);
      expect(gaps[1]).toBeGreaterThan(gaps[0]);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(HOUR + 2 * 60_000);

      fake.fallback = 'ok';
      await advanceUntil('10 minutes', async () => expect((await p.status()).lastSuccessAt).not.toBeNull(), 8);
      expect(await p.status()).toMatchObject({ status: 'active', strikes: 0, lastError: null });
      await eventually(async () => expect(await p.attributes()).toEqual({ strikes: 0, status: 'active' }));
      expect(fake.failures).toEqual([]);
    });
  });

  test('pause cancels a poll in flight: no strike, no more polls until resume', async () => {
    const fake = new FakePollingActivities();
    const hold = fake.holdNextPoll();
    await withPoller(fake, async (p) => {
      await hold.started;
      await p.handle.signal(pauseSignal);
      await expect(hold.cancelled).resolves.toBe(true);
      await eventually(async () => expect(await p.status()).toMatchObject({ status: 'paused', strikes: 0, lastError: null }));
      expect(fake.failures).toEqual([]);
      await env.sleep('2 hours');
      expect(fake.polls).toEqual([]); // the cancelled poll never got past its hold, and none followed while paused
    });
  });

  test('a poll that a resume (new key) overtook cannot fail the connection; the next poll runs at once', async () => {
    const fake = new FakePollingActivities().then(credentialRejected, 'ok');
    const hold = fake.holdNextPoll();
    await withPoller(fake, async (p) => {
      await hold.started;
      await p.handle.signal(resumeSignal); // the key was replaced while the old key's poll was in flight
      hold.release();
      await eventually(() => expect(fake.pollCount()).toBe(2));
      await eventually(async () => expect(await p.status()).toMatchObject({ status: 'active', strikes: 0, pollCount: 2, lastError: null }));
      expect(fake.polls.map((c) => c.outcome)).toEqual(['CredentialRejected', 'ok']);
      expect(fake.failures).toEqual([]);
    });
  });

  test('a syncNow that arrives during a poll keeps its request id for the follow-up poll', async () => {
    const fake = new FakePollingActivities();
    const hold = fake.holdNextPoll();
    await withPoller(fake, async (p) => {
      await hold.started;
      await p.handle.signal(syncNowSignal, { requestId: 'req-during-poll' });
      hold.release();
      await eventually(() => expect(fake.pollCount()).toBe(2));
      expect(fake.logicalPolls().map((c) => c.requestId)).toEqual([undefined, 'req-during-poll']);
    });
  });

  test('the retry policy, not the activity, decides what is retried: permanent and key failures once, ours and transient three times', async () => {
    const fake = new FakePollingActivities().then(permanent, internal, transient, credentialRejected);
    await withPoller(fake, async (p) => {
      await advanceUntil('10 minutes', async () => expect((await p.status()).status).toBe('failed'), 40);
      expect(byPoll(fake.polls).map((attempts) => [attempts[0].outcome, attempts.length])).toEqual([
        ['ProviderPermanent', 1], ['InternalFailure', 3], ['ProviderTransient', 3], ['CredentialRejected', 1],
      ]);
    });
  });
});

describe('reconciliationWorkflow (time-skipping)', () => {
  test('a transiently failing connection is retried 3 times, then counted failed while the others complete', async () => {
    const fake = new FakePollingActivities();
    fake.connections = ['c1', 'c2', 'c3', 'c4', 'c5'];
    fake.repoll = async ({ connectionId }, attempt) => {
      if (connectionId === 'c3') throw Object.assign(new Error(`provider down (attempt ${attempt})`), { name: 'ProviderTransient' });
      return { buckets: 4, changed: Number(connectionId.slice(1)) };
    };
    const taskQueue = uniqueTaskQueue('recon-ts');
    // Heartbeats reach the server every second, so a cancellation reaches a held poll within a second.
  const worker = await Worker.create({
    connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities(), maxHeartbeatThrottleInterval: '1 second',
  });
    const result = await worker.runUntil(
      env.client.workflow.execute(reconciliationWorkflow, { taskQueue, workflowId: `reconciliation-${randomUUID()}`, args: [{ windowHours: 48, concurrency: 2 }] }),
    );
    expect(result).toEqual({ connections: 5, failed: 1, changed: 1 + 2 + 4 + 5 });
    expect(fake.listCalls).toBe(0);
    expect(fake.pageCalls).toEqual([{ after: null, limit: 200 }]);
    expect(fake.repolls.filter((r) => r.connectionId === 'c3').map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(fake.repolls.filter((r) => r.connectionId !== 'c3').map((r) => r.attempt)).toEqual([1, 1, 1, 1]);
    expect(new Set(fake.repolls.map((r) => r.hours))).toEqual(new Set([48]));
    expect(fake.maxInFlight).toBeLessThanOrEqual(2);
  });

  test('more connections than one run\'s history budget: paged by id, continued as new, each reconciled exactly once', async () => {
    const fake = new FakePollingActivities();
    fake.connections = Array.from({ length: 60 }, (_, i) => `c${String(i).padStart(2, '0')}`).reverse();
    fake.repoll = async ({ connectionId }) => {
      if (connectionId === 'c17' || connectionId === 'c42') throw ApplicationFailure.create({ type: PollFailureType.connectionGone, message: 'gone', nonRetryable: true });
      return { buckets: 1, changed: Number(connectionId.slice(1)) % 3 };
    };
    const taskQueue = uniqueTaskQueue('recon-can');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities() });
    const workflowId = `reconciliation-${randomUUID()}`;
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(reconciliationWorkflow, {
        taskQueue, workflowId, args: [{ windowHours: 24, concurrency: 4, pageSize: 10, historyBudget: 50 }],
      });
      const first = await handle.result(); // follows the continued runs to the last one
      expect((await env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).describe()).status.name).toBe('CONTINUED_AS_NEW');
      return first;
    });
    const sorted = [...fake.connections].sort();
    const expectedChanged = sorted.filter((id) => id !== 'c17' && id !== 'c42').reduce((sum, id) => sum + (Number(id.slice(1)) % 3), 0);
    expect(result).toEqual({ connections: 60, failed: 2, changed: expectedChanged });
    // Exactly once: one call per connection (the failures are non-retryable), none missed, none repeated.
    expect(fake.repolls.map((r) => r.connectionId).sort()).toEqual(sorted);
    const runIds = [...new Set(fake.repolls.map((r) => r.runId))];
    expect(runIds.length).toBeGreaterThanOrEqual(3);
    // Keyset pages: each starts after the last id of the page before, across runs.
    expect(fake.pageCalls.map((c) => c.after)).toEqual([null, ...Array.from({ length: 6 }, (_, i) => sorted[i * 10 + 9])]);
    expect(fake.listCalls).toBe(0);
  });
});

describe('connectionRepairWorkflow (time-skipping)', () => {
  test('more pages than one run\'s history budget: continued as new with cursor and totals, each page once', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const asked: RepairPageInput[] = [];
    const runIds = new Set<string>();
    const activities = {
      repairConnectionPollers: async (input: RepairPageInput): Promise<RepairPageResult> => {
        asked.push(input);
        runIds.add(Context.current().info.workflowExecution?.runId ?? '');
        const page = ids.filter((id) => input.after === null || id > input.after).slice(0, input.limit);
        const last = page[page.length - 1];
        const nextAfter = page.length === input.limit && last !== ids[ids.length - 1] ? last : null;
        return { checked: page.length, running: page.length - 2, started: 1, skipped: 1, failed: 0, nextAfter };
      },
    } satisfies Partial<RepairActivities>;
    const taskQueue = uniqueTaskQueue('repair-can');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
    const workflowId = `connection-repair-${randomUUID()}`;
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(connectionRepairWorkflow, { taskQueue, workflowId, args: [{ pageSize: 3, concurrency: 2, historyBudget: 20 }] });
      expect(await handle.result()).toEqual({ checked: 60, running: 20, started: 20, skipped: 20, failed: 0 });
      expect((await env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).describe()).status.name).toBe('CONTINUED_AS_NEW');
    });
    expect(runIds.size).toBeGreaterThanOrEqual(3);
    expect(asked).toHaveLength(20);
    expect(asked.map((a) => a.after)).toEqual([null, ...Array.from({ length: 19 }, (_, i) => ids[i * 3 + 2])]);
  });
});
