// bench/ingest: ingestion throughput (hash, upsert, emissions, rollups) vs a bare COPY of the same rows.
// Usage: npm run bench:ingest [-- --connections 50 --models 8 --hours 500 --batch 2000]
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import type { UsageBucket } from '../contracts/usage';
import { ensureUsagePartitions } from '../src/db/usage-partitions';
import { defaultEngine, toDecimalString } from '../src/emissions';
import { FactorSetRepository } from '../src/services/telemetry/factor-sets';
import { IngestService, type IngestTarget } from '../src/services/telemetry/ingest.service';
import { usageIdempotencyKey } from '../src/services/telemetry/idempotency-key';
import { fmt, withScratchDatabase } from './bench-db';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CONNECTIONS = arg('connections', 50);
const MODELS = ['gpt-4o-2024-08-06', 'gpt-4o-mini', 'gpt-4.1', 'o3-2025-04-16', 'claude-sonnet-4-20250514', 'claude-haiku-4-5', 'gpt-5', 'mystery-model'].slice(0, arg('models', 8));
const HOURS = arg('hours', 500);
const BATCH = arg('batch', 2000);
/** Concurrent ingests: the worker runs polls of different connections side by side. */
const LANES = arg('lanes', 4);

async function createTargets(ds: DataSource): Promise<IngestTarget[]> {
  const [org] = await ds.query(`INSERT INTO organizations (clerk_org_id, name) VALUES ('org_bench', 'Bench') RETURNING id`);
  const [project] = await ds.query(`INSERT INTO projects (org_id, name, slug, is_default) VALUES ($1, 'Default', 'default', true) RETURNING id`, [org.id]);
  const targets: IngestTarget[] = [];
  for (let i = 0; i <= CONNECTIONS; i++) { // one extra connection to warm up on
    const id = randomUUID();
    await ds.query(`INSERT INTO provider_connections (id, org_id, project_id, provider, name, key_hint, workflow_id) VALUES ($1, $2, $3, 'openai', $4, 'abcd', $5)`, [id, org.id, project.id, `c${i}`, `connection:${id}`]);
    targets.push({ id, orgId: org.id, projectId: project.id, provider: 'openai' });
  }
  return targets;
}

/** One connection's usage as provider pages of BATCH buckets (hours × models). */
function* pagesOf(seed: number): Generator<UsageBucket[]> {
  let page: UsageBucket[] = [];
  const base = Date.UTC(2026, 0, 1);
  for (let h = 0; h < HOURS; h++) {
    for (let m = 0; m < MODELS.length; m++) {
      const x = (seed * 7919 + h * 31 + m * 17) % 1000;
      const start = new Date(base + h * 3_600_000);
      page.push({
        provider: 'openai', model: MODELS[m], bucketStart: start, bucketEnd: new Date(start.getTime() + 3_600_000), grouping: '',
        inputUncached: 1000 + x * 37, inputCacheWrite: x, inputCacheRead: x * 5, outputTokens: 200 + x * 3, reasoningTokens: 0, requests: 1 + (x % 20), unreported: [],
      });
      if (page.length === BATCH) { yield page; page = []; }
    }
  }
  if (page.length) yield page;
}

async function benchPipeline(ds: DataSource, targets: IngestTarget[], warmUp: IngestTarget): Promise<{ events: number; seconds: number }> {
  const ingest = new IngestService(ds, new FactorSetRepository(ds));
  await ingest.ingest(warmUp, pagesOf(0).next().value!.slice(0, 10)); // warm the factor-set cache and the pool
  let events = 0;
  const started = process.hrtime.bigint();
  let next = 0;
  const lane = async () => {
    while (next < targets.length) {
      const target = targets[next++];
      for (const page of pagesOf(next)) {
        const { received } = await ingest.ingest(target, page); // read `events` only after the await: lanes interleave
        events += received;
      }
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  return { events, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

const tsv = (v: unknown) => (v === null ? '\\N' : v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? `\\\\x${v.toString('hex')}` : String(v));

async function benchCopy(ds: DataSource, targets: IngestTarget[]): Promise<{ events: number; seconds: number }> {
  await ds.query(`CREATE TABLE copy_baseline (LIKE usage_events INCLUDING DEFAULTS)`);
  await ds.query(`ALTER TABLE copy_baseline ALTER COLUMN id DROP IDENTITY IF EXISTS, ALTER COLUMN id DROP NOT NULL`);
  const runner = ds.createQueryRunner();
  await runner.connect();
  const client = (await runner.connect()) as import('pg').PoolClient;
  const engine = defaultEngine();
  let events = 0;
  const started = process.hrtime.bigint();
  try {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      const lines = function* () {
        for (const page of pagesOf(i + 1)) {
          for (const b of page) {
            events++;
            const e = engine.compute({ provider: t.provider, model: b.model, tokens: b });
            yield [t.orgId, t.id, t.projectId, t.provider, b.model, b.bucketStart, b.bucketEnd, b.grouping, b.inputUncached, b.inputCacheWrite, b.inputCacheRead,
              b.outputTokens, b.reasoningTokens, b.requests, usageIdempotencyKey({ ...b, connectionId: t.id, provider: t.provider }), engine.version, e.tier, e.matchedRule,
              ...[e.energyWh.central, e.energyWh.low, e.energyWh.high, e.co2eG.central, e.co2eG.low, e.co2eG.high].map((n) => toDecimalString(n, 12))].map(tsv).join('\t') + '\n';
          }
        }
      };
      await pipeline(Readable.from(lines()), client.query(copyFrom(`COPY copy_baseline (org_id, connection_id, project_id, provider, model, bucket_start, bucket_end, grouping,
        input_uncached, input_cache_write, input_cache_read, output_tokens, reasoning_tokens, requests, idempotency_key, factor_version, tier, matched_rule,
        energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high) FROM STDIN`)));
    }
  } finally {
    await runner.release();
  }
  return { events, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function main() {
  const total = CONNECTIONS * MODELS.length * HOURS;
  console.log(`bench/ingest: ${CONNECTIONS} connections × ${MODELS.length} models × ${HOURS} hours = ${fmt(total)} events, pages of ${BATCH}, ${LANES} lane(s)`);
  await withScratchDatabase('ingest', async (ds) => {
    const all = await createTargets(ds);
    // The benchmark's hours have their month's partitions, as the worker keeps them for the current months.
    await ensureUsagePartitions(ds, { from: new Date(Date.UTC(2026, 0, 1)), to: new Date(Date.UTC(2026, 0, 1) + HOURS * 3_600_000) });
    const warmUp = all.pop()!;
    const targets = all;
    process.stdout.write('COPY baseline… ');
    const copy = await benchCopy(ds, targets);
    console.log(`${fmt(copy.events / copy.seconds)} events/s (${copy.seconds.toFixed(2)} s)`);
    process.stdout.write('pipeline (hash, upsert, emissions, rollups)… ');
    const run = await benchPipeline(ds, targets, warmUp);
    console.log(`${fmt(run.events / run.seconds)} events/s (${run.seconds.toFixed(2)} s)`);
    process.stdout.write('re-ingest of the same usage (all unchanged)… ');
    const again = await benchPipeline(ds, targets, warmUp);
    console.log(`${fmt(again.events / again.seconds)} events/s`);
    const [{ rows }] = await ds.query(`SELECT count(*)::int AS rows FROM usage_events`);
    console.log(`\nrows stored: ${fmt(rows)} (expected ${fmt(total)})`);
    console.log(`pipeline: ${fmt(run.events / run.seconds)} events/s; target ≥ 50,000`);
    console.log(`ratio COPY / pipeline: ${(run.seconds / copy.seconds).toFixed(2)}× slower than a bare COPY; target ≤ 3×`);
  });
}

main().catch((err) => { console.error(err); process.exit(1); });
