import type { DataSource, EntityManager } from 'typeorm';
import type { UsageBucket } from '../../../contracts/usage';
import { toDecimalString, type EmissionsEngine } from '../../emissions';
import type { FactorSetRepository } from './factor-sets';
import { FRACTION_DIGITS, parseFixed } from './fixed-decimal';
import { usageIdempotencyKey } from './idempotency-key';
import { applyRollupDeltas, RollupAccumulator } from './rollup-deltas';

export interface IngestTarget { id: string; orgId: string; projectId: string; provider: string }
export interface IngestResult { received: number; inserted: number; updated: number; unchanged: number; factorVersion: string }

const TOKEN_COLUMNS = ['input_uncached', 'input_cache_write', 'input_cache_read', 'output_tokens', 'reasoning_tokens'] as const;
const EMISSION_COLUMNS = ['energy_wh_central', 'energy_wh_low', 'energy_wh_high', 'co2e_g_central', 'co2e_g_low', 'co2e_g_high'] as const;

interface ExistingEvent { id: string; projectId: string; tokens: number[]; requests: number | null; factorVersion: string; emissions: bigint[] }
interface Row { key: Buffer; hex: string; bucket: UsageBucket; day: string; tokens: number[]; existing?: ExistingEvent; tier?: string; rule?: string; emissions?: string[] }

const tokensOf = (b: UsageBucket) => [b.inputUncached, b.inputCacheWrite, b.inputCacheRead, b.outputTokens, b.reasoningTokens];
const isUnchanged = (r: Row) => !!r.existing && r.existing.requests === (r.bucket.requests ?? null) && r.tokens.every((t, i) => t === r.existing!.tokens[i]);

/**
 * Ingests a batch of normalized buckets in one transaction. Rows are keyed by idempotency key: new rows are
 * inserted with their emissions (current factor version), changed rows are updated with a bumped revision, and
 * the daily rollups move by exactly new − old, so re-polls and overlapping windows never double count.
 * A per-connection advisory lock serializes concurrent ingests of one connection (poll vs. reconciliation); rows
 * carry the connection in their key, so no other writer can touch them and they need no row locks.
 */
export class IngestService {
  constructor(private readonly ds: DataSource, private readonly factors: FactorSetRepository) {}

  async ingest(target: IngestTarget, buckets: UsageBucket[]): Promise<IngestResult> {
    const engine = await this.factors.current();
    const result: IngestResult = { received: buckets.length, inserted: 0, updated: 0, unchanged: 0, factorVersion: engine.version };
    if (buckets.length === 0) return result;

    // Last occurrence wins when one batch repeats a bucket.
    const byKey = new Map<string, Row>();
    for (const bucket of buckets) {
      const key = usageIdempotencyKey({ connectionId: target.id, ...bucket });
      const hex = key.toString('hex');
      byKey.set(hex, { key, hex, bucket, day: bucket.bucketStart.toISOString().slice(0, 10), tokens: tokensOf(bucket) });
    }
    const rows = [...byKey.values()];

    return this.ds.transaction('READ COMMITTED', async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [target.id]);
      await this.attachExisting(tx, rows);
      const fresh = rows.filter((r) => !r.existing);
      const changed = rows.filter((r) => r.existing && !isUnchanged(r));
      result.inserted = fresh.length;
      result.updated = changed.length;
      result.unchanged = rows.length - fresh.length - changed.length;
      if (fresh.length + changed.length === 0) return result;

      for (const r of [...fresh, ...changed]) this.computeEmissions(engine, target.provider, r);
      const rollups = new RollupAccumulator();
      for (const r of fresh) rollups.add({ ...target, projectId: target.projectId, model: r.bucket.model, day: r.day, version: engine.version }, r.tokens, r.bucket.requests ?? 0, 1, r.emissions!.map(parseFixed));
      for (const r of changed) {
        const old = r.existing!;
        const base = { ...target, projectId: old.projectId, model: r.bucket.model, day: r.day };
        rollups.add({ ...base, version: old.factorVersion }, old.tokens.map((t) => -t), -(old.requests ?? 0), -1, old.emissions.map((e) => -e));
        rollups.add({ ...base, version: engine.version }, r.tokens, r.bucket.requests ?? 0, 1, r.emissions!.map(parseFixed));
      }

      if (fresh.length) await this.insertEvents(tx, target, engine.version, fresh);
      if (changed.length) await this.updateEvents(tx, engine.version, changed);
      await applyRollupDeltas(tx, rollups.rows());
      return result;
    });
  }

  private computeEmissions(engine: EmissionsEngine, provider: string, r: Row): void {
    const e = engine.compute({ provider, model: r.bucket.model, tokens: r.bucket });
    r.tier = e.tier;
    r.rule = e.matchedRule;
    r.emissions = [e.energyWh.central, e.energyWh.low, e.energyWh.high, e.co2eG.central, e.co2eG.low, e.co2eG.high].map((n) => toDecimalString(n, FRACTION_DIGITS));
  }

  private async attachExisting(tx: EntityManager, rows: Row[]): Promise<void> {
    const found: Array<Record<string, string | null>> = await tx.query(
      `SELECT id, encode(idempotency_key, 'hex') AS key, project_id, requests, factor_version, ${TOKEN_COLUMNS.join(', ')}, ${EMISSION_COLUMNS.join(', ')}
       FROM usage_events WHERE idempotency_key = ANY($1::bytea[])`,
      [rows.map((r) => r.key)],
    );
    const byHex = new Map(rows.map((r) => [r.hex, r]));
    for (const f of found) {
      byHex.get(f.key!)!.existing = {
        id: f.id!, projectId: f.project_id!, requests: f.requests === null ? null : Number(f.requests), factorVersion: f.factor_version!,
        tokens: TOKEN_COLUMNS.map((c) => Number(f[c])), emissions: EMISSION_COLUMNS.map((c) => parseFixed(f[c]!)),
      };
    }
  }

  private async insertEvents(tx: EntityManager, target: IngestTarget, version: string, rows: Row[]): Promise<void> {
    const col = <T>(f: (r: Row) => T) => rows.map(f);
    await tx.query(
      `INSERT INTO usage_events (org_id, connection_id, project_id, provider, factor_version, model, bucket_start, bucket_end, grouping,
         ${TOKEN_COLUMNS.join(', ')}, requests, idempotency_key, tier, matched_rule, ${EMISSION_COLUMNS.join(', ')})
       SELECT $1, $2, $3, $4, $5, t.* FROM unnest($6::text[], $7::timestamptz[], $8::timestamptz[], $9::text[], $10::bigint[], $11::bigint[],
         $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::bytea[], $17::text[], $18::text[],
         $19::numeric[], $20::numeric[], $21::numeric[], $22::numeric[], $23::numeric[], $24::numeric[]) AS t`,
      [
        target.orgId, target.id, target.projectId, target.provider, version,
        col((r) => r.bucket.model), col((r) => r.bucket.bucketStart.toISOString()), col((r) => r.bucket.bucketEnd.toISOString()), col((r) => r.bucket.grouping),
        ...TOKEN_COLUMNS.map((_, i) => col((r) => r.tokens[i])), col((r) => r.bucket.requests), col((r) => r.key), col((r) => r.tier), col((r) => r.rule),
        ...EMISSION_COLUMNS.map((_, i) => col((r) => r.emissions![i])),
      ],
    );
  }

  /** Corrections: new counts and emissions, revision + 1; emissions under other versions are now stale. */
  private async updateEvents(tx: EntityManager, version: string, rows: Row[]): Promise<void> {
    const col = <T>(f: (r: Row) => T) => rows.map(f);
    const ids = col((r) => r.existing!.id);
    await tx.query(
      `UPDATE usage_events e SET ${TOKEN_COLUMNS.map((c) => `${c} = u.${c}`).join(', ')}, requests = u.requests, factor_version = $1, tier = u.tier,
         matched_rule = u.matched_rule, ${EMISSION_COLUMNS.map((c) => `${c} = u.${c}`).join(', ')}, revision = e.revision + 1, updated_at = now()
       FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[],
         $11::numeric[], $12::numeric[], $13::numeric[], $14::numeric[], $15::numeric[], $16::numeric[])
         AS u(id, ${TOKEN_COLUMNS.join(', ')}, requests, tier, matched_rule, ${EMISSION_COLUMNS.join(', ')})
       WHERE e.id = u.id`,
      [version, ids, ...TOKEN_COLUMNS.map((_, i) => col((r) => r.tokens[i])), col((r) => r.bucket.requests), col((r) => r.tier), col((r) => r.rule),
        ...EMISSION_COLUMNS.map((_, i) => col((r) => r.emissions![i]))],
    );
    await tx.query(`DELETE FROM event_emissions WHERE event_id = ANY($1::bigint[])`, [ids]);
  }
}
