import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { FactorSetDocument, TokenCounts } from '../../../contracts/emissions';
import { ExactEmissions1764000000005 } from '../../../migrations/1764000000005-exact-emissions';
import { rebuildRollups } from '../../../migrations/rebuild-rollups';
import { createDataSource } from '../../../src/db/data-source';
import { migrateUp } from '../../../src/db/migrations-runner';
import { createEmissionsEngine, defaultEngine, emissionFigures, loadFactorSetV1, toDecimalString, type EmissionsEngine } from '../../../src/emissions';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../src/services/telemetry/ingest.service';
import { formatFixed, parseFixed } from '../../../src/services/telemetry/fixed-decimal';
import { createConnectionRow, createTenant, type TestConnection } from '../../factories/tenants';
import { bucket, seededRandom } from '../../factories/usage';

const FIGURES = ['energy_wh_central', 'energy_wh_low', 'energy_wh_high', 'co2e_g_central', 'co2e_g_low', 'co2e_g_high'];
const TOKENS = ['input_uncached', 'input_cache_write', 'input_cache_read', 'output_tokens'] as const;
const CANONICAL = /^(0|[1-9]\d*)(\.\d{0,11}[1-9])?$/; // at most 12 fraction digits, no trailing zeros
const MODELS = ['gpt-4.1-nano', 'claude-haiku-4-5', 'gpt-4o', 'o3', 'claude-opus-4-1', 'brand-new-model']; // one per tier

/**
 * A side-by-side factor set whose exact figures need rounding: decode 5e-7 Wh/1k (an exponent form in JSON), only a
 * default PUE (so every provider falls back to it) of 1 and a grid of 1 g/kWh, so n output tokens emit n × 5e-13 g.
 */
function factorSet09(): FactorSetDocument {
  const doc = loadFactorSetV1();
  doc.tiers.large.decode = [5e-7, 5e-7, 5e-7];
  return { ...doc, version: '0.9', pue: { default: [1, 1, 1] }, grid: { default: [1, 1, 1] } };
}

/** What ingestion stored before this change: the formula in binary floating point, 12 fraction digits. */
function floatFigures(doc: FactorSetDocument, tier: string, provider: string, t: Partial<TokenCounts>): string[] {
  const f = doc.tiers[tier as keyof FactorSetDocument['tiers']];
  const pue = doc.pue[provider] ?? doc.pue.default;
  const grid = doc.grid.default;
  const energy = [0, 1, 2].map((b) =>
    ((((t.inputUncached ?? 0) + (t.inputCacheWrite ?? 0)) * f.prefill[b] + (t.outputTokens ?? 0) * f.decode[b] + (t.inputCacheRead ?? 0) * f.cached[b]) / 1000) * pue[b]);
  return [...energy, ...energy.map((e, b) => (e / 1000) * grid[b])].map((n) => toDecimalString(n, 12));
}

async function withScratchDatabase(run: (ds: DataSource) => Promise<void>): Promise<void> {
  const admin = new Client({ connectionString: process.env.TEST_ADMIN_DATABASE_URL! });
  const name = `carbonplan_exact_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.TEST_ADMIN_DATABASE_URL!);
  url.pathname = `/${name}`;
  const ds = await createDataSource({ url: url.toString(), poolSize: 2 }).initialize();
  try {
    await migrateUp(ds);
    await run(ds);
  } finally {
    await ds.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

interface Seeded { id: string; provider: string; model: string; version: string; tokens: Partial<TokenCounts> }

async function insertEvent(ds: DataSource, c: TestConnection, hour: number, doc: FactorSetDocument, engine: EmissionsEngine, model: string, tokens: Partial<TokenCounts>): Promise<Seeded> {
  const { tier, matchedRule } = engine.classify(model);
  const start = new Date(Date.UTC(2026, 10, 1) + hour * 3_600_000);
  const [{ id }] = await ds.query(
    `INSERT INTO usage_events (org_id, connection_id, project_id, provider, model, bucket_start, bucket_end, ${TOKENS.join(', ')}, requests,
       idempotency_key, factor_version, tier, matched_rule, ${FIGURES.join(', ')})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) RETURNING id::text`,
    [c.orgId, c.id, c.projectId, c.provider, model, start, new Date(start.getTime() + 3_600_000),
      tokens.inputUncached ?? 0, tokens.inputCacheWrite ?? 0, tokens.inputCacheRead ?? 0, tokens.outputTokens ?? 0,
      randomBytes(32), doc.version, tier, matchedRule, ...floatFigures(doc, tier, c.provider, tokens)]);
  return { id, provider: c.provider, model, version: doc.version, tokens };
}

const figuresOf = (row: Record<string, string>) => FIGURES.map((c) => row[c]);
const BOUNDS = ['central', 'low', 'high'];

/** Energy of bound b as the methodology writes it, one term per token class, read with jsonb paths. */
const termByTerm = (b: number) => {
  const factor = (phase: string) => `(f.document #>> ARRAY['tiers', e.tier, '${phase}', '${b}'])::numeric`;
  return `(e.input_uncached * 0.001 * ${factor('prefill')} + e.input_cache_write * 0.001 * ${factor('prefill')}
    + e.input_cache_read * 0.001 * ${factor('cached')} + e.output_tokens * 0.001 * ${factor('decode')})
    * (coalesce(f.document->'pue'->e.provider, f.document->'pue'->'default')->>${b})::numeric`;
};

describe('migration ExactEmissions1764000000005', () => {
  it('recomputes every figure exactly from stored tokens and the factor set, and rebuilds the rollups as their sums', async () => {
    await withScratchDatabase(async (ds) => {
      const v1 = loadFactorSetV1();
      const v09 = factorSet09();
      await ds.query(`INSERT INTO carbon_factor_sets (version, published_at, document) VALUES ('0.9', '2025-01-01T00:00:00Z', $1)`, [JSON.stringify(v09)]);
      const engines: Record<string, EmissionsEngine> = { '1.0': createEmissionsEngine(v1), '0.9': createEmissionsEngine(v09) };
      const tenant = await createTenant(ds);
      const connections = [await createConnectionRow(ds, tenant, 'openai'), await createConnectionRow(ds, tenant, 'anthropic'), await createConnectionRow(ds, tenant, 'openrouter')];

      const rand = seededRandom(9);
      const count = () => (rand() < 0.15 ? 0 : Math.floor(rand() * 10 ** Math.ceil(rand() * 9)));
      const events: Seeded[] = [await insertEvent(ds, connections[0], 0, v1, engines['1.0'], 'gpt-4o', { inputUncached: 4_608_858 })];
      for (let i = 0; i < 90; i++) {
        const tokens = { inputUncached: count(), inputCacheWrite: count(), inputCacheRead: count(), outputTokens: count() };
        const doc = i % 6 === 5 ? v09 : v1;
        events.push(await insertEvent(ds, connections[i % 3], i % 50, doc, engines[doc.version], MODELS[i % MODELS.length], tokens));
      }
      for (const outputTokens of [1, 3, 5, 7]) events.push(await insertEvent(ds, connections[0], 60 + outputTokens, v09, engines['0.9'], 'gpt-4o', { outputTokens }));
      // Side-by-side 0.9 figures for some 1.0 events, as a recomputation would write them.
      const sideBySide = events.filter((e) => e.version === '1.0').slice(0, 25);
      for (const e of sideBySide) {
        const { tier, matchedRule } = engines['0.9'].classify(e.model);
        await ds.query(`INSERT INTO event_emissions (event_id, bucket_start, factor_version, tier, matched_rule, ${FIGURES.join(', ')})
          VALUES ($1, (SELECT bucket_start FROM usage_events WHERE id = $1), '0.9', $2, $3, ${FIGURES.map((_, i) => `$${i + 4}`).join(', ')})`, [e.id, tier, matchedRule, ...floatFigures(v09, tier, e.provider, e.tokens)]);
      }
      const runner = ds.createQueryRunner();
      await rebuildRollups(runner); // the rollups as ingestion kept them: sums of the float figures

      const [example] = await ds.query(`SELECT energy_wh_high::text FROM usage_events WHERE id = $1`, [events[0].id]);
      expect(example.energy_wh_high).toBe('2304.429000000001'); // the drift being repaired
      const exactOf = (e: Seeded) => emissionFigures(engines[e.version].computeExact({ provider: e.provider, model: e.model, tokens: e.tokens }));
      const before = new Map<string, string[]>((await ds.query(`SELECT id::text, ${FIGURES.join(', ')} FROM usage_events`)).map((r: Record<string, string>) => [r.id, figuresOf(r)]));
      const drifted = events.filter((e) => before.get(e.id)!.some((f, i) => parseFixed(f) !== parseFixed(exactOf(e)[i])));
      expect(drifted.length).toBeGreaterThan(events.length / 4);

      await runner.startTransaction();
      await new ExactEmissions1764000000005().up(runner);
      await runner.commitTransaction();
      await runner.release();

      // 1. Every event equals the engine's exact figures (BigInt, in JS), digit for digit, for both versions.
      const stored = new Map<string, Record<string, string>>((await ds.query(`SELECT id::text, ${FIGURES.map((c) => `${c}::text`).join(', ')} FROM usage_events`))
        .map((r: Record<string, string>) => [r.id, r]));
      expect(stored.size).toBe(events.length);
      for (const e of events) {
        expect({ id: e.id, figures: figuresOf(stored.get(e.id)!) }).toEqual({ id: e.id, figures: exactOf(e) });
      }
      expect(figuresOf(stored.get(events[0].id)!)[2]).toBe('2304.429');
      // Ties round to even, as in the engine: n × 5e-13 g for n = 1, 3, 5, 7.
      expect(events.slice(-4).map((e) => stored.get(e.id)!.co2e_g_central)).toEqual(['0', '0.000000000002', '0.000000000002', '0.000000000004']);

      // 2. The same from the stored rows in SQL numeric, term by term, for v1.0 (whose figures need no rounding).
      const [{ checked, mismatched }] = await ds.query(`
        WITH exact AS (SELECT e.*, ${BOUNDS.map((b, i) => `${termByTerm(i)} AS wh_${b}, (f.document #>> '{grid,default,${i}}')::numeric AS grid_${b}`).join(', ')}
                       FROM usage_events e JOIN carbon_factor_sets f ON f.version = e.factor_version WHERE e.factor_version = '1.0')
        SELECT count(*)::int AS checked, count(*) FILTER (WHERE ${BOUNDS.map((b) => `energy_wh_${b}::text <> trim_scale(wh_${b})::text
          OR co2e_g_${b}::text <> trim_scale(wh_${b} * grid_${b} * 0.001)::text`).join(' OR ')})::int AS mismatched
        FROM exact`);
      expect({ checked, mismatched }).toEqual({ checked: events.filter((e) => e.version === '1.0').length, mismatched: 0 });

      // 3. Side-by-side figures were recomputed with their own version's document.
      const side = await ds.query(`SELECT event_id::text AS id, ${FIGURES.map((c) => `${c}::text`).join(', ')} FROM event_emissions`);
      expect(side).toHaveLength(sideBySide.length);
      for (const row of side) {
        const e = events.find((x) => x.id === row.id)!;
        expect(figuresOf(row)).toEqual(emissionFigures(engines['0.9'].computeExact({ provider: e.provider, model: e.model, tokens: e.tokens })));
      }

      // 4. Every figure is canonical with at most 12 fraction digits, and rollups are exactly the sums of events.
      for (const row of [...stored.values(), ...side]) for (const f of figuresOf(row)) expect(f).toMatch(CANONICAL);
      for (const [table, keys] of [['usage_rollups', 'org_id, project_id, connection_id, provider, model, day, factor_version'], ['usage_rollups_org', 'org_id, provider, model, day, factor_version']]) {
        const diff = await ds.query(`
          SELECT * FROM (SELECT ${keys}, ${FIGURES.join(', ')}, event_count::bigint FROM ${table}) r
          FULL JOIN (SELECT ${keys.replace('day', `(bucket_start AT TIME ZONE 'UTC')::date AS day`)}, ${FIGURES.map((c) => `sum(${c}) AS ${c}`).join(', ')}, count(*) AS event_count
                     FROM usage_events GROUP BY ${keys.split(', ').map((_, i) => i + 1).join(', ')}) s USING (${keys})
          WHERE ${[...FIGURES, 'event_count'].map((c) => `r.${c} IS DISTINCT FROM s.${c}`).join(' OR ')}`);
        expect({ table, diff }).toEqual({ table, diff: [] });
      }
      const [totals] = await ds.query(`SELECT ${FIGURES.map((c) => `sum(${c})::text AS ${c}`).join(', ')} FROM usage_rollups_org WHERE factor_version = '1.0'`);
      const expectedTotals = FIGURES.map((_, i) => events.filter((e) => e.version === '1.0').reduce((acc, e) => acc + parseFixed(exactOf(e)[i]), 0n));
      expect(figuresOf(totals).map((t) => formatFixed(parseFixed(t)))).toEqual(expectedTotals.map(formatFixed));

      // 5. Running it again changes nothing.
      const again = ds.createQueryRunner();
      await new ExactEmissions1764000000005().up(again);
      await again.release();
      const rerun = await ds.query(`SELECT id::text, ${FIGURES.map((c) => `${c}::text`).join(', ')} FROM usage_events`);
      for (const row of rerun) expect(figuresOf(row)).toEqual(figuresOf(stored.get(row.id)!));
    });
  });
});

describe('exact figures on the ingestion path', () => {
  let ds: DataSource;
  beforeAll(async () => { ds = await createDataSource({ url: process.env.DATABASE_URL!, poolSize: 2 }).initialize(); });
  afterAll(async () => { await ds.destroy(); });

  it('survive the factor set read back from the database and the numeric columns, digit for digit', async () => {
    // Ingestion computes with the engine built from carbon_factor_sets.document (jsonb), not the bundled file.
    const stored = await new FactorSetRepository(ds).current();
    const conn = await createConnectionRow(ds, await createTenant(ds), 'openai');
    const rand = seededRandom(11);
    const count = () => Math.floor(rand() * 10 ** Math.ceil(rand() * 9));
    const samples: Seeded[] = [{ id: '', provider: 'openai', model: 'gpt-4o', version: '1.0', tokens: { inputUncached: 4_608_858 } }];
    for (let i = 0; i < 40; i++) {
      samples.push({ id: '', provider: 'openai', model: MODELS[i % MODELS.length], version: '1.0',
        tokens: { inputUncached: count(), inputCacheWrite: count(), inputCacheRead: count(), outputTokens: count() } });
    }
    const figures = samples.map((e) => emissionFigures(stored.computeExact({ provider: e.provider, model: e.model, tokens: e.tokens })));
    expect(figures).toEqual(samples.map((e) => emissionFigures(defaultEngine().computeExact({ provider: e.provider, model: e.model, tokens: e.tokens }))));
    expect(figures[0][2]).toBe('2304.429');

    // Written as ingestion writes them (text bound to numeric parameters), read back as text and summed.
    for (const [i, e] of samples.entries()) {
      const { tier, matchedRule } = stored.classify(e.model);
      await ds.query(
        `INSERT INTO usage_events (org_id, connection_id, project_id, provider, model, bucket_start, bucket_end, ${TOKENS.join(', ')},
           idempotency_key, factor_version, tier, matched_rule, ${FIGURES.join(', ')})
         VALUES ($1, $2, $3, 'openai', $4, $5, $6, $7, $8, $9, $10, $11, '1.0', $12, $13, $14::numeric, $15::numeric, $16::numeric, $17::numeric, $18::numeric, $19::numeric)`,
        [conn.orgId, conn.id, conn.projectId, e.model, new Date(Date.UTC(2026, 10, 1, i)), new Date(Date.UTC(2026, 10, 1, i + 1)),
          e.tokens.inputUncached ?? 0, e.tokens.inputCacheWrite ?? 0, e.tokens.inputCacheRead ?? 0, e.tokens.outputTokens ?? 0, randomBytes(32), tier, matchedRule, ...figures[i]]);
    }
    const rows = await ds.query(`SELECT ${FIGURES.map((c) => `${c}::text`).join(', ')} FROM usage_events WHERE connection_id = $1 ORDER BY bucket_start`, [conn.id]);
    expect(rows.map(figuresOf)).toEqual(figures);
    const [sums] = await ds.query(`SELECT ${FIGURES.map((c) => `sum(${c})::text AS ${c}`).join(', ')} FROM usage_events WHERE connection_id = $1`, [conn.id]);
    expect(figuresOf(sums).map((t) => formatFixed(parseFixed(t)))).toEqual(FIGURES.map((_, i) => formatFixed(figures.reduce((acc, f) => acc + parseFixed(f[i]), 0n))));
  });

  it('are what IngestService stores, as canonical text', async () => {
    const repository = new FactorSetRepository(ds);
    const conn = await createConnectionRow(ds, await createTenant(ds), 'openai');
    const rand = seededRandom(12);
    const buckets = [bucket({ model: 'gpt-4o', inputUncached: 4_608_858, outputTokens: 0 }), ...MODELS.map((model, i) => bucket({
      model, hour: `2026-11-01T0${i + 1}:00:00Z`, inputUncached: Math.floor(rand() * 1e9), inputCacheWrite: Math.floor(rand() * 1e6),
      inputCacheRead: Math.floor(rand() * 1e8), outputTokens: Math.floor(rand() * 1e8) }))];
    await new IngestService(ds, repository).ingest(conn, buckets);
    const rows = await ds.query(`SELECT ${FIGURES.map((c) => `${c}::text`).join(', ')} FROM usage_events WHERE connection_id = $1 ORDER BY bucket_start`, [conn.id]);
    const engine = await repository.current();
    expect(rows.map(figuresOf)).toEqual(buckets.map((b) => emissionFigures(engine.computeExact({ provider: 'openai', model: b.model, tokens: b }))));
    expect(rows[0].energy_wh_high).toBe('2304.429');
  });
});
