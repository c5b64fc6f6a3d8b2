import type { DataSource, EntityManager } from 'typeorm';
import type { UsageBucket } from '../../../contracts/usage';
import { toDecimalString, type EmissionsEngine } from '../../emissions';
import type { FactorSetRepository } from './factor-sets';
import { usageIdempotencyKey } from './idempotency-key';
import { applyRollupDeltas, type RollupDelta } from './rollup-deltas';

export interface IngestTarget { id: string; orgId: string; projectId: string; provider: string }
export interface IngestResult { received: number; inserted: number; updated: number; unchanged: number; factorVersion: string }

const TOKEN_FIELDS = ['inputUncached', 'inputCacheWrite', 'inputCacheRead', 'outputTokens', 'reasoningTokens'] as const;
type Tokens = Record<(typeof TOKEN_FIELDS)[number], number>;
const EMISSION_COLUMNS = ['energy_wh_central', 'energy_wh_low', 'energy_wh_high', 'co2e_g_central', 'co2e_g_low', 'co2e_g_high'] as const;
type EmissionValues = string[]; // in EMISSION_COLUMNS order, decimal strings

interface ExistingEvent { id: string; projectId: string; tokens: Tokens; requests: number | null; emissions: Map<string, EmissionValues> }
interface PendingRow { key: Buffer; bucket: UsageBucket; day: string; existing?: ExistingEvent }

const DECIMALS = 12;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const negate = (v: string) => (v.startsWith('-') ? v.slice(1) : v === '0' || /^0(\.0*)?$/.test(v) ? v : `-${v}`);

function emissionValues(engine: EmissionsEngine, provider: string, b: UsageBucket): { tier: string; rule: string; values: EmissionValues } {
  const r = engine.compute({ provider, model: b.model, tokens: b });
  const values = [r.energyWh.central, r.energyWh.low, r.energyWh.high, r.co2eG.central, r.co2eG.low, r.co2eG.high].map((n) => toDecimalString(n, DECIMALS));
  return { tier: r.tier, rule: r.matchedRule, values };
}

const isSame = (b: UsageBucket, e: ExistingEvent) => TOKEN_FIELDS.every((f) => b[f] === e.tokens[f]) && (b.requests ?? null) === e.requests;

/**
 * Ingests a batch of normalized buckets in one transaction: rows are upserted by idempotency key, a changed
 * row bumps its revision, emissions are (re)computed for every factor version the row has plus the current
 * one, and daily rollups move by exactly new − old, so re-polls and overlapping windows never double count.
 * A per-connection advisory lock serializes concurrent ingests of one connection (poll vs. reconciliation).
 */
export class IngestService {
  constructor(private readonly ds: DataSource, private readonly factors: FactorSetRepository) {}

  async ingest(target: IngestTarget, buckets: UsageBucket[]): Promise<IngestResult> {
    const current = await this.factors.current();
    const result: IngestResult = { received: buckets.length, inserted: 0, updated: 0, unchanged: 0, factorVersion: current.version };
    if (buckets.length === 0) return result;

    // Last occurrence wins when one batch repeats a bucket (a provider page overlapping the next).
    const byKey = new Map<string, PendingRow>();
    for (const bucket of buckets) {
      const key = usageIdempotencyKey({ connectionId: target.id, ...bucket });
      byKey.set(key.toString('hex'), { key, bucket, day: dayOf(bucket.bucketStart) });
    }
    const rows = [...byKey.values()];

    return this.ds.transaction('READ COMMITTED', async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [target.id]);
      await this.attachExisting(tx, rows);
      const changed = rows.filter((r) => !r.existing || !isSame(r.bucket, r.existing));
      result.inserted = changed.filter((r) => !r.existing).length;
      result.updated = changed.length - result.inserted;
      result.unchanged = rows.length - changed.length;
      if (changed.length === 0) return result;

      const ids = await this.upsertEvents(tx, target, changed);
      const versions = new Set<string>([current.version]);
      for (const r of changed) for (const v of r.existing?.emissions.keys() ?? []) versions.add(v);
      const engines = new Map<string, EmissionsEngine>();
      for (const v of versions) engines.set(v, v === current.version ? current : await this.factors.get(v));

      const emissionRows: Array<{ eventId: string; version: string; tier: string; rule: string; values: EmissionValues }> = [];
      const deltas: RollupDelta[] = [];
      changed.forEach((r, i) => {
        const projectId = r.existing?.projectId ?? target.projectId;
        const rowVersions = r.existing ? new Set([current.version, ...r.existing.emissions.keys()]) : [current.version];
        for (const version of rowVersions) {
          const computed = emissionValues(engines.get(version)!, target.provider, r.bucket);
          emissionRows.push({ eventId: ids[i], version, ...computed });
          const base = { orgId: target.orgId, projectId, connectionId: target.id, provider: target.provider, model: r.bucket.model, day: r.day, version };
          deltas.push({ ...base, tokens: r.bucket, requests: r.bucket.requests ?? 0, events: r.existing?.emissions.has(version) ? 0 : 1, emissions: computed.values });
          const old = r.existing?.emissions.get(version);
          if (r.existing && old) {
            const t = r.existing.tokens;
            deltas.push({ ...base, tokens: { inputUncached: -t.inputUncached, inputCacheWrite: -t.inputCacheWrite, inputCacheRead: -t.inputCacheRead, outputTokens: -t.outputTokens, reasoningTokens: -t.reasoningTokens }, requests: -(r.existing.requests ?? 0), events: 0, emissions: old.map(negate) });
          }
        }
      });
      await this.upsertEmissions(tx, emissionRows);
      await applyRollupDeltas(tx, deltas);
      return result;
    });
  }

  private async attachExisting(tx: EntityManager, rows: PendingRow[]): Promise<void> {
    const found: Array<Record<string, string | null>> = await tx.query(
      `SELECT e.id, encode(e.idempotency_key, 'hex') AS key, e.project_id, e.input_uncached, e.input_cache_write, e.input_cache_read,
              e.output_tokens, e.reasoning_tokens, e.requests, em.factor_version, ${EMISSION_COLUMNS.map((c) => `em.${c}`).join(', ')}
       FROM usage_events e LEFT JOIN event_emissions em ON em.event_id = e.id
       WHERE e.idempotency_key = ANY($1::bytea[])
       FOR UPDATE OF e`,
      [rows.map((r) => r.key)],
    );
    const byKey = new Map(rows.map((r) => [r.key.toString('hex'), r]));
    for (const f of found) {
      const row = byKey.get(f.key!)!;
      row.existing ??= {
        id: f.id!, projectId: f.project_id!, requests: f.requests === null ? null : Number(f.requests), emissions: new Map(),
        tokens: { inputUncached: Number(f.input_uncached), inputCacheWrite: Number(f.input_cache_write), inputCacheRead: Number(f.input_cache_read), outputTokens: Number(f.output_tokens), reasoningTokens: Number(f.reasoning_tokens) },
      };
      if (f.factor_version) row.existing.emissions.set(f.factor_version, EMISSION_COLUMNS.map((c) => f[c]!));
    }
  }

  /** Inserts new rows and updates changed ones; returns ids in the order of `rows`. */
  private async upsertEvents(tx: EntityManager, target: IngestTarget, rows: PendingRow[]): Promise<string[]> {
    const col = <T>(f: (r: PendingRow) => T) => rows.map(f);
    const returned: Array<{ id: string; key: string }> = await tx.query(
      `INSERT INTO usage_events (org_id, connection_id, project_id, provider, model, bucket_start, bucket_end, grouping,
         input_uncached, input_cache_write, input_cache_read, output_tokens, reasoning_tokens, requests, idempotency_key)
       SELECT $1, $2, $3, $4, t.* FROM unnest($5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::bigint[], $10::bigint[],
         $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bytea[]) AS t
       ON CONFLICT (idempotency_key) DO UPDATE SET
         input_uncached = EXCLUDED.input_uncached, input_cache_write = EXCLUDED.input_cache_write, input_cache_read = EXCLUDED.input_cache_read,
         output_tokens = EXCLUDED.output_tokens, reasoning_tokens = EXCLUDED.reasoning_tokens, requests = EXCLUDED.requests,
         revision = usage_events.revision + 1, updated_at = now()
       RETURNING id, encode(idempotency_key, 'hex') AS key`,
      [
        target.orgId, target.id, target.projectId, target.provider,
        col((r) => r.bucket.model), col((r) => r.bucket.bucketStart.toISOString()), col((r) => r.bucket.bucketEnd.toISOString()), col((r) => r.bucket.grouping),
        col((r) => r.bucket.inputUncached), col((r) => r.bucket.inputCacheWrite), col((r) => r.bucket.inputCacheRead), col((r) => r.bucket.outputTokens),
        col((r) => r.bucket.reasoningTokens), col((r) => r.bucket.requests), col((r) => r.key),
      ],
    );
    const idByKey = new Map(returned.map((r) => [r.key, r.id]));
    return rows.map((r) => idByKey.get(r.key.toString('hex'))!);
  }

  private async upsertEmissions(tx: EntityManager, rows: Array<{ eventId: string; version: string; tier: string; rule: string; values: EmissionValues }>): Promise<void> {
    await tx.query(
      `INSERT INTO event_emissions (event_id, factor_version, tier, matched_rule, ${EMISSION_COLUMNS.join(', ')})
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[])
       ON CONFLICT (event_id, factor_version) DO UPDATE SET tier = EXCLUDED.tier, matched_rule = EXCLUDED.matched_rule,
         ${EMISSION_COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`,
      [rows.map((r) => r.eventId), rows.map((r) => r.version), rows.map((r) => r.tier), rows.map((r) => r.rule), ...EMISSION_COLUMNS.map((_, i) => rows.map((r) => r.values[i]))],
    );
  }
}
