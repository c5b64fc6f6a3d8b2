import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { RepairPageInput, RepairPageResult } from '../contracts/workflows';
import { ProviderConnectionEntity } from '../src/db/entities';
import { isTemporalUnavailable, pollerStartOf, type ConnectionWorkflows } from '../src/services/connections/connection-workflows';

export interface RepairDeps {
  dataSource: DataSource;
  logger: Logger;
  /** The worker's own Temporal client: the repair pass starts pollers the way the API does. */
  workflows: ConnectionWorkflows;
}

export const repairedPollers = new Counter({
  name: 'carbonplan_pollers_repaired_total',
  help: 'Pollers the repair pass started for live connections that had none running',
  labelNames: ['provider', 'status'],
});

type Outcome = 'running' | 'started' | 'skipped' | 'failed';

/** Runs `work` over `items` with at most `concurrency` in flight; stops taking new items once `shouldStop()`. */
async function forEachBounded<T>(items: T[], concurrency: number, shouldStop: () => boolean, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length && !shouldStop()) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

export function createRepairActivities(deps: RepairDeps) {
  const connections = () => deps.dataSource.getRepository(ProviderConnectionEntity);
  const isLive = (row: ProviderConnectionEntity | null): row is ProviderConnectionEntity => !!row && row.status !== 'deleted' && !!row.secretRef;

  async function repairOne(connectionId: string, log: Logger): Promise<Outcome> {
    const previous = await deps.workflows.pollerStatus(connectionId);
    if (previous === 'RUNNING') return 'running';
    // Read after the describe: the state the new poller starts from is the newest the row has.
    const row = await connections().findOneBy({ id: connectionId });
    if (!isLive(row)) return 'skipped';
    await deps.workflows.start(pollerStartOf(row));
    // A delete that stopped the old poller just before this start must not leave the new one running.
    if (!isLive(await connections().findOneBy({ id: connectionId }))) {
      await deps.workflows.stop(connectionId);
      return 'skipped';
    }
    repairedPollers.inc({ provider: row.provider, status: row.status });
    log.warn({ connectionId, orgId: row.orgId, provider: row.provider, status: row.status, previous: previous ?? 'none' }, 'started a missing poller');
    return 'started';
  }

  return {
    /**
     * One page of the repair pass: for each live connection with a key (by id, after `after`), starts its
     * poller when none runs, in the connection's own state. Safe to run twice at once and beside the API:
     * every start uses the existing run when there is one. An unreachable Temporal fails the page (retried);
     * any other failure is one connection's, logged and counted, and the next pass tries it again.
     */
    async repairConnectionPollers(input: RepairPageInput): Promise<RepairPageResult> {
      const log = deps.logger.child({ activity: 'repairConnectionPollers' });
      const context = Context.current();
      const rows: Array<{ id: string }> = await deps.dataSource.query(
        `SELECT id FROM provider_connections
          WHERE status <> 'deleted' AND secret_ref IS NOT NULL AND ($1::uuid IS NULL OR id > $1) AND ($3::uuid[] IS NULL OR org_id = ANY($3))
          ORDER BY id LIMIT $2`,
        [input.after, input.limit, input.orgIds ?? null],
      );
      const counts = { checked: 0, running: 0, started: 0, skipped: 0, failed: 0 };
      let unavailable: unknown;
      await forEachBounded(rows.map((r) => r.id), input.concurrency, () => unavailable !== undefined || context.cancellationSignal.aborted, async (connectionId) => {
        let outcome: Outcome;
        try {
          outcome = await repairOne(connectionId, log);
        } catch (err) {
          if (isTemporalUnavailable(err)) { unavailable ??= err; return; }
          log.error({ err, connectionId }, 'could not repair the poller of a connection; the next pass tries again');
          outcome = 'failed';
        }
        counts.checked += 1;
        counts[outcome] += 1;
        context.heartbeat(counts);
      });
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      if (unavailable !== undefined) {
        log.warn({ err: unavailable, ...counts }, 'Temporal is unreachable; the repair page is retried');
        throw ApplicationFailure.create({ type: 'TemporalUnavailable', message: 'Temporal could not be reached to check pollers', cause: unavailable as Error });
      }
      const nextAfter = rows.length < input.limit ? null : rows[rows.length - 1].id;
      log.info({ after: input.after, ...counts, nextAfter }, 'repair pass: page done');
      return { ...counts, nextAfter };
    },
  };
}

export type RepairActivities = ReturnType<typeof createRepairActivities>;
