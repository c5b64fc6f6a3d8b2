// Shared helpers for workflow tests: fake activities at the activity boundary, a quiet Runtime, one bundle per
// file, search-attribute registration and `eventually` (poll an assertion until a deadline instead of sleeping).
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { DefaultLogger, Runtime, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { Connection } from '@temporalio/client';
import type { PollingActivities } from '../../activities/polling.activities';
import { SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { PollFailureType, type ConnectionRunStatus, type LastError, type PollResult } from '../../contracts/workflows';

export type PollFailureTypeName = (typeof PollFailureType)[keyof typeof PollFailureType];

/**
 * What one logical poll (all attempts of one scheduled `pollConnection`) does.
 * - `'ok'`: succeeds at once.
 * - `{ fail, nonRetryable, failingAttempts }`: throws `ApplicationFailure(type = fail)` on the first
 *   `failingAttempts` attempts (default: every attempt), then succeeds. The presets below leave `nonRetryable`
 *   unset, as the real activities do for most types: whether a type is retried is the workflow's retry policy.
 */
export type PollFailure = { fail: PollFailureTypeName; nonRetryable?: boolean; failingAttempts?: number };
export type PollOutcome = 'ok' | PollFailure;

export const transient: PollFailure = { fail: PollFailureType.providerTransient };
export const permanent: PollFailure = { fail: PollFailureType.providerPermanent };
export const credentialRejected: PollFailure = { fail: PollFailureType.credentialRejected };
export const needsUserAction: PollFailure = { fail: PollFailureType.needsUserAction };
export const connectionGone: PollFailure = { fail: PollFailureType.connectionGone };
export const internal: PollFailure = { fail: PollFailureType.internal };

interface CallContext {
  workflowId: string;
  runId: string;
  attempt: number;
  activityId: string;
  /** When the workflow scheduled the activity (first attempt: exact server time, virtual on the time-skipping server). */
  scheduledAtMs: number;
  /** Server time when this attempt ran, when the fake has a `clock` (retries: the time-skipping server reports
   * `currentAttemptScheduledTimestampMs` as the previous attempt's time, so it cannot measure back-off). */
  ranAtMs?: number;
}
export interface PollCall extends CallContext { connectionId: string; requestId?: string; outcome: 'ok' | PollFailureTypeName }
export interface FailureCall extends CallContext { connectionId: string; strikes: number; error: LastError; failed: boolean }
export interface StatusCall extends CallContext { connectionId: string; status: ConnectionRunStatus; strikes: number }
export interface RepollCall extends CallContext { connectionId: string; hours: number }

async function callContext(clock?: () => Promise<number>): Promise<CallContext> {
  const info = Context.current().info;
  return {
    ranAtMs: clock ? await clock() : undefined,
    workflowId: info.workflowExecution?.workflowId ?? '',
    runId: info.workflowExecution?.runId ?? '',
    attempt: info.attempt,
    activityId: info.activityId,
    // Exact for first attempts (virtual time on the time-skipping server); see ranAtMs for retries.
    scheduledAtMs: info.currentAttemptScheduledTimestampMs,
  };
}

/**
 * Plain-object implementation of PollingActivities that records every call and fails as scripted.
 * Outcomes are taken from `script` in order (one per logical poll; retries reuse their poll's outcome),
 * then `fallback`.
 */
export class FakePollingActivities {
  readonly polls: PollCall[] = [];
  readonly failures: FailureCall[] = [];
  readonly statuses: StatusCall[] = [];
  readonly repolls: RepollCall[] = [];
  readonly script: PollOutcome[] = [];
  fallback: PollOutcome = 'ok';
  /** Server clock (e.g. `() => env.currentTimeMs()`) to stamp each call with `ranAtMs`. */
  clock?: () => Promise<number>;

  /** For reconciliation: what listActiveConnections(Page) answers and what repollWindow does. */
  connections: string[] = [];
  repoll: (input: { connectionId: string; hours: number }, attempt: number) => Promise<{ buckets: number; changed: number }> =
    async () => ({ buckets: 1, changed: 1 });
  listCalls = 0;
  /** listActiveConnectionsPage calls, in order. */
  readonly pageCalls: Array<{ after: string | null; limit: number }> = [];
  inFlight = 0;
  maxInFlight = 0;

  private readonly outcomes = new Map<string, PollOutcome>();
  private pendingHold?: PollHold;

  /**
   * Holds the next logical poll in flight (heartbeating, so a cancellation reaches it) until `release()`; it then
   * follows its scripted outcome. `cancelled` resolves true when the workflow cancelled it instead.
   */
  holdNextPoll(): PollHold {
    let release!: () => void;
    let started!: () => void;
    let cancelled!: (value: boolean) => void;
    const hold: PollHold = {
      release: () => release(),
      released: new Promise<void>((r) => { release = r; }),
      started: new Promise<void>((r) => { started = r; }),
      cancelled: new Promise<boolean>((r) => { cancelled = r; }),
      markStarted: () => started(),
      markCancelled: (value: boolean) => cancelled(value),
    };
    this.pendingHold = hold;
    return hold;
  }

  /** Logical polls started (first attempts), optionally of one run. */
  pollCount(runId?: string): number {
    return this.polls.filter((p) => p.attempt === 1 && (runId === undefined || p.runId === runId)).length;
  }

  /** First attempts only: one entry per logical poll. */
  logicalPolls(runId?: string): PollCall[] {
    return this.polls.filter((p) => p.attempt === 1 && (runId === undefined || p.runId === runId));
  }

  then(...outcomes: PollOutcome[]): this {
    this.script.push(...outcomes);
    return this;
  }

  activities(): PollingActivities {
    return {
      pollConnection: async (input: { connectionId: string; requestId?: string }): Promise<PollResult> => {
        const ctx = await callContext(this.clock);
        const key = `${ctx.runId}/${ctx.activityId}`;
        let outcome = this.outcomes.get(key);
        if (!outcome) {
          outcome = this.script.length > 0 ? this.script.shift()! : this.fallback;
          this.outcomes.set(key, outcome);
        }
        if (this.pendingHold && ctx.attempt === 1) {
          const hold = this.pendingHold;
          this.pendingHold = undefined;
          await waitHeld(hold);
        }
        const fails = outcome !== 'ok' && ctx.attempt <= (outcome.failingAttempts ?? Number.POSITIVE_INFINITY);
        this.polls.push({ ...ctx, connectionId: input.connectionId, requestId: input.requestId, outcome: fails && outcome !== 'ok' ? outcome.fail : 'ok' });
        if (fails && outcome !== 'ok') {
          throw ApplicationFailure.create({ type: outcome.fail, message: `fake ${outcome.fail} (attempt ${ctx.attempt})`, nonRetryable: outcome.nonRetryable ?? false });
        }
        const at = new Date(ctx.scheduledAtMs).toISOString();
        return { cursor: at, buckets: 3, changed: 2, at };
      },
      repollWindow: async (input: { connectionId: string; hours: number }) => {
        const ctx = await callContext(this.clock);
        this.repolls.push({ ...ctx, ...input });
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          return await this.repoll(input, ctx.attempt);
        } finally {
          this.inFlight -= 1;
        }
      },
      recordPollFailure: async (input: { connectionId: string; strikes: number; error: LastError; failed: boolean }) => {
        this.failures.push({ ...(await callContext(this.clock)), ...input });
      },
      setConnectionStatus: async (input: { connectionId: string; status: ConnectionRunStatus; strikes: number }) => {
        this.statuses.push({ ...(await callContext(this.clock)), ...input });
      },
      listActiveConnections: async () => {
        this.listCalls += 1;
        return [...this.connections];
      },
      listActiveConnectionsPage: async (input: { after: string | null; limit: number }) => {
        this.pageCalls.push(input);
        return [...this.connections].sort().filter((id) => input.after === null || id > input.after).slice(0, input.limit);
      },
    } as PollingActivities;
  }
}

export interface PollHold {
  release(): void;
  released: Promise<void>;
  started: Promise<void>;
  cancelled: Promise<boolean>;
  markStarted(): void;
  markCancelled(value: boolean): void;
}

async function waitHeld(hold: PollHold): Promise<void> {
  const context = Context.current();
  hold.markStarted();
  let isReleased = false;
  void hold.released.then(() => { isReleased = true; });
  while (!isReleased) {
    if (context.cancellationSignal.aborted) {
      hold.markCancelled(true);
      throw context.cancellationSignal.reason;
    }
    context.heartbeat();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  hold.markCancelled(false);
}

let runtimeInstalled = false;
/** One Runtime per Jest file (module registry is per file); errors only, so expected activity failures stay quiet. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  runtimeInstalled = true;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflows of workflows/index.ts, bundled once per file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') });
  return bundle;
}

/** Registers contracts/search-attributes.ts on a server that lacks them (the time-skipping server). */
export async function registerSearchAttributes(connection: Connection, namespace = 'default'): Promise<void> {
  const types: Record<string, temporal.api.enums.v1.IndexedValueType> = {
    Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  };
  const searchAttributes = Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, types[type]]));
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

export const uniqueTaskQueue = (prefix: string) => `${prefix}-${randomUUID()}`;

/** Retries `check` (an assertion or a value producer) until it stops throwing, or rethrows its last error at the deadline. */
export async function eventually<T>(check: () => T | Promise<T>, { timeoutMs = 15_000, intervalMs = 50 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
