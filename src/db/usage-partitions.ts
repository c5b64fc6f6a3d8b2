import type { DataSource, EntityManager } from 'typeorm';

/** The months the worker keeps partitions for, around the current one: polls, backfill and the next quarter. */
export const PARTITION_MONTHS_BEFORE = 2;
export const PARTITION_MONTHS_AFTER = 3;

const monthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
const addMonths = (d: Date, n: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));

/** `usage_events_pYYYY_MM`, the name migration 1764000000070 gives a month's partition. */
export function usagePartitionName(month: Date): string {
  return `usage_events_p${month.toISOString().slice(0, 4)}_${month.toISOString().slice(5, 7)}`;
}

/** The window the worker keeps ahead, from `now`: PARTITION_MONTHS_BEFORE back to PARTITION_MONTHS_AFTER ahead. */
export function usagePartitionWindow(now: Date): { from: Date; to: Date } {
  return { from: addMonths(monthStart(now), -PARTITION_MONTHS_BEFORE), to: addMonths(monthStart(now), PARTITION_MONTHS_AFTER) };
}

// A plain read of pg_class, not to_regclass: the latter's catalog cache can miss a table another session created
// while this one waited for the advisory lock; a READ COMMITTED statement sees every committed row.
const exists = async (db: DataSource | EntityManager, name: string) => ((await db.query(
  `SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = $1 AND relnamespace = current_schema()::regnamespace) AS present`, [name])) as Array<{ present: boolean }>)[0].present;

/**
 * Creates the monthly partitions of usage_events for every month from `from`'s to `to`'s (UTC), each in its own
 * transaction, and returns the names it created. Idempotent and safe when workers race: a month that exists is
 * skipped without a lock, and creation is serialized by an advisory lock and checked again under it.
 *
 * Rows of that month already in the DEFAULT partition (a bucket that arrived before its month had a partition)
 * would make the new partition's bounds overlap them, so they move in the same transaction: copied aside with
 * their other-version emissions (the cascading foreign key deletes those with the event), deleted from the
 * default, and inserted again through the parent with the same ids once the month exists. Writers are held off
 * meanwhile by a SHARE ROW EXCLUSIVE lock; readers are not.
 */
export async function ensureUsagePartitions(ds: DataSource, range: { from: Date; to: Date }): Promise<string[]> {
  const created: string[] = [];
  for (let month = monthStart(range.from); month <= range.to; month = addMonths(month, 1)) {
    const name = usagePartitionName(month);
    if (await exists(ds, name)) continue;
    if (await ds.transaction((tx) => createMonth(tx, name, month))) created.push(name);
  }
  return created;
}

async function createMonth(tx: EntityManager, name: string, month: Date): Promise<boolean> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('usage_events partitions', 0))`);
  if (await exists(tx, name)) return false;
  await tx.query(`LOCK TABLE usage_events IN SHARE ROW EXCLUSIVE MODE`);
  const [start, end] = [month.toISOString(), addMonths(month, 1).toISOString()];
  const inMonth = `bucket_start >= '${start}' AND bucket_start < '${end}'`;
  const [{ stray }]: Array<{ stray: boolean }> = await tx.query(`SELECT EXISTS (SELECT 1 FROM usage_events_default WHERE ${inMonth}) AS stray`);
  if (stray) {
    await tx.query(`CREATE TEMP TABLE usage_events_moving ON COMMIT DROP AS SELECT * FROM usage_events_default WHERE ${inMonth}`);
    await tx.query(`CREATE TEMP TABLE event_emissions_moving ON COMMIT DROP AS SELECT m.* FROM event_emissions m
      JOIN usage_events_moving e ON m.bucket_start = e.bucket_start AND m.event_id = e.id`);
    await tx.query(`DELETE FROM usage_events_default WHERE ${inMonth}`);
  }
  await tx.query(`CREATE TABLE ${name} PARTITION OF usage_events FOR VALUES FROM ('${start}') TO ('${end}')`);
  // Extended statistics of the parent do not reach the partitions, which the planner estimates one by one.
  await tx.query(`CREATE STATISTICS ${name}_tenant_keys_stats (dependencies) ON org_id, project_id, connection_id FROM ${name}`);
  if (stray) {
    await tx.query(`INSERT INTO usage_events OVERRIDING SYSTEM VALUE SELECT * FROM usage_events_moving`);
    await tx.query(`INSERT INTO event_emissions SELECT * FROM event_emissions_moving`);
    await tx.query(`ANALYZE ${name}`);
  }
  return true;
}
