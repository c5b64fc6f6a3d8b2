import type { DataSource, EntityManager } from 'typeorm';
import type { UsageBucket } from '../../../contracts/usage';
import { emissionFigures, type EmissionsEngine } from '../../emissions';
import type { FactorSetRepository } from './factor-sets';
import { parseFixed } from './fixed-decimal';
import { usageIdempotencyKey } from './idempotency-key';
import { findSupersededLegacyRows } from './legacy-groupings';
import { EMISSION_COLUMNS, EXTRA_COLUMNS, STORED_EVENT_COLUMNS, TOKEN_COLUMNS, toStoredEvent, type StoredEvent } from './stored-event';
import { applyRollupDeltas, RollupAccumulator } from './rollup-deltas';

export interface IngestTarget { id: string; orgId: string; projectId: string; provider: string }
export interface IngestOptions {
  /** When the provider answered with these buckets. A row already stored from a later fetch is left alone. */
  fetchedAt?: Date;
}
export interface IngestResult {
  received: number; inserted: number; updated: number; unchanged: number;
  /** Rows skipped because a newer reading of the same bucket was already stored. */
  stale: number;
  factorVersion: string;
}

interface Row {
  key: Buffer; hex: string; bucket: UsageBucket; day: string; tokens: number[]; extras: Array<number | null>;
  existing?: StoredEvent; tier?: string; rule?: string; emissions?: string[];
}

/** The primary key of a usage event (usage_events is partitioned by month of bucket_start). */
export interface EventKey { id: string; bucketStart: string }
/**
 * Events by id ($n) within the span of their bucket starts ($n+1, $n+2): an id names one event, so this matches
 * exactly the listed events, and the span prunes the monthly partitions. A span, not `bucket_start = ANY(...)`:
 * two ANY lists on one index are probed as their cross product (ids × distinct starts).
 */
const BY_KEY = (n: number) => `id = ANY($${n}::bigint[]) AND bucket_start BETWEEN $${n + 1}::timestamptz AND $${n + 2}::timestamptz`;
const spanOf = (starts: string[]) => { const sorted = [...starts].sort(); return [sorted[0], sorted[sorted.length - 1]]; };
const keyParams = (events: EventKey[]) => [events.map((e) => e.id), ...spanOf(events.map((e) => e.bucketStart))];

const tokensOf = (b: UsageBucket) => [b.inputUncached, b.inputCacheWrite, b.inputCacheRead, b.outputTokens, b.reasoningTokens];
const extrasOf = (b: UsageBucket) => [b.requests ?? null, b.webSearchRequests ?? null, b.inputAudioTokens ?? null, b.outputAudioTokens ?? null];
const isUnchanged = (r: Row) => !!r.existing && r.existing.bucketEndMs === r.bucket.bucketEnd.getTime()
  && r.tokens.every((t, i) => t === r.existing!.tokens[i]) && r.extras.every((x, i) => x === r.existing!.extras[i]);

/**
 * Ingests a batch of normalized buckets in one transaction. Rows are keyed by (provider, connection, model,
 * bucket start, grouping): new rows are inserted with their emissions (current factor version), changed rows
 * (counts or a later bucket end) are updated with a bumped revision, and the daily rollups move by exactly
 * new − old, so re-polls, overlapping windows and a still-open bucket read twice never double count.
 *
 * The newest reading wins: each row remembers when its figures were fetched, and a batch fetched before that
 * (the 03:00 reconciliation racing an hourly poll) is skipped for that row.
 *
 * A per-connection advisory lock serializes concurrent ingests of one connection (poll vs. reconciliation); rows
 * carry the connection in their key, so no other writer can touch them and they need no row locks.
 */
/**
 * Copies the stored revision of each event into the append-only `usage_event_revisions` before the row changes or
 * goes: a receipt names the (event, revision) pairs it signed and must stay recomputable from them.
 */
export async function archiveRevisions(tx: EntityManager, events: EventKey[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO usage_event_revisions (event_id, revision, org_id, connection_id, project_id, provider, model, bucket_start, bucket_end, grouping,
       ${TOKEN_COLUMNS.join(', ')}, requests, factor_version, tier, matched_rule, ${EMISSION_COLUMNS.join(', ')})
     SELECT id, revision, org_id, connection_id, project_id, provider, model, bucket_start, bucket_end, grouping,
       ${TOKEN_COLUMNS.join(', ')}, requests, factor_version, tier, matched_rule, ${EMISSION_COLUMNS.join(', ')}
       FROM usage_events WHERE ${BY_KEY(1)}
     ON CONFLICT (event_id, revision) DO NOTHING`,
    keyParams(events),
  );
}

export class IngestService {
  constructor(private readonly ds: DataSource, private readonly factors: FactorSetRepository) {}

  async ingest(target: IngestTarget, buckets: UsageBucket[], options: IngestOptions = {}): Promise<IngestResult> {
    const engine = await this.factors.current();
    const fetchedAt = options.fetchedAt ?? new Date();
    const result: IngestResult = { received: buckets.length, inserted: 0, updated: 0, unchanged: 0, stale: 0, factorVersion: engine.version };
    if (buckets.length === 0) return result;

    // Last occurrence wins when one batch repeats a bucket.
    const byKey = new Map<string, Row>();
    for (const bucket of buckets) {
      const key = usageIdempotencyKey({ ...bucket, provider: target.provider, connectionId: target.id });
      const hex = key.toString('hex');
      byKey.set(hex, { key, hex, bucket, day: bucket.bucketStart.toISOString().slice(0, 10), tokens: tokensOf(bucket), extras: extrasOf(bucket) });
    }
    const rows = [...byKey.values()];

    return this.ds.transaction('READ COMMITTED', async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [target.id]);
      await this.attachExisting(tx, rows);
      const isStale = (r: Row) => !!r.existing && r.existing.fetchedAtMs > fetchedAt.getTime();
      const current = rows.filter((r) => !isStale(r));
      const fresh = current.filter((r) => !r.existing);
      const changed = current.filter((r) => r.existing && !isUnchanged(r));
      const unchanged = current.filter((r) => isUnchanged(r));
      const superseded = await findSupersededLegacyRows(tx, target, fresh.map((r) => r.bucket));
      Object.assign(result, { inserted: fresh.length, updated: changed.length, unchanged: unchanged.length, stale: rows.length - current.length });

      for (const r of [...fresh, ...changed]) this.computeEmissions(engine, target.provider, r);
      const rollups = new RollupAccumulator();
      const subtract = (old: StoredEvent) => rollups.add({ ...target, projectId: old.projectId, model: old.model, day: old.day, version: old.factorVersion },
        old.tokens.map((t) => -t), -(old.extras[0] ?? 0), -1, old.emissions.map((e) => -e));
      const add = (r: Row, projectId: string) => rollups.add({ ...target, projectId, model: r.bucket.model, day: r.day, version: engine.version },
        r.tokens, r.bucket.requests ?? 0, 1, r.emissions!.map(parseFixed));
      for (const r of fresh) add(r, target.projectId);
      for (const r of changed) { subtract(r.existing!); add(r, r.existing!.projectId); }
      for (const old of superseded) subtract(old);

      if (superseded.length) {
        await archiveRevisions(tx, superseded);
        await tx.query(`DELETE FROM usage_events WHERE ${BY_KEY(1)}`, keyParams(superseded));
      }
      if (fresh.length) await this.insertEvents(tx, target, engine.version, fetchedAt, fresh);
      if (changed.length) await this.updateEvents(tx, engine.version, fetchedAt, changed);
      // Unchanged rows still record this later reading, so an older one arriving afterwards cannot win.
      if (unchanged.length) {
        await tx.query(`UPDATE usage_events SET fetched_at = $1 WHERE ${BY_KEY(2)} AND fetched_at < $1`, [fetchedAt, ...keyParams(unchanged.map((r) => r.existing!))]);
      }
      await applyRollupDeltas(tx, rollups.rows());
      return result;
    });
  }

  /** Exact decimals (scaled integers), never binary floats: these figures end up signed in receipts. */
  private computeEmissions(engine: EmissionsEngine, provider: string, r: Row): void {
    const e = engine.computeExact({ provider, model: r.bucket.model, tokens: r.bucket });
    r.tier = e.tier;
    r.rule = e.matchedRule;
    r.emissions = emissionFigures(e);
  }

  private async attachExisting(tx: EntityManager, rows: Row[]): Promise<void> {
    const found: Array<Record<string, string | Date | null>> = await tx.query(
      `SELECT ${STORED_EVENT_COLUMNS} FROM usage_events WHERE idempotency_key = ANY($1::bytea[]) AND bucket_start BETWEEN $2 AND $3`,
      [rows.map((r) => r.key), ...spanOf(rows.map((r) => r.bucket.bucketStart.toISOString()))]);
    const byHex = new Map(rows.map((r) => [r.hex, r]));
    for (const f of found) byHex.get(f.key as string)!.existing = toStoredEvent(f);
  }

  private async insertEvents(tx: EntityManager, target: IngestTarget, version: string, fetchedAt: Date, rows: Row[]): Promise<void> {
    const col = <T>(f: (r: Row) => T) => rows.map(f);
    await tx.query(
      `INSERT INTO usage_events (org_id, connection_id, project_id, provider, factor_version, fetched_at, model, bucket_start, bucket_end, grouping,
         ${TOKEN_COLUMNS.join(', ')}, ${EXTRA_COLUMNS.join(', ')}, idempotency_key, tier, matched_rule, ${EMISSION_COLUMNS.join(', ')})
       SELECT $1, $2, $3, $4, $5, $6, t.* FROM unnest($7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[], $11::bigint[], $12::bigint[],
         $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[], $18::bigint[], $19::bigint[], $20::bytea[], $21::text[], $22::text[],
         $23::numeric[], $24::numeric[], $25::numeric[], $26::numeric[], $27::numeric[], $28::numeric[]) AS t`,
      [
        target.orgId, target.id, target.projectId, target.provider, version, fetchedAt,
        col((r) => r.bucket.model), col((r) => r.bucket.bucketStart.toISOString()), col((r) => r.bucket.bucketEnd.toISOString()), col((r) => r.bucket.grouping),
        ...TOKEN_COLUMNS.map((_, i) => col((r) => r.tokens[i])), ...EXTRA_COLUMNS.map((_, i) => col((r) => r.extras[i])),
        col((r) => r.key), col((r) => r.tier), col((r) => r.rule), ...EMISSION_COLUMNS.map((_, i) => col((r) => r.emissions![i])),
      ],
    );
  }

  /** Corrections: new counts, end and emissions, revision + 1; emissions under other versions are now stale. */
  private async updateEvents(tx: EntityManager, version: string, fetchedAt: Date, rows: Row[]): Promise<void> {
    const col = <T>(f: (r: Row) => T) => rows.map(f);
    const events = col((r) => r.existing!);
    const setColumns = [...TOKEN_COLUMNS, ...EXTRA_COLUMNS, 'bucket_end', 'tier', 'matched_rule', ...EMISSION_COLUMNS];
    await archiveRevisions(tx, events);
    await tx.query(
      `UPDATE usage_events e SET ${setColumns.map((c) => `${c} = u.${c}`).join(', ')}, factor_version = $1, fetched_at = $2,
         revision = e.revision + 1, updated_at = now()
       FROM unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[],
         $12::bigint[], $13::timestamptz[], $14::text[], $15::text[], $16::numeric[], $17::numeric[], $18::numeric[], $19::numeric[], $20::numeric[], $21::numeric[])
         AS u(id, ${setColumns.join(', ')})
       WHERE e.id = u.id AND e.bucket_start BETWEEN $22::timestamptz AND $23::timestamptz`,
      [version, fetchedAt, events.map((e) => e.id), ...TOKEN_COLUMNS.map((_, i) => col((r) => r.tokens[i])), ...EXTRA_COLUMNS.map((_, i) => col((r) => r.extras[i])),
        col((r) => r.bucket.bucketEnd.toISOString()), col((r) => r.tier), col((r) => r.rule), ...EMISSION_COLUMNS.map((_, i) => col((r) => r.emissions![i])),
        ...keyParams(events).slice(1)],
    );
    await tx.query(`DELETE FROM event_emissions WHERE event_id = ANY($1::bigint[]) AND bucket_start BETWEEN $2 AND $3`, keyParams(events));
  }
}
