import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
