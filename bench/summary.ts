// bench/summary: dashboard latency over a year of data. Loads ~10M events for one organization, then measures
// /api/v1/telemetry/summary and /models over the full year (HTTP on loopback), beside the same aggregate
// computed by a plain GROUP BY over the raw events in the same run.
// Usage: npm run bench:summary [-- --connections 19 --models 10 --groups 6 --requests 200]
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { createApp } from '../src/http/app';
import type { AppDeps } from '../src/http/deps';
import { createMetricsRegistry } from '../src/http/middleware/metrics';
import { createLogger } from '../src/logger';
import { ApiKeyService } from '../src/services/api-key.service';
import { createServices } from '../src/services';
import type { TemporalHandle } from '../src/integrations/temporal';
import { fmt, withScratchDatabase } from './bench-db';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CONNECTIONS = arg('connections', 19);
const GROUPS = arg('groups', 6);
const REQUESTS = arg('requests', 200);
const MODELS = ['gpt-4o-2024-08-06', 'gpt-4o-mini', 'gpt-4.1', 'o3-2025-04-16', 'gpt-5', 'claude-sonnet-4-20250514', 'claude-haiku-4-5', 'claude-opus-4-1-20250805', 'gemini-2.5-flash', 'acme/unknown'].slice(0, arg('models', 10));
const HOURS = 365 * 24;
const FROM = '2025-01-01';
const TO = '2026-01-01';

async function load(ds: DataSource): Promise<{ orgId: string; total: number }> {
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
  // A bulk load, as a one-off import would do it: secondary indexes are rebuilt once at the end.
  await ds.query(`DROP INDEX usage_events_org_time_idx`);
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
  await ds.query(`ALTER TABLE usage_events ADD CONSTRAINT usage_events_idempotency_key_key UNIQUE (idempotency_key)`);
  await ds.query(`CREATE INDEX usage_events_org_time_idx ON usage_events (org_id, bucket_start, id)`);
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
  await ds.query(`VACUUM ANALYZE usage_rollups_org`);
  await ds.query(`VACUUM ANALYZE usage_events`);
  await ds.query(`VACUUM ANALYZE usage_rollups`);
  console.log('done');
  return { orgId: org.id, total };
}

function percentiles(samples: number[]): { p50: number; p95: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

async function timeIt(n: number, run: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples;
}

const show = (label: string, samples: number[]) => {
  const p = percentiles(samples);
  console.log(`${label.padEnd(44)} p50 ${p.p50.toFixed(1).padStart(8)} ms   p95 ${p.p95.toFixed(1).padStart(8)} ms   (${samples.length} runs)`);
  return p;
};

async function main() {
  console.log(`bench/summary: ${CONNECTIONS} connections × ${MODELS.length} models × ${GROUPS} groupings × ${fmt(HOURS)} hours`);
  await withScratchDatabase('summary', async (ds, url) => {
    const { orgId, total } = await load(ds);
    const [{ rollups }] = await ds.query(`SELECT count(*)::int AS rollups FROM usage_rollups`);
    console.log(`${fmt(total)} events, ${fmt(rollups)} rollup rows`);

    const config = loadConfig({ DATABASE_URL: url, SECRETS_BACKEND: 'local', SECRETS_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'), SECRETS_LOCAL_DIR: '.data/bench-secrets', RATE_LIMIT_API_PER_MINUTE: '1000000', LOG_LEVEL: 'silent' });
    const logger = createLogger({ level: 'silent', name: 'bench' });
    const temporal = { check: async () => undefined } as unknown as TemporalHandle; // reads only: no workflow is touched
    const deps: AppDeps = { config, logger, dataSource: ds, services: createServices({ dataSource: ds, temporal, config, logger }), metrics: createMetricsRegistry(), healthChecks: { database: async () => undefined, temporal: async () => undefined } };
    const key = (await new ApiKeyService(ds).create(orgId, { name: 'bench', environment: 'live' }, null)).key;
    const server: Server = await new Promise((resolve) => { const s = createApp(deps).listen(0, '127.0.0.1', () => resolve(s)); });
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    };
    try {
      const range = `from=${FROM}&to=${TO}`;
      await timeIt(20, () => get(`/api/v1/telemetry/summary?${range}`)); // warm-up
      await timeIt(20, () => get(`/api/v1/telemetry/models?${range}`));
      console.log('');
      const summary = show('GET /telemetry/summary (full year)', await timeIt(REQUESTS, () => get(`/api/v1/telemetry/summary?${range}`)));
      const models = show('GET /telemetry/models (full year)', await timeIt(REQUESTS, () => get(`/api/v1/telemetry/models?${range}`)));
      show('GET /telemetry/summary (one project, 90 days)', await timeIt(REQUESTS, async () => {
        const [p] = await ds.query(`SELECT id FROM projects WHERE org_id = $1 AND slug = 'research'`, [orgId]);
        return get(`/api/v1/telemetry/summary?from=2025-10-01&to=2025-12-30&projectId=${p.id}`);
      }));
      const baseline = show('baseline: GROUP BY over raw events (SQL only)', await timeIt(5, () => ds.query(
        `SELECT provider, model, factor_version, (bucket_start AT TIME ZONE 'UTC')::date AS day, sum(requests), sum(input_uncached), sum(input_cache_write),
           sum(input_cache_read), sum(output_tokens), sum(reasoning_tokens), count(*), sum(energy_wh_central), sum(energy_wh_low), sum(energy_wh_high),
           sum(co2e_g_central), sum(co2e_g_low), sum(co2e_g_high)
         FROM usage_events WHERE org_id = $1 AND bucket_start >= $2 AND bucket_start < $3
         GROUP BY GROUPING SETS ((provider, model, factor_version), ((bucket_start AT TIME ZONE 'UTC')::date))`,
        [orgId, `${FROM}T00:00:00Z`, `${TO}T00:00:00Z`],
      )));
      console.log(`\nsummary p95 ${summary.p95.toFixed(1)} ms, models p95 ${models.p95.toFixed(1)} ms; target p95 < 50 ms`);
      console.log(`raw GROUP BY p50 ${baseline.p50.toFixed(0)} ms: the rollup-backed summary is ${(baseline.p50 / summary.p50).toFixed(0)}× faster`);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
}

main().catch((err) => { console.error(err); process.exit(1); });
