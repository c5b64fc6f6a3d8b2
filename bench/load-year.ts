import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { fmt } from './bench-db';
import { rebuildCoarseRollups } from '../migrations/rebuild-rollups';
import { ensureUsagePartitions } from '../src/db/usage-partitions';

/** The benchmarks' year: 2025, every hour. */
export const YEAR = { from: '2025-01-01', to: '2026-01-01' } as const;
const HOURS = 365 * 24;
const FROM = YEAR.from;

/**
 * Loads a year of hourly usage for one organization (connections × models × groupings × 8,760 hours) straight
 * into usage_events with SQL, then builds both rollup tables from it, the way ingestion would have left them.
 */
export async function loadYearOfEvents(ds: DataSource, shape: { connections: number; models: string[]; groups: number }): Promise<{ orgId: string; total: number }> {
  const { models: MODELS } = shape;
  const CONNECTIONS = shape.connections;
  const GROUPS = shape.groups;
  const [org] = await ds.query(`INSERT INTO organizations (clerk_org_id, name) VALUES ('org_bench_summary', 'Bench') RETURNING id`);
  const projects: string[] = [];
  for (const slug of ['default', 'support', 'research']) {
    const [p] = await ds.query(`INSERT INTO projects (org_id, name, slug, is_default) VALUES ($1, $2, $2, $3) RETURNING id`, [org.id, slug, slug === 'default']);
    projects.push(p.id);
  }
  const connections: Array<{ id: string; project: string; provider: string }> = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const id = randomUUID();
    const provider = ['openai', 'anthropic', 'openrouter'][i % 3];
    await ds.query(`INSERT INTO provider_connections (id, org_id, project_id, provider, name, key_hint, workflow_id, status) VALUES ($1, $2, $3, $4, $5, 'abcd', $6, 'paused')`,
      [id, org.id, projects[i % 3], provider, `c${i}`, `connection:${id}`]);
    connections.push({ id, project: projects[i % 3], provider });
  }
  // The year's months have their partitions, as a deployment running through that year would have made them.
  await ensureUsagePartitions(ds, { from: new Date(`${FROM}T00:00:00Z`), to: new Date(`${YEAR.to}T00:00:00Z`) });
  // A bulk load, as a one-off import would do it: secondary indexes (whatever the migrations made) are rebuilt once at the end.
  const secondary: Array<{ name: string; definition: string }> = await ds.query(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
     WHERE i.indrelid = 'usage_events'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`);
  for (const index of secondary) await ds.query(`DROP INDEX ${index.name}`);
  await ds.query(`ALTER TABLE usage_events DROP CONSTRAINT usage_events_idempotency_key_key`);
  const total = CONNECTIONS * MODELS.length * GROUPS * HOURS;
  let done = 0;
  for (const c of connections) {
    for (const model of MODELS) {
      // Plain float arithmetic and a cheap unique key keep the generator itself out of the measurement's way.
      await ds.query(
        `INSERT INTO usage_events (org_id, connection_id, project_id, provider, model, bucket_start, bucket_end, grouping, input_uncached, input_cache_write,
           input_cache_read, output_tokens, reasoning_tokens, requests, idempotency_key, factor_version, tier, matched_rule,
           energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high)
         SELECT $1, $2::uuid, $3, $4, $5, t, t + interval '1 hour', 'api_key_id=k' || g, iu, icw, icr, ot, 0, req,
           uuid_send($2::uuid) || int4send(h) || int4send(g) || int4send($9::int), '1.0', 'large', '*',
           round(e, 9), round(e * 0.3, 9), round(e * 3, 9), round(e * 0.37, 9), round(e * 0.06, 9), round(e * 1.44, 9)
         FROM generate_series(0, $6 - 1) AS h, generate_series(0, $7 - 1) AS g,
           LATERAL (SELECT $8::timestamptz + h * interval '1 hour' AS t, 1000 + (h * 7 + g * 13) % 5000 AS iu, (h + g) % 300 AS icw,
             (h * 3 + g) % 2000 AS icr, 200 + (h * 11 + g) % 900 AS ot, 1 + (h + g) % 30 AS req) AS v,
           LATERAL (SELECT ((iu * 0.00012 + ot * 0.0009) * 1.15)::numeric AS e) AS em`,
        [org.id, c.id, c.project, c.provider, model, HOURS, GROUPS, `${FROM}T00:00:00Z`, MODELS.indexOf(model)],
      );
      done += HOURS * GROUPS;
      if (done % (HOURS * GROUPS * 10) === 0 || done === total) process.stdout.write(`\rloading events: ${fmt(done)} / ${fmt(total)} (${Math.round((done / total) * 100)}%)`);
    }
  }
  process.stdout.write('\nrebuilding indexes and rollups… ');
  await ds.query(`ALTER TABLE usage_events ADD CONSTRAINT usage_events_idempotency_key_key UNIQUE (idempotency_key, bucket_start)`);
  // pg_get_indexdef names a partitioned table's index ON ONLY the parent, which would leave the partitions without one.
  for (const index of secondary) await ds.query(index.definition.replace(' ON ONLY ', ' ON '));
  await ds.query(
    `INSERT INTO usage_rollups (org_id, project_id, connection_id, provider, model, day, factor_version, requests, input_uncached, input_cache_write,
       input_cache_read, output_tokens, reasoning_tokens, event_count, energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high)
     SELECT org_id, project_id, connection_id, provider, model, (bucket_start AT TIME ZONE 'UTC')::date, factor_version, sum(requests), sum(input_uncached),
       sum(input_cache_write), sum(input_cache_read), sum(output_tokens), sum(reasoning_tokens), count(*), sum(energy_wh_central), sum(energy_wh_low),
       sum(energy_wh_high), sum(co2e_g_central), sum(co2e_g_low), sum(co2e_g_high)
     FROM usage_events GROUP BY 1, 2, 3, 4, 5, 6, 7`,
  );
  await ds.query(
    `INSERT INTO usage_rollups_org SELECT org_id, provider, model, day, factor_version, sum(requests), sum(input_uncached), sum(input_cache_write),
       sum(input_cache_read), sum(output_tokens), sum(reasoning_tokens), sum(event_count), sum(energy_wh_central), sum(energy_wh_low), sum(energy_wh_high),
       sum(co2e_g_central), sum(co2e_g_low), sum(co2e_g_high)
     FROM usage_rollups GROUP BY org_id, provider, model, day, factor_version`,
  );
  await rebuildCoarseRollups(ds);
  await ds.query(`VACUUM ANALYZE usage_rollups_org`);
  await ds.query(`VACUUM ANALYZE usage_rollups_org_monthly`);
  await ds.query(`VACUUM ANALYZE usage_rollups_org_days`);
  await ds.query(`VACUUM ANALYZE usage_events`);
  await ds.query(`VACUUM ANALYZE usage_rollups`);
  console.log('done');
  return { orgId: org.id, total };
}

