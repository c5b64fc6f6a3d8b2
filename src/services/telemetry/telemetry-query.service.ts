import type { DataSource } from 'typeorm';
import type { ModelUsageList, TelemetryFilters, TelemetrySummary, UsageEvent, UsageEventPage } from '../../../contracts/telemetry';
import type { Provider } from '../../../contracts/usage';
import { decodeCursorParts } from '../pagination';
import type { FactorSetRepository } from './factor-sets';
import { daysOf, resolveFilters, whereClause, type ResolvedFilters } from './telemetry-filters';
import { ratio, SUM_COLUMNS, TotalsAccumulator, trimDecimal } from './totals';

const EVENT_COLUMNS = `id::text, connection_id, project_id, provider, model, bucket_start, bucket_end, grouping, requests::text, input_uncached::text,
  input_cache_write::text, input_cache_read::text, output_tokens::text, reasoning_tokens::text, revision, factor_version, tier,
  energy_wh_central::text, energy_wh_low::text, energy_wh_high::text, co2e_g_central::text, co2e_g_low::text, co2e_g_high::text, updated_at`;

type Row = Record<string, any>;

export function toUsageEvent(r: Row): UsageEvent {
  const b = (c: string, l: string, h: string) => ({ central: trimDecimal(c), low: trimDecimal(l), high: trimDecimal(h) });
  return {
    id: r.id, connectionId: r.connection_id, projectId: r.project_id, provider: r.provider, model: r.model,
    bucketStart: r.bucket_start.toISOString(), bucketEnd: r.bucket_end.toISOString(), grouping: r.grouping, requests: r.requests,
    tokens: { inputUncached: r.input_uncached, inputCacheWrite: r.input_cache_write, inputCacheRead: r.input_cache_read, output: r.output_tokens, reasoning: r.reasoning_tokens },
    revision: r.revision, factorVersion: r.factor_version, tier: r.tier,
    energyWh: b(r.energy_wh_central, r.energy_wh_low, r.energy_wh_high), co2eG: b(r.co2e_g_central, r.co2e_g_low, r.co2e_g_high),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** usage_events.id is a bigint: a longer id is not one this endpoint handed out (and Postgres would refuse it). */
const isEventId = (id: string) => /^[1-9]\d{0,18}$/.test(id) && BigInt(id) <= 9_223_372_036_854_775_807n;

function decodeEventCursor(cursor: string | undefined): { at: string; id: string } | undefined {
  if (!cursor) return undefined;
  const { at, id } = decodeCursorParts(cursor, isEventId);
  return { at: at.toISOString(), id };
}
const encodeEventCursor = (r: Row) => Buffer.from(`${r.bucket_start.toISOString()}|${r.id}`).toString('base64url');

/**
 * Dashboard reads. Summaries and model breakdowns come from the daily rollups only (never a scan of raw
 * events); the events list and export walk `usage_events` in (bucket_start, id) order by the index of their filter
 * (connection, project, model, else org; migration 1764000000009, plans checked in test/integration/db/query-plans).
 */
export class TelemetryQueryService {
  constructor(private readonly ds: DataSource, private readonly factors: FactorSetRepository, private readonly now: () => Date = () => new Date()) {}

  resolve(orgId: string, filters: TelemetryFilters): Promise<ResolvedFilters> {
    return resolveFilters(this.ds, orgId, filters, this.now());
  }

  async summary(f: ResolvedFilters): Promise<TelemetrySummary> {
    const where = whereClause(f, 'day');
    const table = rollupTable(f);
    // One pass over the rollups: per (provider, model, version) and per day.
    const rows: Row[] = await this.ds.query(
      `SELECT provider, model, factor_version, day::text AS day, ${SUM_COLUMNS}
       FROM ${table} WHERE ${where.sql}
       GROUP BY GROUPING SETS ((provider, model, factor_version), (day))`,
      where.params,
    );
    const total = new TotalsAccumulator();
    const byModel = new Map<string, { provider: Provider; model: string; acc: TotalsAccumulator }>();
    const byDay = new Map<string, TotalsAccumulator>();
    const versions = new Set<string>();
    for (const r of rows) {
      if (r.day !== null) { byDay.set(r.day, new TotalsAccumulator().add(r)); continue; }
      total.add(r);
      versions.add(r.factor_version);
      const key = `${r.provider}|${r.model}`;
      const entry = byModel.get(key) ?? { provider: r.provider, model: r.model, acc: new TotalsAccumulator() };
      entry.acc.add(r);
      byModel.set(key, entry);
    }
    const zero = new TotalsAccumulator().toTotals();
    const input = total.inputTokens;
    return {
      range: { from: f.from, to: f.to },
      factorVersions: [...versions].sort(),
      totals: total.toTotals(),
      cache: { cachedInputShare: ratio(total.cacheReadTokens, input), uncachedInputShare: ratio(input - total.cacheReadTokens, input) },
      models: [...byModel.values()].map((m) => ({ provider: m.provider, model: m.model, ...m.acc.toTotals() })).sort((a, b) => compareDecimal(b.co2eG.central, a.co2eG.central)),
      daily: daysOf(f).map((day) => ({ day, ...(byDay.get(day)?.toTotals() ?? zero) })),
    };
  }

  async models(f: ResolvedFilters): Promise<ModelUsageList> {
    const where = whereClause(f, 'day');
    const rows: Row[] = await this.ds.query(
      `SELECT provider, model, factor_version, ${SUM_COLUMNS} FROM ${rollupTable(f)} WHERE ${where.sql} GROUP BY provider, model, factor_version ORDER BY provider, model, factor_version`,
      where.params,
    );
    const data = await Promise.all(rows.map(async (r) => {
      const match = (await this.factors.get(r.factor_version)).classify(r.model);
      return { provider: r.provider, model: r.model, factorVersion: r.factor_version, tier: match.tier, matchedRule: match.matchedRule, isUnmatched: match.isUnmatched, ...new TotalsAccumulator().add(r).toTotals() };
    }));
    return { range: { from: f.from, to: f.to }, data };
  }

  async events(f: ResolvedFilters, limit: number, cursor?: string): Promise<UsageEventPage> {
    const rows = await this.eventRows(f, limit + 1, decodeEventCursor(cursor));
    const page = rows.slice(0, limit);
    return { range: { from: f.from, to: f.to }, data: page.map(toUsageEvent), nextCursor: rows.length > limit ? encodeEventCursor(page[page.length - 1]) : null };
  }

  /** Walks every matching event in pages, in the same stable order as `events`; memory stays flat. */
  async *eachEventPage(f: ResolvedFilters, pageSize = 2000): AsyncGenerator<UsageEvent[]> {
    let after: { at: string; id: string } | undefined;
    for (;;) {
      const rows = await this.eventRows(f, pageSize, after);
      if (rows.length === 0) return;
      yield rows.map(toUsageEvent);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1];
      after = { at: last.bucket_start.toISOString(), id: last.id };
    }
  }

  private eventRows(f: ResolvedFilters, limit: number, after?: { at: string; id: string }): Promise<Row[]> {
    const where = whereClause(f, 'bucket_start');
    const params = [...where.params];
    let keyset = '';
    if (after) {
      params.push(after.at, after.id);
      keyset = ` AND (usage_events.bucket_start, usage_events.id) > ($${params.length - 1}::timestamptz, $${params.length}::bigint)`;
    }
    params.push(limit);
    return this.ds.query(`SELECT ${EVENT_COLUMNS} FROM usage_events WHERE ${where.sql}${keyset} ORDER BY usage_events.bucket_start, usage_events.id LIMIT $${params.length}`, params);
  }
}

/** The organization-wide rollups answer everything but project and connection filters, with far fewer rows. */
function rollupTable(f: ResolvedFilters): string {
  return f.projectId || f.connectionId ? 'usage_rollups' : 'usage_rollups_org';
}

function compareDecimal(a: string, b: string): number {
  return Number(a) - Number(b);
}
