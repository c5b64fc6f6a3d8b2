// Graceful shutdown of the API in its own process: on SIGTERM it stops accepting connections, lets a request in
// flight finish within API_SHUTDOWN_GRACE_SECONDS, closes Temporal and the pool, and exits 0. A create-connection
// held past the grace leaves nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { Client, Connection } from '@temporalio/client';
import { findFreePort, waitFor } from '../../src/dev/processes';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { isolatedSecrets, testEnv } from '../helpers/env';
import { GOOD_KEYS, startProviderFakes, type ProviderFakes } from '../helpers/provider-fakes';

const root = path.resolve(__dirname, '../..');
const keys = createClerkTestKeys();
let fakes: ProviderFakes;

beforeAll(async () => { fakes = await startProviderFakes(); });
afterAll(async () => { await fakes.close(); });

interface ApiProcess { child: ChildProcess; url: string; env: NodeJS.ProcessEnv; output(): string; exited: Promise<{ code: number | null; at: number }> }

async function startApiProcess(graceSeconds: number): Promise<ApiProcess> {
  const port = await findFreePort();
  const env = testEnv({ ...fakes.env, PORT: String(port), LOG_LEVEL: 'info', API_SHUTDOWN_GRACE_SECONDS: String(graceSeconds), ...isolatedSecrets() }, keys);
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'src/main.ts')], {
    cwd: root, env: { ...process.env, ...env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => { output += c; });
  child.stderr!.on('data', (c) => { output += c; });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
  await waitFor('API listening', async () => {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}:\n${output}`);
    return output.includes('API listening');
  }, 90_000);
  return { child, url: `http://127.0.0.1:${port}`, env, output: () => output, exited };
}

const createConnection = (api: ApiProcess, orgId: string) => fetch(`${api.url}/api/v1/connections`, {
  method: 'POST',
  headers: { authorization: `Bearer ${mintClerkToken(keys, { orgId })}`, 'content-type': 'application/json' },
  body: JSON.stringify({ provider: 'openai', apiKey: GOOD_KEYS.openai }),
});

async function connectionsOf(clerkOrgId: string): Promise<Array<{ id: string; status: string; secret_ref: string | null }>> {
  const db = new PgClient({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  try {
    const { rows } = await db.query(`SELECT c.id, c.status, c.secret_ref FROM provider_connections c JOIN organizations o ON o.id = c.org_id WHERE o.clerk_org_id = $1`, [clerkOrgId]);
    return rows;
  } finally {
    await db.end();
  }
}

/** SIGTERM once the provider has the (delayed) key validation in hand; then a new connection must be refused. */
async function terminateDuringValidation(api: ApiProcess, inFlight: Promise<Response>): Promise<{ sentAt: number; refused: boolean }> {
  await waitFor('key validation reaches the provider', async () => fakes.openai.requests.length > 0, 30_000);
  const sentAt = Date.now();
  api.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const refused = await fetch(`${api.url}/health`).then(() => false, (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'ECONNREFUSED');
  void inFlight.catch(() => undefined);
  return { sentAt, refused };
}

describe('SIGTERM', () => {
  beforeEach(() => { fakes.openai.reset(); });

  it('lets a create-connection in flight finish, refuses new connections and exits 0 within the grace', async () => {
    const api = await startApiProcess(10);
    const clerkOrgId = `org_shutdown_ok_${Date.now()}`;
    fakes.openai.failNext(1, { delayMs: 2_000 });
    const inFlight = createConnection(api, clerkOrgId);
    const { sentAt, refused } = await terminateDuringValidation(api, inFlight);
    expect(refused).toBe(true);

    const res = await inFlight;
    const body = await res.text();
    expect({ status: res.status, body }).toEqual({ status: 201, body: expect.any(String) });
    const exit = await api.exited;
    expect({ code: exit.code, withinGrace: exit.at - sentAt < 10_000 }).toEqual({ code: 0, withinGrace: true });

    // Completed means completed: the row is live and its poller was started before Temporal was closed.
    const [row] = await connectionsOf(clerkOrgId);
    expect(row).toMatchObject({ id: JSON.parse(body).id, status: 'active' });
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    try {
      const handle = new Client({ connection }).workflow.getHandle(`connection:${row.id}`);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await handle.terminate('test over');
    } finally {
      await connection.close();
    }
  });

  it('cuts a request held past the grace, exits 0 on time and leaves no row and no secret behind', async () => {
    const api = await startApiProcess(1);
    const clerkOrgId = `org_shutdown_cut_${Date.now()}`;
    fakes.openai.failNext(1, { delayMs: 8_000 });
    const inFlight = createConnection(api, clerkOrgId);
    const { sentAt, refused } = await terminateDuringValidation(api, inFlight);
    expect(refused).toBe(true);

    const exit = await api.exited;
    expect({ code: exit.code, onTime: exit.at - sentAt < 4_000 }).toEqual({ code: 0, onTime: true });
    await expect(inFlight).rejects.toThrow();
    expect(api.output()).toContain('shutdown grace over');
    // Give the delayed provider answer time to arrive at a process that no longer exists.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await connectionsOf(clerkOrgId)).toEqual([]);
    expect(fs.readdirSync(api.env.SECRETS_LOCAL_DIR!, { recursive: true }).filter((f) => !fs.statSync(path.join(api.env.SECRETS_LOCAL_DIR!, String(f))).isDirectory())).toEqual([]);
  });
});
