// `npm start` end to end: the compiled launcher brings up embedded PostgreSQL, the Temporal dev server,
// the worker and the API, stops all of it on SIGINT, and reuses its data on the next start.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort, waitFor } from '../../src/dev/processes';
import { toolPath } from '../setup/tools';

const root = path.resolve(__dirname, '../..');
const launcherJs = path.join(root, 'dist/src/dev/launcher.js');
// Generous: the first start runs initdb and bundles the workflows on a possibly loaded 2-core machine.
const READY_TIMEOUT_MS = 180_000;
const STOP_LIMIT_MS = 15_000;

jest.setTimeout(240_000);

interface Launched {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let dataDir: string;
let env: NodeJS.ProcessEnv;
const running: Launched[] = [];

function launch(): Launched {
  const child = spawn(process.execPath, [launcherJs], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const launched = { child, output: () => output, exited };
  running.push(launched);
  return launched;
}

async function waitForBanner(l: Launched): Promise<{ apiUrl: string; apiKey: string; temporalUiUrl: string }> {
  await waitFor('launcher banner', async () => {
    if (l.child.exitCode !== null) throw new Error(`launcher exited with ${l.child.exitCode}:\n${l.output()}`);
    return l.output().includes('Ctrl-C stops everything');
  }, READY_TIMEOUT_MS).catch((err: Error) => { throw new Error(`${err.message}\n--- launcher output ---\n${l.output()}`); });
  const text = l.output();
  const field = (label: string, pattern: string) => {
    const match = new RegExp(`${label}\\s+(${pattern})`).exec(text);
    if (!match) throw new Error(`no "${label}" in the banner:\n${text}`);
    return match[1];
  };
  return { apiUrl: field('API', 'http://\\S+'), apiKey: field('API key', 'cp_live_\\S+'), temporalUiUrl: field('Temporal UI', 'http://\\S+') };
}

/** Processes whose command line names the data directory: embedded PostgreSQL and the Temporal dev server. */
function leftovers(): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(dataDir));
}

async function stopAndCheck(l: Launched): Promise<void> {
  const started = Date.now();
  l.child.kill('SIGINT');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_LIMIT_MS + 1000).unref());
  const result = await Promise.race([l.exited, timeout]);
  if (result === 'timeout') throw new Error(`launcher still running ${STOP_LIMIT_MS} ms after SIGINT:\n${l.output()}`);
  expect({ elapsedOk: Date.now() - started <= STOP_LIMIT_MS, ...result }).toEqual({ elapsedOk: true, code: 0, signal: null });
  // Children are gone by the time the launcher exits; the short poll only absorbs process-table lag.
  await waitFor('no process left behind', async () => leftovers().length === 0, 2000).catch(() => {
    throw new Error(`processes left behind:\n${leftovers().join('\n')}\n--- launcher output ---\n${l.output()}`);
  });
}

async function expectStatus(url: string, init: RequestInit, status: number): Promise<unknown> {
  const res = await fetch(url, init);
  const body = await res.text();
  expect({ status: res.status, body }).toEqual({ status, body: expect.any(String) });
  return JSON.parse(body);
}

beforeAll(async () => {
  // The launcher runs compiled, exactly as `npm start` runs it.
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe', timeout: 180_000 });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-launcher-'));
  // As root, PostgreSQL runs as the `postgres` user, which must be able to reach its data directory.
  fs.chmodSync(dataDir, 0o755);
  const [api, postgres, temporal, temporalUi] = [await findFreePort(), await findFreePort(), await findFreePort(), await findFreePort()];
  env = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    LAUNCHER_DATA_DIR: dataDir,
    PORT: String(api),
    EMBEDDED_POSTGRES_PORT: String(postgres),
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(temporalUi),
    TEMPORAL_CLI_PATH: toolPath('TEMPORAL_CLI_PATH', 'temporal'),
  };
  // Jest's global setup points these at the shared test services; the launcher must start its own.
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SECRETS_BACKEND', 'SECRETS_MASTER_KEY', 'SECRETS_LOCAL_DIR']) delete env[name];
});

afterAll(async () => {
  for (const l of running) if (l.child.exitCode === null && l.child.signalCode === null) { l.child.kill('SIGKILL'); await l.exited; }
  // Should a test have failed half-way, the launcher's children must not outlive the run.
  for (const line of dataDir ? leftovers() : []) { try { process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL'); } catch { /* gone */ } }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start (dev launcher)', () => {
  let firstKey: string;

  it('starts the whole stack on embedded defaults, serves the API with a ready key, and stops cleanly on SIGINT', async () => {
    const l = launch();
    const banner = await waitForBanner(l);
    firstKey = banner.apiKey;

    await waitFor('healthy API', async () => (await fetch(`${banner.apiUrl}/health`)).status === 200, 30_000)
      .catch(async () => { throw new Error(`/health: ${await (await fetch(`${banner.apiUrl}/health`)).text()}`); });
    const me = await expectStatus(`${banner.apiUrl}/api/v1/me`, { headers: { Authorization: `Bearer ${banner.apiKey}` } }, 200);
    expect(me).toMatchObject({ organization: { clerkOrgId: 'local_dev', name: 'Local organization' } });
    await expectStatus(`${banner.apiUrl}/api/v1/me`, {}, 401);
    const ui = await fetch(banner.temporalUiUrl);
    expect(ui.status).toBeLessThan(400);

    // The dashboard: the banner's one-time link signs in once, with a session cookie that opens the overview.
    const link = new RegExp(`Dashboard\\s+(${banner.apiUrl.replace(/[.]/g, '\\.')}/login\\?token=\\S+)`).exec(l.output())?.[1];
    if (!link) throw new Error(`no dashboard sign-in link in the banner:\n${l.output()}`);
    const signIn = await fetch(link, { redirect: 'manual' });
    expect({ status: signIn.status, location: signIn.headers.get('location') }).toEqual({ status: 303, location: '/' });
    const session = signIn.headers.getSetCookie().find((c) => c.startsWith('carbonplan_session='))!.split(';')[0];
    const overview = await fetch(`${banner.apiUrl}/`, { headers: { Cookie: session }, redirect: 'manual' });
    expect({ status: overview.status, org: (await overview.text()).includes('Local organization') }).toEqual({ status: 200, org: true });
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(401);
    expect(fs.statSync(path.join(dataDir, 'launcher-api-key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);

    await stopAndCheck(l);
  });

  it('reuses the data on the next start: the same API key still works', async () => {
    expect(firstKey).toBeDefined();
    const l = launch();
    const banner = await waitForBanner(l);
    expect(banner.apiKey).toBe(firstKey);
    expect(l.output()).toContain('database schema is up to date');
    await expectStatus(`${banner.apiUrl}/api/v1/me`, { headers: { Authorization: `Bearer ${firstKey}` } }, 200);

    await stopAndCheck(l);
  });
});
