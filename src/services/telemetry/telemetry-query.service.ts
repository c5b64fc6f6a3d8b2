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
    // Two reads at once: the model lines (totals are their sum) and the daily chart.
    const [lines, days] = await Promise.all([this.modelLines(f), this.dayTotals(f)]);
    const total = new TotalsAccumulator();
    const byModel = new Map<string, { provider: Provider; model: string; acc: TotalsAccumulator }>();
    const byDay = new Map<string, TotalsAccumulator>(days.map((r) => [r.day, new TotalsAccumulator().add(r)]));
    const versions = new Set<string>();
    for (const r of lines) {
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
    const rows = await this.modelLines(f);
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

  /**
   * Sums per (provider, model, factor version) over the range. Organization-wide, whole months come from the
   * monthly rollups and only the partial months at the edges from the daily ones: a year is 12 × models rows.
   */
  private modelLines(f: ResolvedFilters): Promise<Row[]> {
    const months = f.projectId || f.connectionId ? null : wholeMonthsOf(f);
    if (!months) {
      const where = whereClause(f, 'day');
      return this.ds.query(
        `SELECT provider, model, factor_version, ${SUM_COLUMNS} FROM ${rollupTable(f)} WHERE ${where.sql}
         GROUP BY provider, model, factor_version ORDER BY provider, model, factor_version`,
        where.params,
      );
    }
    const params: unknown[] = [f.orgId, f.from, months.start, months.end, f.to];
    let dims = '';
    for (const [column, value] of [['provider', f.provider], ['model', f.model]] as const) {
      if (value === undefined) continue;
      params.push(value);
      dims += ` AND ${column} = $${params.length}`;
    }
    return this.ds.query(
      `SELECT provider, model, factor_version, ${SUM_COLUMNS} FROM (
         SELECT provider, model, factor_version, ${RAW_SUMS} FROM usage_rollups_org_monthly
          WHERE org_id = $1 AND month >= $3::date AND month < $4::date${dims}
         UNION ALL
         SELECT provider, model, factor_version, ${RAW_SUMS} FROM usage_rollups_org
          WHERE org_id = $1 AND ((day >= $2::date AND day < $3::date) OR (day >= $4::date AND day < $5::date))${dims}
       ) r GROUP BY provider, model, factor_version ORDER BY provider, model, factor_version`,
      params,
    );
  }

  /** Sums per day of the range, for the daily chart: one row per day organization-wide with no model filter. */
  private dayTotals(f: ResolvedFilters): Promise<Row[]> {
    const isOrgWide = !(f.projectId || f.connectionId || f.provider || f.model);
    const where = whereClause(f, 'day');
    return this.ds.query(
      `SELECT day::text AS day, ${SUM_COLUMNS} FROM ${isOrgWide ? 'usage_rollups_org_days' : rollupTable(f)} WHERE ${where.sql} GROUP BY day`,
      where.params,
    );
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

const RAW_SUMS = `requests, event_count, input_uncached, input_cache_write, input_cache_read, output_tokens, reasoning_tokens,
  energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high`;

/** The first day of the month after `day`'s, or `day` itself when it already is a first. */
const monthStartOnOrAfter = (day: string) => {
  if (day.endsWith('-01')) return day;
  const d = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
};

/**
 * The whole months inside [from, to), as [start, end) first days, or null when the range holds none. The
 * monthly rollups answer those; the days before `start` and from `end` on come from the daily rollups.
 */
export function wholeMonthsOf(f: Pick<ResolvedFilters, 'from' | 'to'>): { start: string; end: string } | null {
  const start = monthStartOnOrAfter(f.from);
  const end = `${f.to.slice(0, 7)}-01`;
  return start < end ? { start, end } : null;
}

function compareDecimal(a: string, b: string): number {
  return Number(a) - Number(b);
}
