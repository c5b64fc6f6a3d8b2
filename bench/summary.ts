// bench/summary: dashboard latency over a year of data. Loads ~10M events for one organization, then measures
// /api/v1/telemetry/summary and /models over the full year (HTTP on loopback), beside the same aggregate
// computed by a plain GROUP BY over the raw events in the same run.
// Usage: npm run bench:summary [-- --connections 19 --models 10 --groups 6 --requests 200]
import { FactorSetRepository } from '../src/services/telemetry/factor-sets';
import { TelemetryQueryService } from '../src/services/telemetry/telemetry-query.service';
import { SUM_COLUMNS } from '../src/services/telemetry/totals';
import { startBenchApi } from './bench-api';
import { fmt, withScratchDatabase } from './bench-db';
import { loadYearOfEvents, YEAR } from './load-year';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CONNECTIONS = arg('connections', 19);
const GROUPS = arg('groups', 6);
const REQUESTS = arg('requests', 200);
const MODELS = ['gpt-4o-2024-08-06', 'gpt-4o-mini', 'gpt-4.1', 'o3-2025-04-16', 'gpt-5', 'claude-sonnet-4-20250514', 'claude-haiku-4-5', 'claude-opus-4-1-20250805', 'gemini-2.5-flash', 'acme/unknown'].slice(0, arg('models', 10));
const HOURS = 365 * 24;
const { from: FROM, to: TO } = YEAR;

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
    const { orgId, total } = await loadYearOfEvents(ds, { connections: CONNECTIONS, models: MODELS, groups: GROUPS });
    const [{ rollups }] = await ds.query(`SELECT count(*)::int AS rollups FROM usage_rollups`);
    console.log(`${fmt(total)} events, ${fmt(rollups)} rollup rows`);

    const api = await startBenchApi(ds, url, orgId);
    const { base, key } = api;
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
      // One line per events filter: a first page and the page after it (the keyset cursor), over the full year.
      const [c] = await ds.query(`SELECT id, project_id FROM provider_connections WHERE org_id = $1 ORDER BY name DESC LIMIT 1`, [orgId]);
      for (const [label, filter] of [['no filter', ''], ['connection', `&connectionId=${c.id}`], ['project', `&projectId=${c.project_id}`],
        ['model', `&model=${encodeURIComponent(MODELS[MODELS.length - 1])}`], ['provider', '&provider=anthropic']]) {
        const first = (await get(`/api/v1/telemetry/events?${range}${filter}&limit=100`)) as { nextCursor: string | null };
        show(`GET /telemetry/events (${label})`, await timeIt(REQUESTS / 4, () => get(`/api/v1/telemetry/events?${range}${filter}&limit=100`)));
        if (!first.nextCursor) continue; // a mix without that provider (e.g. --connections 1)
        show(`GET /telemetry/events (${label}, next page)`, await timeIt(REQUESTS / 4, () => get(`/api/v1/telemetry/events?${range}${filter}&limit=100&cursor=${first.nextCursor}`)));
      }
      // Before and after, in this run: the statements the summary sent before the monthly rollups (one GROUPING SETS
      // pass over the daily rollups) and the two it sends now (model lines from months + edge days, the daily chart).
      const before = show('before: summary SQL over daily rollups', await timeIt(REQUESTS, () => ds.query(
        `SELECT provider, model, factor_version, day::text AS day, ${SUM_COLUMNS} FROM usage_rollups_org
          WHERE org_id = $1 AND day >= $2::date AND day < $3::date GROUP BY GROUPING SETS ((provider, model, factor_version), (day))`,
        [orgId, FROM, TO],
      )));
      const service = new TelemetryQueryService(ds, new FactorSetRepository(ds));
      const filters = await service.resolve(orgId, { from: FROM, to: TO });
      const after = show('after: summary via monthly rollups (service)', await timeIt(REQUESTS, () => service.summary(filters)));
      const baseline = show('baseline: GROUP BY over raw events (SQL only)', await timeIt(5, () => ds.query(
        `SELECT provider, model, factor_version, (bucket_start AT TIME ZONE 'UTC')::date AS day, sum(requests), sum(input_uncached), sum(input_cache_write),
           sum(input_cache_read), sum(output_tokens), sum(reasoning_tokens), count(*), sum(energy_wh_central), sum(energy_wh_low), sum(energy_wh_high),
           sum(co2e_g_central), sum(co2e_g_low), sum(co2e_g_high)
         FROM usage_events WHERE org_id = $1 AND bucket_start >= $2 AND bucket_start < $3
         GROUP BY GROUPING SETS ((provider, model, factor_version), ((bucket_start AT TIME ZONE 'UTC')::date))`,
        [orgId, `${FROM}T00:00:00Z`, `${TO}T00:00:00Z`],
      )));
      console.log(`\nsummary p95 ${summary.p95.toFixed(1)} ms, models p95 ${models.p95.toFixed(1)} ms over HTTP; target p95 < 25 ms`);
      console.log(`summary reads: before p50 ${before.p50.toFixed(1)} ms (SQL alone), after p50 ${after.p50.toFixed(1)} ms (SQL and assembly): ${(before.p50 / after.p50).toFixed(1)}× faster`);
      console.log(`raw GROUP BY p50 ${baseline.p50.toFixed(0)} ms: the rollup-backed summary is ${(baseline.p50 / summary.p50).toFixed(0)}× faster`);
    } finally {
      await api.close();
    }
  });
}

main().catch((err) => { console.error(err); process.exit(1); });
