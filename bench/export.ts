// bench/export: streams a year of events as CSV and JSON through the real API and reports rows/s and how far the
// API process's memory moved, next to the memory a fully buffered export of the same rows needs (measured in
// the same run), to show that the streamed export stays flat.
// Usage: npm run bench:export [-- --connections 3 --groups 2]
import { fmt, withScratchDatabase } from './bench-db';
import { startBenchApi } from './bench-api';
import { loadYearOfEvents, YEAR } from './load-year';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MODELS = ['gpt-4o-2024-08-06', 'gpt-4o-mini', 'gpt-4.1', 'o3-2025-04-16', 'claude-sonnet-4-20250514', 'claude-haiku-4-5', 'gemini-2.5-flash', 'acme/unknown'];
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;

/** Reads the whole response, sampling this process's RSS (the API runs in it) as bytes arrive. */
async function drain(url: string, key: string): Promise<{ bytes: number; seconds: number; peakRss: number }> {
  global.gc?.();
  const started = process.hrtime.bigint();
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (res.status !== 200 || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  let bytes = 0;
  let peakRss = process.memoryUsage.rss();
  for await (const chunk of res.body) {
    bytes += chunk.byteLength;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  return { bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRss };
}

async function main() {
  const shape = { connections: arg('connections', 3), models: MODELS, groups: arg('groups', 2) };
  console.log(`bench/export: ${shape.connections} connections × ${MODELS.length} models × ${shape.groups} groupings × 8,760 hours`);
  await withScratchDatabase('export', async (ds, url) => {
    const { orgId, total } = await loadYearOfEvents(ds, shape);
    const api = await startBenchApi(ds, url, orgId);
    try {
      const baseline = process.memoryUsage.rss();
      console.log(`\n${fmt(total)} events; RSS before exporting ${mb(baseline)}`);
      // Flat means: twice the rows, the same peak.
      for (const [format, to, share] of [['csv', '2025-07-02', 0.5], ['csv', YEAR.to, 1], ['json', YEAR.to, 1]] as const) {
        const run = await drain(`${api.base}/api/v1/export?format=${format}&from=${YEAR.from}&to=${to}`, api.key);
        console.log(`export ${format.padEnd(4)} ${share === 1 ? 'full year' : 'half year'}  ${mb(run.bytes).padStart(7)} in ${run.seconds.toFixed(1).padStart(5)} s (${fmt((total * share) / run.seconds)} rows/s), peak RSS +${mb(run.peakRss - baseline)}`);
      }
      // The alternative the streaming avoids: every row of the year in memory at once.
      global.gc?.();
      const before = process.memoryUsage.rss();
      const rows = await ds.query(`SELECT * FROM usage_events WHERE org_id = $1`, [orgId]);
      console.log(`baseline: the same ${fmt(rows.length)} rows buffered in memory: RSS +${mb(process.memoryUsage.rss() - before)}`);
    } finally {
      await api.close();
    }
  });
}

main().catch((err) => { console.error(err); process.exit(1); });
