import type { EntityManager } from 'typeorm';
import type { UsageBucket } from '../../../contracts/usage';
import type { IngestTarget } from './ingest.service';
import { STORED_EVENT_COLUMNS, toStoredEvent, type StoredEvent } from './stored-event';

const PROVIDER_NAME = /(^|&)provider_name=[^&]*/;

/**
 * OpenRouter rows used to be summed over serving providers (grouping without `provider_name`); they are now one
 * row per serving provider. A day read again in the new form supersedes the old summed row of that day and
 * model, which would otherwise count alongside it. Each /activity day is a complete answer for that day, so
 * the old row is fully replaced by the new ones of the same batch.
 */
export async function findSupersededLegacyRows(tx: EntityManager, target: IngestTarget, fresh: UsageBucket[]): Promise<StoredEvent[]> {
  if (target.provider !== 'openrouter') return [];
  const legacy = new Map<string, { start: string; model: string; grouping: string }>();
  for (const b of fresh) {
    if (!PROVIDER_NAME.test(b.grouping)) continue;
    const grouping = b.grouping.replace(PROVIDER_NAME, '').replace(/^&/, '');
    const start = b.bucketStart.toISOString();
    legacy.set(`${start}|${b.model}|${grouping}`, { start, model: b.model, grouping });
  }
  if (legacy.size === 0) return [];
  const tuples = [...legacy.values()];
  // The starts again as a list: a join alone does not prune usage_events' monthly partitions, this does.
  const found: Array<Record<string, string | Date | null>> = await tx.query(
    `SELECT ${STORED_EVENT_COLUMNS} FROM usage_events e
     JOIN unnest($2::timestamptz[], $3::text[], $4::text[]) AS l(l_start, l_model, l_grouping)
       ON e.bucket_start = l.l_start AND e.model = l.l_model AND e.grouping = l.l_grouping
     WHERE e.connection_id = $1 AND e.bucket_start = ANY($2::timestamptz[])`,
    [target.id, tuples.map((t) => t.start), tuples.map((t) => t.model), tuples.map((t) => t.grouping)],
  );
  return found.map(toStoredEvent);
}
