// Summaries over ranges with whole months read the monthly rollups plus edge days: the figures must equal a plain
// sum over the raw events of the same range, to the digit, whatever the range's edges.
import type { DataSource } from 'typeorm';
import type { UsageBucket } from '../../../contracts/usage';
import { createDataSource } from '../../../src/db/data-source';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../src/services/telemetry/ingest.service';
import { TelemetryQueryService, wholeMonthsOf } from '../../../src/services/telemetry/telemetry-query.service';
import { trimDecimal } from '../../../src/services/telemetry/totals';
import { createConnectionRow, createTenant, type TestConnection } from '../../factories/tenants';
import { bucket, seededRandom } from '../../factories/usage';

let ds: DataSource;
let ingest: IngestService;
let telemetry: TelemetryQueryService;
let orgId: string;
let connections: TestConnection[];

/** Every 5th hour from 2025-01-20 to 2025-04-12, two models, seeded counts. */
function usage(seed: number, models: string[], provider: string): UsageBucket[] {
  const rand = seededRandom(seed);
  const out: UsageBucket[] = [];
  for (let ms = Date.UTC(2025, 0, 20); ms < Date.UTC(2025, 3, 12); ms += 5 * 3_600_000) {
    for (const model of models) {
      out.push(bucket({ hour: new Date(ms).toISOString(), provider: provider as UsageBucket['provider'], model,
        inputUncached: Math.floor(rand() * 1e6), inputCacheRead: Math.floor(rand() * 1e5), outputTokens: Math.floor(rand() * 2e5), requests: Math.floor(rand() * 50) }));
    }
  }
  return out;
}

beforeAll(async () => {
  ds = await createDataSource({ url: process.env.DATABASE_URL!, poolSize: 4 }).initialize();
  ingest = new IngestService(ds, new FactorSetRepository(ds));
  telemetry = new TelemetryQueryService(ds, new FactorSetRepository(ds));
  const tenant = await createTenant(ds);
  orgId = tenant.orgId;
  connections = [await createConnectionRow(ds, tenant, 'openai'), await createConnectionRow(ds, tenant, 'anthropic')];
  await ingest.ingest(connections[0], usage(1, ['gpt-4o', 'gpt-4o-mini'], 'openai'));
  await ingest.ingest(connections[1], usage(2, ['claude-sonnet-4-5'], 'anthropic'));
  // A re-poll that changes some numbers (revision 2) moves sums between what each table holds.
  await ingest.ingest(connections[0], usage(3, ['gpt-4o'], 'openai').slice(0, 40));
});
afterAll(async () => { await ds.destroy(); });

/** The same range summed straight from usage_events, per model and in total. */
async function rawSums(from: string, to: string, model?: string) {
  const rows: Array<Record<string, string>> = await ds.query(
    `SELECT provider, model, sum(input_uncached)::text AS iu, sum(output_tokens)::text AS ot, count(*)::text AS events,
       sum(energy_wh_central)::text AS ewc, sum(co2e_g_low)::text AS cgl, sum(co2e_g_central)::text AS cgc, sum(co2e_g_high)::text AS cgh
     FROM usage_events WHERE org_id = $1 AND bucket_start >= $2::timestamptz AND bucket_start < $3::timestamptz AND ($4::text IS NULL OR model = $4)
     GROUP BY provider, model ORDER BY provider, model`,
    [orgId, `${from}T00:00:00Z`, `${to}T00:00:00Z`, model ?? null]);
  return rows.map((r) => ({ provider: r.provider, model: r.model, inputUncached: r.iu, output: r.ot, events: r.events,
    energyWhCentral: trimDecimal(r.ewc), co2eG: { low: trimDecimal(r.cgl), central: trimDecimal(r.cgc), high: trimDecimal(r.cgh) } }));
}

describe('summaries over whole months and edge days', () => {
  test('wholeMonthsOf picks the whole months inside a range', () => {
    expect(wholeMonthsOf({ from: '2025-01-25', to: '2025-04-05' })).toEqual({ start: '2025-02-01', end: '2025-04-01' });
    expect(wholeMonthsOf({ from: '2025-02-01', to: '2025-03-01' })).toEqual({ start: '2025-02-01', end: '2025-03-01' });
    expect(wholeMonthsOf({ from: '2025-02-02', to: '2025-03-01' })).toBeNull();
    expect(wholeMonthsOf({ from: '2025-01-10', to: '2025-02-09' })).toBeNull();
  });

  test.each([
    ['partial months at both edges', '2025-01-25', '2025-04-05', undefined],
    ['exactly two months', '2025-02-01', '2025-04-01', undefined],
    ['within one month', '2025-03-03', '2025-03-20', undefined],
    ['whole months, one model', '2025-01-21', '2025-04-11', 'gpt-4o'],
  ])('%s: model lines, totals and the daily chart equal the raw events', async (_label, from, to, model) => {
    const f = await telemetry.resolve(orgId, { from, to, model });
    const summary = await telemetry.summary(f);
    const raw = await rawSums(from, to, model);
    expect(raw.length).toBeGreaterThan(0);
    const lines = summary.models.map((m) => ({ provider: m.provider, model: m.model, inputUncached: m.tokens.inputUncached, output: m.tokens.output,
      events: m.events, energyWhCentral: m.energyWh.central, co2eG: m.co2eG })).sort((a, b) => `${a.provider}${a.model}`.localeCompare(`${b.provider}${b.model}`));
    expect(lines).toEqual(raw);
    expect(summary.totals.events).toBe(String(raw.reduce((n, r) => n + Number(r.events), 0)));
    // The daily chart: every day's events equal the raw count of that day, and they add up to the total.
    const perDay: Array<{ day: string; events: string }> = await ds.query(
      `SELECT to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::text AS events FROM usage_events
       WHERE org_id = $1 AND bucket_start >= $2::timestamptz AND bucket_start < $3::timestamptz AND ($4::text IS NULL OR model = $4) GROUP BY 1`,
      [orgId, `${from}T00:00:00Z`, `${to}T00:00:00Z`, model ?? null]);
    const byDay = new Map(perDay.map((d) => [d.day, Number(d.events)]));
    for (const d of summary.daily) expect([d.day, Number(d.events)]).toEqual([d.day, byDay.get(d.day) ?? 0]);
    expect(String(summary.daily.reduce((n, d) => n + Number(d.events), 0))).toBe(summary.totals.events);

    const models = await telemetry.models(f);
    expect(models.data.map((m) => [m.provider, m.model, m.events]).sort()).toEqual(raw.map((r) => [r.provider, r.model, r.events]).sort());
  });
});
