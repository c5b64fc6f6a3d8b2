import { Client } from 'pg';
import { createDataSource } from '../src/db/data-source';
import { migrateUp } from '../src/db/migrations-runner';
import type { DataSource } from 'typeorm';

/**
 * A scratch, migrated database for one benchmark run on the server at BENCH_DATABASE_URL (default: the local
 * PostgreSQL), dropped afterwards, so benchmarks never touch real data.
 */
export async function withScratchDatabase<T>(name: string, run: (ds: DataSource, url: string) => Promise<T>): Promise<T> {
  // Benchmarks are scripts, not app code: they take their one setting straight from the environment.
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = `carbonplan_bench_${name}_${Date.now()}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  const url = new URL(adminUrl);
  url.pathname = `/${db}`;
  const ds = await createDataSource({ url: url.toString(), poolSize: 4, applicationName: `bench-${name}`, statementTimeoutMs: 0 }).initialize();
  try {
    await migrateUp(ds);
    return await run(ds, url.toString());
  } finally {
    await ds.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  }
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
