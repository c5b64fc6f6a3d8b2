import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { findFreePort } from '../src/dev/processes';
import { findTemporalBinary } from '../src/dev/temporal-binary';
import { startTemporalDevServer, type TemporalDevServer } from '../src/dev/temporal-dev-server';
import type { FakeStats } from './polling-fakes';
import type { FakeProvider } from './polling-usage';

/** A forked bench process (fakes, worker) that says `{ type: 'ready', … }` once it serves. */
export interface BenchChild<T> { child: ChildProcess; ready: T; stop(): Promise<void> }

export async function forkReady<T>(script: string, args: string[], env: NodeJS.ProcessEnv, options: { silent?: boolean; timeoutMs?: number } = {}): Promise<BenchChild<T>> {
  const child = fork(path.join(__dirname, script), args, { env, stdio: options.silent ? ['ignore', 'ignore', 'inherit', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} was not ready after ${options.timeoutMs ?? 180_000} ms`)), options.timeoutMs ?? 180_000);
    child.on('message', (m: { type?: string }) => { if (m.type === 'ready') { clearTimeout(timer); resolve(m as T); } });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${script} exited with code ${code} before it was ready`)); });
  });
  return { child, ready, stop: () => stopChild(child) };
}

/** Disconnect (the child shuts down on its own), then SIGTERM, then SIGKILL: resolves once it has exited. */
async function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.disconnect();
  const term = setTimeout(() => child.kill('SIGTERM'), graceMs);
  const kill = setTimeout(() => child.kill('SIGKILL'), graceMs * 2);
  await exited;
  clearTimeout(term);
  clearTimeout(kill);
}

export interface ProviderFakes extends BenchChild<{ urls: Record<FakeProvider, string> }> { stats(): Promise<FakeStats>; setDataLag(ms: number): Promise<void> }

export async function startFakesProcess(latencyMs: number): Promise<ProviderFakes> {
  const started = await forkReady<{ urls: Record<FakeProvider, string> }>('polling-fakes.js', [String(latencyMs)], process.env);
  const ask = <T>(message: object, answer: string) => new Promise<T>((resolve) => {
    const onMessage = (m: { type?: string }) => {
      if (m.type !== answer) return;
      started.child.off('message', onMessage);
      resolve(m as T);
    };
    started.child.on('message', onMessage);
    started.child.send(message);
  });
  return {
    ...started,
    stats: async () => (await ask<{ stats: FakeStats }>({ type: 'stats' }, 'stats')).stats,
    setDataLag: async (ms) => { await ask({ type: 'lag', ms }, 'lag'); },
  };
}

/** The Temporal dev server from .tools (or TEMPORAL_CLI_PATH / PATH), in memory, with its Prometheus endpoint on. */
export async function startBenchTemporal(): Promise<TemporalDevServer & { metricsUrl: string }> {
  const binary = findTemporalBinary({ cliPath: process.env.TEMPORAL_CLI_PATH, searchPath: (process.env.PATH ?? '').split(path.delimiter) });
  const metricsPort = await findFreePort();
  const server = await startTemporalDevServer({ binary, extraArgs: ['--metrics-port', String(metricsPort)] });
  return { ...server, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

/** A private secrets folder under the OS temp dir, removed by `remove()`. */
export function benchSecretsDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'carbonplan-bench-polling-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** On SIGINT/SIGTERM runs the clean-ups, last added first, then exits with 130 (the finally blocks never run then). */
export function onInterrupt(first: () => Promise<void>): { add(fn: () => Promise<void>): void; dispose(): void } {
  const cleanups = [first];
  const handler = () => {
    void (async () => {
      console.log('\ninterrupted: cleaning up');
      for (const fn of [...cleanups].reverse()) await fn().catch((err: unknown) => console.error(err));
      process.exit(130);
    })();
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return {
    add: (fn) => { cleanups.push(fn); },
    dispose: () => { process.off('SIGINT', handler); process.off('SIGTERM', handler); },
  };
}

/** Drops the scratch database at `url` from the admin database bench-db.ts uses (BENCH_DATABASE_URL). */
export async function dropDatabase(url: string): Promise<void> {
  const admin = new PgClient({ connectionString: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  try {
    const name = new URL(url).pathname.slice(1);
    if (/^carbonplan_bench_\w+$/.test(name)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
