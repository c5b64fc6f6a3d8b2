import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../../src/db/data-source';
import { migrateUp } from '../../src/db/migrations-runner';
import { findFreePort, isPortOpen, startProcess, waitFor, type StartedProcess } from '../../src/dev/processes';
import { startTemporalDevServer } from '../../src/dev/temporal-dev-server';
import { toolPath } from './tools';

interface RunState { processes: StartedProcess[]; adminUrl?: string; dbName?: string; secretsDir?: string }
const state: RunState = ((globalThis as { __carbonplanServices?: RunState }).__carbonplanServices ??= { processes: [] });

const root = path.resolve(__dirname, '../..');

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try { await client.connect(); await client.end(); return true; } catch { return false; }
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** TEST_DATABASE_URL (default: the local server), or an embedded PostgreSQL when none answers. */
async function startPostgres(): Promise<string> {
  const configured = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  if (await canConnect(configured)) return configured;
  if (process.env.TEST_DATABASE_URL) throw new Error(`TEST_DATABASE_URL=${configured} does not answer`);
  const port = await findFreePort();
  const proc = startProcess('embedded-postgres', process.execPath, [path.join(root, 'scripts/embedded-postgres.mjs'), path.join(root, '.data/test-postgres'), String(port)]);
  state.processes.push(proc);
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  await waitFor(`embedded PostgreSQL\n${proc.output()}`, () => canConnect(url), 60_000, proc.child);
  return url;
}

/** A fresh, migrated database per run so runs never see each other's rows. */
async function createRunDatabase(adminUrl: string): Promise<string> {
  const dbName = `carbonplan_test_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  state.adminUrl = adminUrl;
  state.dbName = dbName;
  const url = withDatabase(adminUrl, dbName);
  const ds = await createDataSource({ url, poolSize: 1 }).initialize();
  await migrateUp(ds);
  await ds.destroy();
  return url;
}

async function startMoto(): Promise<string> {
  const port = await findFreePort();
  const proc = startProcess('moto', toolPath('MOTO_SERVER_PATH', 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)]);
  state.processes.push(proc);
  await waitFor(`moto server\n${proc.output()}`, () => isPortOpen('127.0.0.1', port), 30_000, proc.child);
  return `http://127.0.0.1:${port}`;
}

export async function startTestServices(): Promise<void> {
  const [adminUrl, temporal, motoUrl] = await Promise.all([
    startPostgres(),
    startTemporalDevServer({ binary: toolPath('TEMPORAL_CLI_PATH', 'temporal'), extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=200'] }),
    startMoto(),
  ]);
  state.processes.push(temporal);
  const databaseUrl = await createRunDatabase(adminUrl);

  // The run's one local secret store (see testEnv): signing keys in the shared database need one.
  state.secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-test-secrets-'));
  Object.assign(process.env, {
    TEST_SECRETS_LOCAL_DIR: state.secretsDir,
    TEST_SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
    TEST_ADMIN_DATABASE_URL: adminUrl,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TEST_SERVER_PATH: toolPath('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server'),
    AWS_ENDPOINT_URL: motoUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
}

export async function stopTestServices(): Promise<void> {
  if (state.adminUrl && state.dbName) {
    const admin = new Client({ connectionString: state.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${state.dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
  if (state.secretsDir) fs.rmSync(state.secretsDir, { recursive: true, force: true });
  await Promise.all(state.processes.reverse().map((p) => p.stop()));
  state.processes = [];
}
