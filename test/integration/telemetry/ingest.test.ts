import type { DataSource } from 'typeorm';
import { createDataSource } from '../../../src/db/data-source';
import { defaultEngine } from '../../../src/emissions';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../src/services/telemetry/ingest.service';
import { createConnectionRow, createTenant, type TestConnection } from '../../factories/tenants';
import { bucket, seededRandom } from '../../factories/usage';
import type { UsageBucket } from '../../../contracts/usage';

let ds: DataSource;
let ingest: IngestService;

beforeAll(async () => {
  ds = await createDataSource({ url: process.env.DATABASE_URL!, poolSize: 4 }).initialize();
  ingest = new IngestService(ds, new FactorSetRepository(ds));
});
afterAll(async () => { await ds.destroy(); });

async function newConnection(provider = 'openai'): Promise<TestConnection> {
  return createConnectionRow(ds, await createTenant(ds), provider);
}

/** Totals straight from the rollups, the table the dashboard reads. */
async function rollupTotals(connectionId: string) {
  const [row] = await ds.query(
    `SELECT coalesce(sum(input_uncached), 0)::bigint AS iu, coalesce(sum(input_cache_write), 0)::bigint AS icw, coalesce(sum(input_cache_read), 0)::bigint AS icr,
            coalesce(sum(output_tokens), 0)::bigint AS ot, coalesce(sum(requests), 0)::bigint AS req, coalesce(sum(event_count), 0)::int AS events,
            coalesce(sum(energy_wh_central), 0) AS ewc, coalesce(sum(co2e_g_high), 0) AS cgh
     FROM usage_rollups WHERE connection_id = $1`, [connectionId]);
  return row;
}

/** The organization-wide rollups must always equal the detailed ones summed over projects and connections. */
async function expectOrgRollupsConsistent(orgId: string) {
  const diff = await ds.query(
    `SELECT day, model FROM (
       SELECT day, provider, model, factor_version, sum(input_uncached) AS iu, sum(output_tokens) AS ot, sum(event_count) AS ev, sum(co2e_g_high) AS cg
       FROM usage_rollups WHERE org_id = $1 GROUP BY 1, 2, 3, 4) d
     FULL JOIN (SELECT day, provider, model, factor_version, input_uncached AS iu, output_tokens AS ot, event_count AS ev, co2e_g_high AS cg FROM usage_rollups_org WHERE org_id = $1) o
       USING (day, provider, model, factor_version)
     WHERE d.iu IS DISTINCT FROM o.iu OR d.ot IS DISTINCT FROM o.ot OR d.ev IS DISTINCT FROM o.ev OR d.cg IS DISTINCT FROM o.cg`, [orgId]);
  expect(diff).toEqual([]);
  // The monthly and per-day organization rollups, the same sums at coarser grains.
  const monthDiff = await ds.query(
    `SELECT month, model FROM (
       SELECT date_trunc('month', day)::date AS month, provider, model, factor_version, sum(input_uncached) AS iu, sum(output_tokens) AS ot,
         sum(event_count) AS ev, sum(co2e_g_high) AS cg
       FROM usage_rollups WHERE org_id = $1 GROUP BY 1, 2, 3, 4) d
     FULL JOIN (SELECT month, provider, model, factor_version, input_uncached AS iu, output_tokens AS ot, event_count AS ev, co2e_g_high AS cg
       FROM usage_rollups_org_monthly WHERE org_id = $1) m
       USING (month, provider, model, factor_version)
     WHERE d.iu IS DISTINCT FROM m.iu OR d.ot IS DISTINCT FROM m.ot OR d.ev IS DISTINCT FROM m.ev OR d.cg IS DISTINCT FROM m.cg`, [orgId]);
  expect(monthDiff).toEqual([]);
  const dayDiff = await ds.query(
    `SELECT day FROM (
       SELECT day, sum(input_uncached) AS iu, sum(output_tokens) AS ot, sum(event_count) AS ev, sum(co2e_g_high) AS cg
       FROM usage_rollups WHERE org_id = $1 GROUP BY 1) d
     FULL JOIN (SELECT day, input_uncached AS iu, output_tokens AS ot, event_count AS ev, co2e_g_high AS cg
       FROM usage_rollups_org_days WHERE org_id = $1) t USING (day)
     WHERE d.iu IS DISTINCT FROM t.iu OR d.ot IS DISTINCT FROM t.ot OR d.ev IS DISTINCT FROM t.ev OR d.cg IS DISTINCT FROM t.cg`, [orgId]);
  expect(dayDiff).toEqual([]);
}

/** The same totals computed independently: the engine over the fixture, no database. */
function expectedTotals(buckets: UsageBucket[], provider: string) {
  const sum = (f: (b: UsageBucket) => number) => buckets.reduce((acc, b) => acc + f(b), 0);
  const engine = defaultEngine();
  return {
    iu: String(sum((b) => b.inputUncached)), icw: String(sum((b) => b.inputCacheWrite)), icr: String(sum((b) => b.inputCacheRead)),
    ot: String(sum((b) => b.outputTokens)), req: String(sum((b) => b.requests ?? 0)), events: buckets.length,
    ewc: sum((b) => engine.compute({ provider, model: b.model, tokens: b }).energyWh.central),
    cgh: sum((b) => engine.compute({ provider, model: b.model, tokens: b }).co2eG.high),
  };
}

function generate(seed: number, hours: number, models: string[]): UsageBucket[] {
  const rand = seededRandom(seed);
  const out: UsageBucket[] = [];
  for (let h = 0; h < hours; h++) {
    for (const model of models) {
      out.push(bucket({
        hour: new Date(Date.UTC(2026, 9, 1) + h * 3_600_000).toISOString(), model,
        inputUncached: Math.floor(rand() * 1e6), inputCacheWrite: Math.floor(rand() * 1e4), inputCacheRead: Math.floor(rand() * 1e5),
        outputTokens: Math.floor(rand() * 2e5), requests: Math.floor(rand() * 100),
      }));
    }
  }
  return out;
}

function expectTotals(actual: Record<string, unknown>, expected: ReturnType<typeof expectedTotals>) {
  expect({ iu: actual.iu, icw: actual.icw, icr: actual.icr, ot: actual.ot, req: actual.req, events: actual.events })
    .toEqual({ iu: expected.iu, icw: expected.icw, icr: expected.icr, ot: expected.ot, req: expected.req, events: expected.events });
  expect(Number(actual.ewc)).toBeCloseTo(expected.ewc, 6);
  expect(Number(actual.cgh)).toBeCloseTo(expected.cgh, 6);
}

describe('IngestService', () => {
  it('stores each bucket once with emissions, and rollups equal the independently computed totals', async () => {
    const conn = await newConnection();
    const fixture = generate(1, 72, ['gpt-4o-2024-08-06', 'gpt-4o-mini', 'o3-2025-04-16', 'mystery-model']);
    const result = await ingest.ingest(conn, fixture);
    expect(result).toMatchObject({ received: fixture.length, inserted: fixture.length, updated: 0, unchanged: 0, factorVersion: '1.0' });
    expectTotals(await rollupTotals(conn.id), expectedTotals(fixture, 'openai'));

    const [{ events, versions }] = await ds.query(
      `SELECT count(*)::int AS events, array_agg(DISTINCT factor_version) AS versions FROM usage_events WHERE connection_id = $1 AND energy_wh_central > 0`, [conn.id]);
    expect({ events, versions }).toEqual({ events: fixture.length, versions: ['1.0'] });
    const tiers = await ds.query(`SELECT DISTINCT model, tier FROM usage_events WHERE connection_id = $1 ORDER BY model`, [conn.id]);
    expect(tiers).toEqual([
      { model: 'gpt-4o-2024-08-06', tier: 'large' }, { model: 'gpt-4o-mini', tier: 'small' }, { model: 'mystery-model', tier: 'fallback' }, { model: 'o3-2025-04-16', tier: 'reasoning' },
    ]);
  });

  it('leaves identical totals when the same batch, or an overlapping window, is ingested again', async () => {
    const conn = await newConnection();
    const fixture = generate(2, 48, ['gpt-4.1', 'claude-sonnet-4-20250514']);
    await ingest.ingest(conn, fixture);
    const before = await rollupTotals(conn.id);
    expect(await ingest.ingest(conn, fixture)).toMatchObject({ inserted: 0, updated: 0, unchanged: fixture.length });
    await ingest.ingest(conn, fixture.slice(20, 70)); // an overlapping re-poll
    expect(await rollupTotals(conn.id)).toEqual(before);
    const [{ n, maxRevision }] = await ds.query(`SELECT count(*)::int AS n, max(revision) AS "maxRevision" FROM usage_events WHERE connection_id = $1`, [conn.id]);
    expect({ n, maxRevision }).toEqual({ n: fixture.length, maxRevision: 1 });
  });

  it('applies a late correction exactly once and bumps the revision', async () => {
    const conn = await newConnection();
    const original = [bucket({ hour: '2026-11-02T05:00:00Z', inputUncached: 1000, outputTokens: 100 }), bucket({ hour: '2026-11-02T06:00:00Z' })];
    await ingest.ingest(conn, original);
    const corrected = [{ ...original[0], inputUncached: 4000, outputTokens: 900 }, original[1]];
    expect(await ingest.ingest(conn, corrected)).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
    expect(await ingest.ingest(conn, corrected)).toMatchObject({ updated: 0, unchanged: 2 });
    expectTotals(await rollupTotals(conn.id), expectedTotals(corrected, 'openai'));
    const [row] = await ds.query(`SELECT revision, input_uncached FROM usage_events WHERE connection_id = $1 AND bucket_start = '2026-11-02T05:00:00Z'`, [conn.id]);
    expect(row).toEqual({ revision: 2, input_uncached: '4000' });
    await expectOrgRollupsConsistent(conn.orgId);
  });

  it('keeps totals exact when the same batch is ingested concurrently', async () => {
    const conn = await newConnection();
    const fixture = generate(3, 24, ['gpt-4o', 'o4-mini']);
    await Promise.all([ingest.ingest(conn, fixture), ingest.ingest(conn, fixture), ingest.ingest(conn, fixture)]);
    expectTotals(await rollupTotals(conn.id), expectedTotals(fixture, 'openai'));
    await expectOrgRollupsConsistent(conn.orgId);
  });

  it('treats zero-token buckets and a batch repeating a bucket sanely', async () => {
    const conn = await newConnection('anthropic');
    const zero = bucket({ provider: 'anthropic', model: 'claude-haiku-4-5', inputUncached: 0, outputTokens: 0, requests: null });
    const repeated = [bucket({ provider: 'anthropic', hour: '2026-11-03T00:00:00Z', inputUncached: 10 }), bucket({ provider: 'anthropic', hour: '2026-11-03T00:00:00Z', inputUncached: 20 })];
    const result = await ingest.ingest(conn, [zero, ...repeated]);
    expect(result).toMatchObject({ received: 3, inserted: 2 });
    const totals = await rollupTotals(conn.id);
    expect({ iu: totals.iu, events: totals.events, req: totals.req }).toEqual({ iu: '20', events: 2, req: '3' });
  });

  it('keeps the organization-wide rollups exact when two connections of one organization ingest at once', async () => {
    const tenant = await createTenant(ds);
    const [a, b] = [await createConnectionRow(ds, tenant), await createConnectionRow(ds, tenant)];
    const fixture = generate(5, 48, ['gpt-4o', 'gpt-4o-mini', 'o3']);
    await Promise.all([ingest.ingest(a, fixture), ingest.ingest(b, fixture), ingest.ingest(a, fixture.slice(10)), ingest.ingest(b, fixture.slice(0, 50))]);
    await expectOrgRollupsConsistent(tenant.orgId);
    const [{ events }] = await ds.query(`SELECT sum(event_count)::int AS events FROM usage_rollups_org WHERE org_id = $1`, [tenant.orgId]);
    expect(events).toBe(2 * fixture.length);
  });

  it('keeps connections apart even with identical buckets', async () => {
    const a = await newConnection();
    const b = await newConnection();
    const fixture = generate(4, 5, ['gpt-4o']);
    await ingest.ingest(a, fixture);
    await ingest.ingest(b, fixture);
    expect((await rollupTotals(a.id)).events).toBe(5);
    expect((await rollupTotals(b.id)).events).toBe(5);
  });

  describe('usage integrity', () => {
    const at = (iso: string) => ({ fetchedAt: new Date(iso) });
    const eventsOf = (connectionId: string) => ds.query(
      `SELECT bucket_start, bucket_end, input_uncached::int AS input, output_tokens::int AS output, revision FROM usage_events WHERE connection_id = $1 ORDER BY bucket_start`, [connectionId]);

    it('keeps one row per bucket when the still-open hour is read at 10:37, 11:05 and 12:05, with the final counts', async () => {
      const conn = await newConnection();
      const hour = (h: string, end: string, input: number) => bucket({ hour: `2026-11-04T${h}:00:00Z`, bucketEnd: new Date(`2026-11-04T${end}Z`), inputUncached: input, outputTokens: input / 10 });
      await ingest.ingest(conn, [hour('09', '10:00:00', 500), hour('10', '10:37:00', 100)], at('2026-11-04T10:37:01Z'));
      await ingest.ingest(conn, [hour('09', '10:00:00', 500), hour('10', '11:00:00', 300), hour('11', '11:05:00', 20)], at('2026-11-04T11:05:01Z'));
      await ingest.ingest(conn, [hour('10', '11:00:00', 300), hour('11', '12:00:00', 200), hour('12', '12:05:00', 10)], at('2026-11-04T12:05:01Z'));

      const rows = await eventsOf(conn.id);
      expect(rows.map((r: { bucket_start: Date; bucket_end: Date; input: number }) => [r.bucket_start.toISOString().slice(11, 16), r.bucket_end.toISOString().slice(11, 16), r.input]))
        .toEqual([['09:00', '10:00', 500], ['10:00', '11:00', 300], ['11:00', '12:00', 200], ['12:00', '12:05', 10]]);
      const totals = await rollupTotals(conn.id);
      expect({ iu: totals.iu, events: totals.events }).toEqual({ iu: '1010', events: 4 });
      await expectOrgRollupsConsistent(conn.orgId);
    });

    it('lets the newest reading win: a batch fetched earlier but ingested later changes nothing', async () => {
      const conn = await newConnection();
      const newer = bucket({ hour: '2026-11-05T03:00:00Z', inputUncached: 900, outputTokens: 90 });
      const older = { ...newer, inputUncached: 400, outputTokens: 40 };
      await ingest.ingest(conn, [newer], at('2026-11-05T04:05:00Z')); // the hourly poll
      expect(await ingest.ingest(conn, [older], at('2026-11-05T04:00:00Z'))).toMatchObject({ stale: 1, updated: 0, inserted: 0 }); // reconciliation, read first
      expect((await eventsOf(conn.id))[0]).toMatchObject({ input: 900, revision: 1 });
      expect((await rollupTotals(conn.id)).iu).toBe('900');

      // An unchanged re-read still moves the reading time, so a read older than it cannot win either.
      await ingest.ingest(conn, [newer], at('2026-11-05T05:05:00Z'));
      expect(await ingest.ingest(conn, [older], at('2026-11-05T05:00:00Z'))).toMatchObject({ stale: 1 });
      expect(await ingest.ingest(conn, [older], at('2026-11-05T05:06:00Z'))).toMatchObject({ stale: 0, updated: 1 });
      expect((await rollupTotals(conn.id)).iu).toBe('400');
    });

    it('stores the counters it does not convert to energy, and a change in them alone is a correction', async () => {
      const conn = await newConnection('anthropic');
      const row = bucket({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', requests: null, webSearchRequests: 3 });
      await ingest.ingest(conn, [row, bucket({ hour: '2026-11-01T01:00:00Z', inputAudioTokens: 70, outputAudioTokens: 80 })]);
      expect(await ingest.ingest(conn, [{ ...row, webSearchRequests: 5 }])).toMatchObject({ updated: 1 });
      const stored = await ds.query(
        `SELECT web_search_requests::int AS web, input_audio_tokens::int AS audio_in, output_audio_tokens::int AS audio_out, revision FROM usage_events WHERE connection_id = $1 ORDER BY bucket_start`, [conn.id]);
      expect(stored).toEqual([{ web: 5, audio_in: null, audio_out: null, revision: 2 }, { web: null, audio_in: 70, audio_out: 80, revision: 1 }]);
    });

    it('replaces an OpenRouter day stored summed over serving providers by its per-provider rows, counting it once', async () => {
      const conn = await newConnection('openrouter');
      const day = (grouping: string, input: number) => bucket({
        provider: 'openrouter', model: 'openai/gpt-4.1', hour: '2026-11-06T00:00:00Z', bucketEnd: new Date('2026-11-07T00:00:00Z'), grouping, inputUncached: input,
      });
      await ingest.ingest(conn, [day('', 150)]); // as the connector stored it before provider_name became a dimension
      await ingest.ingest(conn, [day('provider_name=OpenAI', 100), day('provider_name=Azure', 50)]);
      const groupings = await ds.query(`SELECT grouping, input_uncached::int AS input FROM usage_events WHERE connection_id = $1 ORDER BY grouping`, [conn.id]);
      expect(groupings).toEqual([{ grouping: 'provider_name=Azure', input: 50 }, { grouping: 'provider_name=OpenAI', input: 100 }]);
      const totals = await rollupTotals(conn.id);
      expect({ iu: totals.iu, events: totals.events }).toEqual({ iu: '150', events: 2 });
      await expectOrgRollupsConsistent(conn.orgId);
    });
  });
});
