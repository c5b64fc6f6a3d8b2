import { readdirSync, readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { fmt } from './bench-db';
import type { FakeStats } from './polling-fakes';
import type { PhaseFigures } from './polling-report';
import { byLabel, delta, scrape, sumOf, type Scrape } from './prom-scrape';
import { ProcSampler } from './proc-sampler';

export interface PhaseProbe {
  ds: DataSource;
  temporalMetricsUrl: string;
  workerMetricsUrl: string;
  fakes: { stats(): Promise<FakeStats> };
  /** Processes measured apart, by name; Postgres backends of the bench database are found at every sample. */
  pids: Record<string, number>;
  api: { base: string; key: string };
  total: number;
  timeoutMs: number;
}

/** CPU ticks of each thread of a process, by thread id, with its name (the JS main thread, V8 and Temporal core threads …). */
function threadTicks(pid: number): Map<number, { name: string; ticks: number }> {
  const out = new Map<number, { name: string; ticks: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = Number(tid) === pid ? 'main (JS)' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(Number(tid), { name, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch { /* the thread ended */ }
  }
  return out;
}

async function dbCounts(ds: DataSource): Promise<{ events: number; revisions: number; polled?: number }> {
  const [row] = await ds.query(`SELECT count(*)::bigint AS events, coalesce(sum(revision), 0)::bigint AS revisions FROM usage_events`);
  return { events: Number(row.events), revisions: Number(row.revisions) };
}

/**
 * Waits until the Temporal server has seen `count` more StartTimer commands than in `since` (0: until that count
 * stops moving for 3 s), i.e. the pollers of a phase have all gone back to sleep.
 */
async function waitForTimers(p: PhaseProbe, count: number, since?: Scrape): Promise<void> {
  const timers = async () => sumOf(await scrape(p.temporalMetricsUrl), 'action', { namespace: 'default', action_type: 'command_StartTimer' });
  const base = since ? sumOf(since, 'action', { namespace: 'default', action_type: 'command_StartTimer' }) : 0;
  let last = await timers();
  let lastChange = Date.now();
  while (Date.now() - lastChange < (count > 0 ? 60_000 : 3_000)) {
    if (count > 0 && last - base >= count) return;
    await new Promise((r) => setTimeout(r, 250));
    const now = await timers();
    if (now !== last) { last = now; lastChange = Date.now(); }
  }
  if (count > 0) console.log(`  (only ${fmt(last - base)} of ${fmt(count)} pollers went back to sleep)`);
}

/** Sequential GET /api/v1/telemetry/summary (the largest organization's default 30 days) until stopped. */
function probeSummary(api: { base: string; key: string }): { stop(): Promise<{ latencies: number[]; errors: number }> } {
  const latencies: number[] = [];
  let errors = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = process.hrtime.bigint();
      const res = await fetch(`${api.base}/api/v1/telemetry/summary`, { headers: { authorization: `Bearer ${api.key}` } }).catch(() => null);
      if (res) await res.arrayBuffer();
      if (res?.status === 200) latencies.push(Number(process.hrtime.bigint() - t) / 1e6); else errors += 1;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { stop: async () => { stopped = true; await loop; return { latencies, errors }; } };
}

/**
 * Runs `action` (start pollers, signal them, run a pass) and measures until every connection has polled since it
 * began (`waitForPolls`) or the action resolves: duration, per-minute polls, provider calls, rows, Temporal tasks and
 * actions (server metrics), CPU and RSS per process, and the API's summary latency while it runs (`probeApi`).
 */
export async function measurePhase(p: PhaseProbe, label: string, options: { waitForPolls: boolean; probeApi?: boolean }, action: () => Promise<unknown>): Promise<PhaseFigures> {
  if (options.waitForPolls) await waitForTimers(p, 0); // nothing of an earlier phase may still be settling
  console.log(`\n${label}:`);
  const before = { temporal: await scrape(p.temporalMetricsUrl), worker: await scrape(p.workerMetricsUrl), fakes: await p.fakes.stats(), db: await dbCounts(p.ds), threads: threadTicks(p.pids.worker) };
  const sampler = new ProcSampler(async () => {
    const backends: Array<{ pid: number; shared: boolean }> = await p.ds.query(
      `SELECT pid, datname IS NULL AS shared FROM pg_stat_activity WHERE datname = current_database() OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`);
    return { ...Object.fromEntries(Object.entries(p.pids).map(([name, pid]) => [name, [pid]])),
      'postgres (bench db backends)': backends.filter((b) => !b.shared).map((b) => b.pid), 'postgres (shared wal/checkpoint)': backends.filter((b) => b.shared).map((b) => b.pid) };
  }, 500);
  await sampler.start();
  const probe = options.probeApi ? probeSummary(p.api) : undefined;
  const t0 = Date.now();
  const since = new Date(t0);
  const timeline: Array<[number, number]> = [];
  let actionSeconds = 0;
  const acting = action().then(() => { actionSeconds = (Date.now() - t0) / 1000; });
  let polled = 0;
  let failed = 0;
  if (options.waitForPolls) {
    while (Date.now() - t0 < p.timeoutMs) {
      const [row] = await p.ds.query(
        `SELECT count(*) FILTER (WHERE last_polled_at >= $1)::int AS polled, count(*) FILTER (WHERE last_polled_at >= $1 AND (last_success_at IS NULL OR last_success_at < $1))::int AS failed FROM provider_connections`, [since]);
      ({ polled, failed } = row);
      timeline.push([Date.now() - t0, polled]);
      const progress = `${fmt(polled)} / ${fmt(p.total)} polled after ${((Date.now() - t0) / 1000).toFixed(0)} s`;
      // A terminal gets one updating line; a log file a line every 15 s.
      if (process.stdout.isTTY) process.stdout.write(`\r  ${progress}   `);
      else if (timeline.length % 30 === 1) console.log(`  ${progress}`);
      if (polled >= p.total) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (process.stdout.isTTY) process.stdout.write('\n');
  }
  await acting;
  // The last row written by a poll of this phase marks its end more exactly than the 0.5 s check above.
  const [end] = options.waitForPolls ? await p.ds.query(`SELECT extract(epoch FROM max(updated_at)) * 1000 AS ms FROM provider_connections WHERE last_polled_at >= $1`, [since]) : [{ ms: null }];
  const pollsSeconds = end.ms ? (Number(end.ms) - t0) / 1000 : (Date.now() - t0) / 1000;
  // A cycle ends when every poller sleeps again: its workflow task after the poll has started its next timer.
  if (options.waitForPolls) await waitForTimers(p, p.total, before.temporal);
  const seconds = options.waitForPolls ? (Date.now() - t0) / 1000 : pollsSeconds;
  const api = await probe?.stop();
  const usage = await sampler.stop();
  const after = { temporal: await scrape(p.temporalMetricsUrl), worker: await scrape(p.workerMetricsUrl), fakes: await p.fakes.stats(), db: await dbCounts(p.ds), threads: threadTicks(p.pids.worker) };

  const t = delta(before.temporal, after.temporal);
  const w = delta(before.worker, after.worker);
  const ns = { namespace: 'default' };
  const threads = new Map<string, number>();
  for (const [tid, th] of after.threads) threads.set(th.name, (threads.get(th.name) ?? 0) + (th.ticks - (before.threads.get(tid)?.ticks ?? 0)) / 100 / usage.seconds);
  return {
    label, seconds, pollsSeconds, actionSeconds, polled, failed, timeline,
    providerCalls: Object.fromEntries(Object.entries(after.fakes.calls).map(([k, v]) => [k, v - (before.fakes.calls[k] ?? 0)])),
    providerErrors: Object.fromEntries(Object.entries(after.fakes.errors).map(([k, v]) => [k, v - (before.fakes.errors[k] ?? 0)]).filter(([, v]) => Number(v) > 0)),
    rows: { inserted: after.db.events - before.db.events, revised: after.db.revisions - before.db.revisions - (after.db.events - before.db.events) },
    ingested: byLabel(w, 'carbonplan_ingested_rows_total', 'result'),
    polls: byLabel(w, 'carbonplan_polls_total', 'outcome'),
    workflowTasks: sumOf(t, 'service_requests', { ...ns, operation: 'RespondWorkflowTaskCompleted', service_name: 'frontend' }),
    workflowTasksFailed: sumOf(t, 'service_requests', { ...ns, operation: 'RespondWorkflowTaskFailed', service_name: 'frontend' }),
    activityTasks: sumOf(t, 'service_requests', { ...ns, operation: 'RespondActivityTaskCompleted', service_name: 'frontend' })
      + sumOf(t, 'service_requests', { ...ns, operation: 'RespondActivityTaskFailed', service_name: 'frontend' }),
    heartbeats: sumOf(t, 'service_requests', { ...ns, operation: 'RecordActivityTaskHeartbeat', service_name: 'frontend' }),
    actions: byLabel(t, 'action', 'action_type', ns),
    persistence: byLabel(t, 'persistence_requests', 'operation', ns),
    usage, workerThreads: [...threads.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5),
    api,
  };
}
