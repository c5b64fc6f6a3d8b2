import { AsyncLocalStorage } from 'node:async_hooks';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ProviderError, type Connectors, type UsageConnector } from '../connectors';
import type { IngestService } from '../services/telemetry/ingest.service';
import { startMetricsServer } from './metrics-server';

/**
 * Polls, strikes, ingestion and provider calls happen in the worker, so their counters live here and are
 * scraped from the worker's own loopback port (an API instance never sees them). Counting wraps the worker's
 * dependencies and activities from outside, so the activities stay free of metrics code.
 */
export interface WorkerMetrics {
  url: string;
  /** Wraps what createActivities returned: polls by outcome and provider, strikes. */
  instrument<A extends object>(activities: A): A;
  close(): Promise<void>;
}

type Instrumented = { connectors: Connectors; ingest: IngestService };

function createCounters(registry: Registry) {
  const registers = [registry];
  return {
    polls: new Counter({ name: 'carbonplan_polls_total', help: 'Polls by kind (hourly, reconcile), provider and outcome (success, a PollFailureType, cancelled, error)', labelNames: ['kind', 'provider', 'outcome'], registers }),
    strikes: new Counter({ name: 'carbonplan_strikes_total', help: 'Failed polls recorded against a connection; is_final="true" when it failed the connection', labelNames: ['is_final'], registers }),
    ingestedRows: new Counter({ name: 'carbonplan_ingested_rows_total', help: 'Usage buckets ingested by provider and result (inserted, updated, unchanged, stale)', labelNames: ['provider', 'result'], registers }),
    ingestSeconds: new Histogram({ name: 'carbonplan_ingest_duration_seconds', help: 'Time to ingest one provider page', labelNames: ['provider'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers }),
    providerSeconds: new Histogram({ name: 'carbonplan_provider_request_duration_seconds', help: 'Provider usage API calls (one page, or a key validation) by outcome', labelNames: ['provider', 'operation', 'outcome'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers }),
    providerErrors: new Counter({ name: 'carbonplan_provider_errors_total', help: 'Provider errors by class (kind: transient, permanent, needs_user_action) and code', labelNames: ['provider', 'kind', 'code'], registers }),
  };
}
type Counters = ReturnType<typeof createCounters>;

/** The provider a poll reached, so its outcome can be labelled with it ("unknown" when it failed before). */
const pollScope = new AsyncLocalStorage<{ provider?: string }>();

function outcomeOf(err: unknown): string {
  if (err instanceof CancelledFailure || (err instanceof Error && err.name === 'AbortError')) return 'cancelled';
  if (err instanceof ApplicationFailure && err.type) return err.type;
  return 'error';
}

async function timed<T>(m: Counters, provider: string, operation: string, call: () => Promise<T>): Promise<T> {
  const end = m.providerSeconds.startTimer({ provider, operation });
  try {
    const result = await call();
    end({ outcome: 'ok' });
    return result;
  } catch (err) {
    end({ outcome: err instanceof ProviderError ? 'error' : 'aborted' });
    if (err instanceof ProviderError) m.providerErrors.inc({ provider, kind: err.kind, code: err.code });
    throw err;
  }
}

function instrumentConnector(connector: UsageConnector, m: Counters): UsageConnector {
  const { provider } = connector;
  return {
    provider,
    validateKey: (key) => timed(m, provider, 'validate_key', () => connector.validateKey(key)),
    pollUsage(input) {
      const scope = pollScope.getStore();
      if (scope) scope.provider = provider;
      const pages = connector.pollUsage(input)[Symbol.asyncIterator]();
      return {
        [Symbol.asyncIterator]: () => ({
          next: () => timed(m, provider, 'usage_page', () => pages.next()),
          return: async (value?: unknown) => (pages.return ? pages.return(value) : { done: true as const, value: undefined }),
        }),
      };
    },
  };
}

function instrumentIngest(ingest: IngestService, m: Counters): IngestService {
  const wrapped: Pick<IngestService, 'ingest'> = {
    async ingest(target, buckets, options) {
      const end = m.ingestSeconds.startTimer({ provider: target.provider });
      const result = await ingest.ingest(target, buckets, options);
      end();
      for (const key of ['inserted', 'updated', 'unchanged', 'stale'] as const) if (result[key]) m.ingestedRows.inc({ provider: target.provider, result: key }, result[key]);
      return result;
    },
  };
  // Everything but ingest() still answers from the real service.
  return Object.assign(Object.create(ingest) as IngestService, wrapped);
}

const POLL_KINDS: Record<string, string> = { pollConnection: 'hourly', repollWindow: 'reconcile' };

function instrumentActivities<A extends object>(activities: A, m: Counters): A {
  const out = { ...activities } as Record<string, unknown>;
  for (const [name, kind] of Object.entries(POLL_KINDS)) {
    const activity = out[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (!activity) continue;
    out[name] = (...args: unknown[]) => {
      const scope: { provider?: string } = {};
      return pollScope.run(scope, async () => {
        try {
          const result = await activity(...args);
          m.polls.inc({ kind, provider: scope.provider ?? 'unknown', outcome: 'success' });
          return result;
        } catch (err) {
          m.polls.inc({ kind, provider: scope.provider ?? 'unknown', outcome: outcomeOf(err) });
          throw err;
        }
      });
    };
  }
  const record = out.recordPollFailure as ((input: { failed: boolean }) => Promise<void>) | undefined;
  if (record) {
    out.recordPollFailure = async (input: { failed: boolean }) => {
      await record(input);
      m.strikes.inc({ is_final: String(input.failed) });
    };
  }
  return out as A;
}

/**
 * Replaces `deps.connectors` and `deps.ingest` with counting wrappers (call before the worker starts) and
 * serves the worker's registry on `port` of `host`.
 */
export async function startWorkerMetrics(options: { host: string; port: number; logger: Logger }, deps: Instrumented): Promise<WorkerMetrics> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = createCounters(registry);
  deps.connectors = Object.fromEntries(Object.entries(deps.connectors).map(([p, c]) => [p, instrumentConnector(c, m)])) as Connectors;
  deps.ingest = instrumentIngest(deps.ingest, m);
  const server = await startMetricsServer({ registry, ...options });
  return { url: server.url, instrument: (activities) => instrumentActivities(activities, m), close: server.close };
}
