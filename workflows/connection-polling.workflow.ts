import {
  ActivityFailure, ApplicationFailure, CancellationScope, condition, continueAsNew, defineQuery, defineSignal, isCancellation,
  log, patched, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { ConnectionRunStatus, ConnectionWorkflowInput, ConnectionWorkflowState, LastError, SyncNowSignal } from '../contracts/workflows';
import { MAX_STRIKES, PollFailureType } from '../contracts/poll-failure-types';
import type { PollingActivities } from '../activities/polling.activities';
import { ConnectionStatusKey, StrikesKey } from './search-attributes';

export const syncNowSignal = defineSignal<[SyncNowSignal?]>('syncNow');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const statusQuery = defineQuery<ConnectionWorkflowState>('status');

const { pollConnection } = proxyActivities<PollingActivities>({
  // A backfill of 30 days is a few dozen provider pages. The activity heartbeats every 10 s while it runs, so a
  // worker that dies mid-poll is noticed within 30 s and another one retries.
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '30 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [PollFailureType.credentialRejected, PollFailureType.needsUserAction, PollFailureType.providerPermanent, PollFailureType.connectionGone],
  },
});
const { recordPollFailure, setConnectionStatus } = proxyActivities<PollingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** A few minutes past the hour: providers publish the last hour's usage with a short delay. */
const DEFAULT_POLL_OFFSET_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;

/**
 * The next hourly poll at `offsetMs` past the hour. Runs started before the offset was an input have none and
 * keep :05, so their timers replay unchanged; the starter spreads new runs across the hour.
 */
function nextPollTime(now: number, offsetMs: number): number {
  const next = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS + offsetMs;
  return next - now > HOUR_MS ? next - HOUR_MS : next;
}

function describeFailure(err: unknown, at: string): { type: string; error: LastError } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Unknown', error: { code: cause.type ?? 'Unknown', message: cause.message, at } };
  return { type: 'Unknown', error: { code: 'Unknown', message: err instanceof Error ? err.message : String(err), at } };
}

/** Only the provider's answers are the customer's strikes; anything else (our outage, a timeout, a bug) is ours. */
const STRIKE_TYPES: ReadonlySet<string> = new Set([
  PollFailureType.credentialRejected, PollFailureType.needsUserAction, PollFailureType.providerPermanent, PollFailureType.providerTransient,
]);

/** Retry delay after our own failure: 1, 2, 4 … minutes, never later than the next hourly poll. */
const internalRetryDelayMs = (failures: number): number => Math.min(60_000 * 2 ** Math.min(failures - 1, 6), HOUR_MS);

/**
 * Behaviour added after runs were already in flight, decided once per run so a run keeps one behaviour: our
 * failures are no strikes, pause cancels an in-flight poll, a poll that a resume overtook cannot fail the
 * connection. Runs started before it replay the old commands unchanged.
 */
const INTEGRITY_PATCH = 'our-failures-are-no-strikes';

/**
 * `connection:{id}`: polls a provider account every hour for as long as the connection exists.
 * Strikes: a poll that fails after its retries counts one; a rejected key or a quota/billing stop counts all
 * five. At five the connection is `failed` and the workflow waits for `resume` (sent when the key is replaced).
 */
export async function connectionPollingWorkflow(rawInput: ConnectionWorkflowInput): Promise<void> {
  const input = { status: 'active' as ConnectionRunStatus, strikes: 0, lastError: null as LastError | null, pollCount: 0, ...rawInput };
  let status = input.status;
  let strikes = input.strikes;
  let lastError = input.lastError;
  let pollCount = input.pollCount;
  let cursor: string | null = input.cursor ?? null;
  let lastSuccessAt: string | null = input.lastSuccessAt ?? null;
  let nextPollAt: number | null = null;
  let syncRequested = false;
  let requestId = input.requestId;
  const isPatched = patched(INTEGRITY_PATCH);
  const pollOffsetMs = input.pollOffsetSeconds === undefined ? DEFAULT_POLL_OFFSET_MS : input.pollOffsetSeconds * 1000;
  let internalFailures = 0;
  let resumes = 0;
  let inFlightPoll: CancellationScope | null = null;

  setHandler(syncNowSignal, (signal) => { syncRequested = true; requestId = signal?.requestId; });
  setHandler(pauseSignal, () => {
    if (status !== 'active') return;
    status = 'paused';
    if (isPatched) inFlightPoll?.cancel();
  });
  setHandler(resumeSignal, () => { status = 'active'; strikes = 0; syncRequested = true; resumes += 1; });
  setHandler(statusQuery, () => ({ status, strikes, lastError, pollCount, cursor, lastSuccessAt, nextPollAt: nextPollAt ? new Date(nextPollAt).toISOString() : null }));

  const publish = async (persistedStatus: ConnectionRunStatus) => {
    upsertSearchAttributes([{ key: ConnectionStatusKey, value: persistedStatus }, { key: StrikesKey, value: strikes }]);
    await setConnectionStatus({ connectionId: input.connectionId, status: persistedStatus, strikes });
  };

  let persisted: ConnectionRunStatus | null = null;
  /** Keeps the row in Postgres and the search attributes on the workflow's view of the status. */
  const syncPersisted = async () => {
    if (status === persisted) return;
    await publish(status);
    persisted = status;
  };

  for (let iteration = 0; ; iteration++) {
    // Checked when a wait ends, before the next poll, so the new run polls exactly when this one would have.
    if (iteration > 0 && workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof connectionPollingWorkflow>({ ...input, status, strikes, lastError, pollCount, requestId, cursor, lastSuccessAt });
    }
    await syncPersisted();
    if (status === 'active') {
      syncRequested = false;
      // The request id of a syncNow that arrives during this poll is kept for the follow-up poll it asks for.
      const pollRequestId = requestId;
      if (isPatched) requestId = undefined;
      const resumesBefore = resumes;
      try {
        const scope = new CancellationScope();
        inFlightPoll = scope;
        const result = await scope.run(() => pollConnection({ connectionId: input.connectionId, requestId: pollRequestId }));
        cursor = result.cursor;
        lastSuccessAt = result.at;
        strikes = 0;
        lastError = null;
        internalFailures = 0;
        upsertSearchAttributes([{ key: StrikesKey, value: 0 }]);
      } catch (err) {
        const { type, error } = describeFailure(err, new Date().toISOString());
        if (type === PollFailureType.connectionGone) {
          // Deleted under us: nothing left to poll. Operators filtering on ConnectionStatus see why it ended.
          upsertSearchAttributes([{ key: ConnectionStatusKey, value: 'deleted' }]);
          return;
        }
        if (isPatched && (!STRIKE_TYPES.has(type) || isCancellation(err) || resumes !== resumesBefore)) {
          // Ours, cancelled by a pause, or overtaken by a new key: never the customer's strike.
          if (!isCancellation(err) && resumes === resumesBefore) {
            internalFailures += 1;
            log.warn('poll failed on our side; retrying without a strike', { connectionId: input.connectionId, type, internalFailures });
          }
        } else {
          const isImmediate = type === PollFailureType.credentialRejected || type === PollFailureType.needsUserAction;
          strikes = isImmediate ? MAX_STRIKES : Math.min(strikes + 1, MAX_STRIKES);
          lastError = error;
          const hasFailed = strikes >= MAX_STRIKES;
          await recordPollFailure({ connectionId: input.connectionId, strikes, error, failed: hasFailed });
          upsertSearchAttributes([{ key: StrikesKey, value: strikes }]);
          if (hasFailed) { status = 'failed'; persisted = 'failed'; upsertSearchAttributes([{ key: ConnectionStatusKey, value: 'failed' }]); }
        }
      } finally {
        inFlightPoll = null;
      }
      pollCount += 1;
      if (!isPatched) requestId = undefined;
    }

    await syncPersisted();

    if (status === 'active') {
      const hourly = nextPollTime(Date.now(), pollOffsetMs);
      const wakeAt = internalFailures > 0 ? Math.min(hourly, Date.now() + internalRetryDelayMs(internalFailures)) : hourly;
      nextPollAt = wakeAt;
      await condition(() => syncRequested || status !== 'active', wakeAt - Date.now());
    } else {
      nextPollAt = null;
      const waitingIn = status;
      await condition(() => status !== waitingIn);
    }
  }
}
