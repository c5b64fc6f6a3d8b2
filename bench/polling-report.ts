import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { DataSource } from 'typeorm';
import { fmt } from './bench-db';
import type { SamplerReport } from './proc-sampler';

export interface PhaseFigures {
  label: string;
  /** From the phase's start until every poller sleeps again (its next timer started), or the action's end. */
  seconds: number;
  /** From the phase's start to the last poll's write. */
  pollsSeconds: number;
  /** How long sending the starts or signals (or running the pass) took. */
  actionSeconds: number;
  polled: number;
  failed: number;
  timeline: Array<[number, number]>;
  providerCalls: Record<string, number>;
  providerErrors: Record<string, number>;
  rows: { inserted: number; revised: number };
  ingested: Record<string, number>;
  polls: Record<string, number>;
  workflowTasks: number;
  workflowTasksFailed: number;
  activityTasks: number;
  heartbeats: number;
  actions: Record<string, number>;
  /** Temporal persistence calls by operation: what a history shard serializes. */
  persistence: Record<string, number>;
  usage: SamplerReport;
  workerThreads: Array<[string, number]>;
  api?: { latencies: number[]; errors: number };
}

const HOURS_PER_MONTH = 730;
const MiB = 1024 * 1024;
const list = (m: Record<string, number>) => Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${fmt(v)}`).join(', ') || 'none';
const perSecond = (n: number, s: number) => (n / s).toFixed(1);

/** Most polls completed in any trailing 60 s of the timeline (all of them when the phase was shorter). */
function peakPerMinute(timeline: Array<[number, number]>): number {
  let peak = 0;
  for (const [t, polled] of timeline) {
    const before = [...timeline].reverse().find(([u]) => u <= t - 60_000)?.[1] ?? 0;
    peak = Math.max(peak, polled - before);
  }
  return peak;
}

function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}

/** What held the phase back, from CPU figures: the machine, the worker's JS thread, or neither (waiting). */
export function limitOf(f: PhaseFigures): string[] {
  const { groups, machineBusyCores, machineCores } = f.usage;
  const ours = Object.values(groups).reduce((s, g) => s + g.cores, 0);
  const ranked = Object.entries(groups).sort((a, b) => b[1].cores - a[1].cores);
  const main = f.workerThreads.find(([name]) => name === 'main (JS)')?.[1] ?? 0;
  const out: string[] = [];
  if (machineBusyCores >= 0.9 * machineCores) {
    out.push(`CPU-bound machine: ${machineBusyCores.toFixed(2)} of ${machineCores} cores busy (this bench's processes ${ours.toFixed(2)}, everything else on the machine ${Math.max(0, machineBusyCores - ours).toFixed(2)}); `
      + `largest consumer ${ranked[0][0]} at ${ranked[0][1].cores.toFixed(2)} cores, then ${ranked[1][0]} at ${ranked[1][1].cores.toFixed(2)}`);
  }
  if (main >= 0.85) out.push(`the worker's JS main thread was ${Math.round(main * 100)} % busy: activities (HTTP, JSON, ingest) share that one thread; more worker processes scale it`);
  if (out.length === 0) out.push(`no CPU saturated (machine ${machineBusyCores.toFixed(2)} of ${machineCores} cores, worker main thread ${Math.round(main * 100)} %): bound by waiting (provider latency, slots, Temporal round trips)`);
  return out;
}

export function printPhase(f: PhaseFigures, total: number, options: { signalsAreBench?: boolean } = {}): void {
  const s = f.seconds;
  const calls = Object.values(f.providerCalls).reduce((a, b) => a + b, 0);
  const actions = Object.values(f.actions).reduce((a, b) => a + b, 0);
  const out = (line: string) => console.log(`  ${line}`);
  if (f.polled > 0) {
    out(`${fmt(f.polled)} connections polled and asleep again in ${s.toFixed(1)} s (last poll written at ${f.pollsSeconds.toFixed(1)} s): ${fmt((f.polled / s) * 60)} per minute `
      + `(most in any 60 s: ${fmt(peakPerMinute(f.timeline))}); ${fmt(f.failed)} failed; sending the ${fmt(total)} requests took ${f.actionSeconds.toFixed(1)} s`);
  }
  else out(`done in ${s.toFixed(1)} s: ${fmt((total / s) * 60)} connections per minute`);
  out(`polls (worker counters): ${list(f.polls)}`);
  out(`provider calls: ${list(f.providerCalls)} (${fmt(calls)} in all, ${(calls / total).toFixed(2)} per connection); errors: ${list(f.providerErrors)}`);
  out(`rows: ${fmt(f.rows.inserted)} inserted, ${fmt(f.rows.revised)} revised (worker counters: ${list(f.ingested)})`);
  out(`Temporal: ${fmt(f.workflowTasks)} workflow tasks (${perSecond(f.workflowTasks, s)}/s, ${fmt(f.workflowTasksFailed)} failed), ${fmt(f.activityTasks)} activity tasks (${perSecond(f.activityTasks, s)}/s), ${fmt(f.heartbeats)} heartbeats`);
  out(`Temporal actions: ${fmt(actions)} = ${(actions / total).toFixed(2)} per connection (${list(f.actions)})`);
  const writes = ['CreateWorkflowExecution', 'UpdateWorkflowExecution', 'CreateTasks', 'AppendHistoryNodes', 'ConflictResolveWorkflowExecution']
    .reduce((sum, op) => sum + (f.persistence[op] ?? 0), 0);
  out(`Temporal persistence: ${(writes / total).toFixed(2)} writes per connection (${list(Object.fromEntries(Object.entries(f.persistence).filter(([, v]) => v >= total / 10)))})`);
  if (options.signalsAreBench) {
    // Per poll, not per connection: pollers whose hourly slot fell inside the phase polled a second time.
    const signals = f.actions.grpc_SignalWorkflowExecution ?? 0;
    const polls = Object.values(f.polls).reduce((a, b) => a + b, 0);
    const hourly = (actions - signals) / Math.max(1, polls);
    out(`actions per connection-hour (per poll, the hourly timer instead of the bench's signal): ${hourly.toFixed(2)}; per connection-month (730 h): ${fmt(hourly * HOURS_PER_MONTH)}`);
  }
  const g = f.usage.groups;
  out(`CPU, average cores over ${f.usage.seconds.toFixed(0)} s: ${Object.entries(g).map(([k, v]) => `${k} ${v.cores.toFixed(2)}`).join(', ')}; machine busy ${f.usage.machineBusyCores.toFixed(2)} of ${f.usage.machineCores}`);
  out(`worker threads (cores): ${f.workerThreads.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  out(`RSS: worker max ${fmt(g.worker.maxRssBytes / MiB)} MiB (end ${fmt(g.worker.lastRssBytes / MiB)} MiB), Temporal server max ${fmt(g.temporal.maxRssBytes / MiB)} MiB, fakes ${fmt(g.fakes.maxRssBytes / MiB)} MiB`);
  if (f.api) {
    const l = f.api.latencies;
    out(`API GET /api/v1/telemetry/summary during the phase: p50 ${percentile(l, 0.5).toFixed(1)} ms, p95 ${percentile(l, 0.95).toFixed(1)} ms, p99 ${percentile(l, 0.99).toFixed(1)} ms (${fmt(l.length)} requests, ${f.api.errors} errors)`);
  }
  out(`load average (1, 5, 15 min) each minute: ${f.usage.loadAverages.join(' | ')}`);
  for (const line of limitOf(f)) out(`limit: ${line}`);
}

/** Bytes per row of the usage tables (all partitions), and the size of a sample of poller histories. */
export async function printStorage(ds: DataSource, client: Client, workflowIds: string[]): Promise<void> {
  console.log('\nstorage:');
  const tables: Array<{ name: string }> = await ds.query(
    `SELECT relname AS name FROM pg_class WHERE relkind IN ('r', 'p') AND NOT relispartition AND relnamespace = 'public'::regnamespace
       AND (relname LIKE 'usage%' OR relname IN ('event_emissions', 'provider_connections')) ORDER BY relname`);
  for (const { name } of tables) {
    // Summed over the partition tree (a partitioned parent holds nothing itself); a plain table has no tree but itself.
    const [row] = await ds.query(
      `SELECT (SELECT count(*) FROM ${name})::bigint AS rows, sum(pg_table_size(relid))::bigint AS heap, sum(pg_indexes_size(relid))::bigint AS indexes
       FROM (SELECT relid FROM pg_partition_tree('${name}'::regclass) UNION SELECT '${name}'::regclass) AS tree`);
    const rows = Number(row.rows);
    const bytes = Number(row.heap) + Number(row.indexes);
    const perRow = (n: number) => (rows ? fmt(n / rows) : '-');
    console.log(`  ${name.padEnd(28)} ${fmt(rows).padStart(12)} rows ${fmt(bytes / MiB).padStart(7)} MiB   ${perRow(bytes).padStart(6)} bytes per row (table ${perRow(Number(row.heap))}, indexes ${perRow(Number(row.indexes))})`);
  }
  let events = 0;
  let bytes = 0;
  const types = new Map<string, number>();
  for (const id of workflowIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    events += history.events?.length ?? 0;
    bytes += temporal.api.history.v1.History.encode(history).finish().length;
    for (const e of history.events ?? []) {
      const type = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
      types.set(type, (types.get(type) ?? 0) + 1);
    }
  }
  const n = workflowIds.length;
  console.log(`  poller history after its polls so far (${n} sampled): ${(events / n).toFixed(1)} events, ${fmt(bytes / n)} bytes (${fmt(bytes / Math.max(1, events))} bytes per event)`);
  console.log(`  events per poller: ${[...types.entries()].map(([k, v]) => `${k.replace('EVENT_TYPE_', '')} ${(v / n).toFixed(1)}`).join(', ')}`);
}
