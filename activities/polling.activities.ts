import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Provider } from '../contracts/usage';
import { PollFailureType, type ConnectionPageInput, type ConnectionRunStatus, type LastError, type PollResult } from '../contracts/workflows';
import { ProviderError, type Connectors } from '../src/connectors';
import { ProviderConnectionEntity } from '../src/db/entities';
import { ensureUsagePartitions, usagePartitionWindow } from '../src/db/usage-partitions';
import type { ProviderKeyStore } from '../src/integrations/secrets';
import type { IngestService } from '../src/services/telemetry/ingest.service';
import { pollWindow } from '../src/services/telemetry/poll-window';
import { toPollFailure } from './poll-failures';

export interface PollingDeps {
  dataSource: DataSource;
  connectors: Connectors;
  providerKeys: ProviderKeyStore;
  ingest: IngestService;
  logger: Logger;
  backfillDays: number;
  now?: () => Date;
}

/**
 * Heartbeats every 10 s for as long as `work` runs, not only between pages: a slow provider page must not look
 * like a dead worker, and a dead worker must be noticed within the heartbeat timeout.
 */
async function withHeartbeat<T>(progress: () => unknown, work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(progress()), 10_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export function createPollingActivities(deps: PollingDeps) {
  const now = deps.now ?? (() => new Date());
  const connections = () => deps.dataSource.getRepository(ProviderConnectionEntity);

  async function loadLive(connectionId: string): Promise<ProviderConnectionEntity> {
    const row = await connections().findOneBy({ id: connectionId });
    if (!row || row.status === 'deleted' || !row.secretRef) {
      throw ApplicationFailure.create({ type: PollFailureType.connectionGone, message: `connection ${connectionId} no longer exists`, nonRetryable: true });
    }
    return row;
  }

  /** Reads usage for `window` page by page, ingesting each page; heartbeats so a dead worker is noticed. */
  async function readAndIngest(row: ProviderConnectionEntity, window: { from: Date; to: Date }): Promise<{ buckets: number; changed: number }> {
    try {
      return await readAndIngestWithKey(row, window, await deps.providerKeys.getProviderKey(row.secretRef!, { orgId: row.orgId }));
    } catch (err) {
      // The key may have been replaced through the API (another process) since this worker cached it:
      // re-read it once before a rejection is allowed to fail the connection.
      if (!(err instanceof ProviderError && err.isCredentialRejected)) throw err;
      deps.providerKeys.forgetCachedKey(row.secretRef!);
      return readAndIngestWithKey(row, window, await deps.providerKeys.getProviderKey(row.secretRef!, { orgId: row.orgId }));
    }
  }

  async function readAndIngestWithKey(row: ProviderConnectionEntity, window: { from: Date; to: Date }, key: string): Promise<{ buckets: number; changed: number }> {
    const connector = deps.connectors[row.provider as Provider];
    // Deleting or pausing the connection (or the worker shutting down) cancels the activity: the provider call
    // is aborted and nothing read after that is ingested.
    const signal = Context.current().cancellationSignal;
    let buckets = 0;
    let changed = 0;
    for await (const page of connector.pollUsage({ key, ...window, signal })) {
      const fetchedAt = now();
      if (signal.aborted) throw signal.reason;
      const result = await deps.ingest.ingest({ id: row.id, orgId: row.orgId, projectId: row.projectId, provider: row.provider }, page, { fetchedAt });
      buckets += result.received;
      changed += result.inserted + result.updated;
      Context.current().heartbeat({ buckets });
    }
    return { buckets, changed };
  }

  /** Loads the row; a database failure is ours (InternalFailure), a deleted row ends the poller. */
  async function loadLiveOrFail(connectionId: string, log: Logger): Promise<ProviderConnectionEntity> {
    try {
      return await loadLive(connectionId);
    } catch (err) {
      return toPollFailure(err, { provider: 'unknown', log });
    }
  }

  return {
    /** One hourly poll: secret → connector from the cursor (minus overlap) to now → ingest → advance the cursor. */
    async pollConnection(input: { connectionId: string; requestId?: string }): Promise<PollResult> {
      const row = await loadLiveOrFail(input.connectionId, deps.logger.child({ connectionId: input.connectionId, requestId: input.requestId }));
      const at = now();
      const log = deps.logger.child({ connectionId: row.id, orgId: row.orgId, provider: row.provider, requestId: input.requestId });
      try {
        const { buckets, changed } = await withHeartbeat(() => ({ at: at.toISOString() }), () => readAndIngest(row, pollWindow(row.provider as Provider, row.cursor, at, deps.backfillDays)));
        await connections().update({ id: row.id }, { cursor: at, lastPolledAt: at, lastSuccessAt: at, consecutiveFailures: 0, lastError: null });
        log.info({ buckets, changed }, 'poll succeeded');
        return { cursor: at.toISOString(), buckets, changed, at: at.toISOString() };
      } catch (err) {
        if (err instanceof ProviderError) log.warn({ code: err.code, status: err.status, providerRequestId: err.requestId }, 'poll attempt failed at the provider');
        toPollFailure(err, { provider: row.provider, log });
      }
    },

    /** Re-reads a trailing window without moving the cursor (daily reconciliation). */
    async repollWindow(input: { connectionId: string; hours: number }): Promise<{ buckets: number; changed: number }> {
      const log = deps.logger.child({ connectionId: input.connectionId, activity: 'repollWindow' });
      const row = await loadLiveOrFail(input.connectionId, log);
      const to = now();
      try {
        return await withHeartbeat(() => ({ at: to.toISOString() }), () => readAndIngest(row, { from: new Date(to.getTime() - input.hours * 3_600_000), to }));
      } catch (err) {
        toPollFailure(err, { provider: row.provider, log });
      }
    },

    async recordPollFailure(input: { connectionId: string; strikes: number; error: LastError; failed: boolean }): Promise<void> {
      await deps.dataSource.query(
        `UPDATE provider_connections SET consecutive_failures = $2, last_error = $3, last_polled_at = now(), updated_at = now(),
           status = CASE WHEN $4 AND status <> 'deleted' THEN 'failed' ELSE status END
         WHERE id = $1`,
        [input.connectionId, input.strikes, JSON.stringify(input.error), input.failed],
      );
    },

    async setConnectionStatus(input: { connectionId: string; status: ConnectionRunStatus; strikes: number }): Promise<void> {
      await deps.dataSource.query(
        `UPDATE provider_connections SET status = $2, consecutive_failures = $3, updated_at = now() WHERE id = $1 AND status <> 'deleted'`,
        [input.connectionId, input.status, input.strikes],
      );
    },

    /** Unpaged: only for reconciliation runs started before paging (replay); remove once none can be open. */
    async listActiveConnections(): Promise<string[]> {
      const rows: Array<{ id: string }> = await deps.dataSource.query(`SELECT id FROM provider_connections WHERE status = 'active' ORDER BY id`);
      return rows.map((r) => r.id);
    },

    /**
     * Keyset page: active ids strictly after `after`, by id, so a pass never skips or repeats a row whatever changes.
     * The first page of the daily reconciliation also creates the coming months' usage_events partitions: a daily
     * activity already, so no workflow changes; idempotent, and a no-op on most days.
     */
    async listActiveConnectionsPage(input: ConnectionPageInput): Promise<string[]> {
      if (input.after === null) await ensureUsagePartitions(deps.dataSource, usagePartitionWindow((deps.now ?? (() => new Date()))()));
      const rows: Array<{ id: string }> = await deps.dataSource.query(
        `SELECT id FROM provider_connections WHERE status = 'active' AND ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
        [input.after, input.limit],
      );
      return rows.map((r) => r.id);
    },
  };
}

export type PollingActivities = ReturnType<typeof createPollingActivities>;
