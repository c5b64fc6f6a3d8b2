import type { DataSource } from 'typeorm';

/** Applies pending migrations; returns the names applied. */
export async function migrateUp(ds: DataSource): Promise<string[]> {
  const applied = await ds.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}

/** Reverts every applied migration, newest first, leaving only the (empty) migrations table behind. */
export async function migrateDownAll(ds: DataSource): Promise<number> {
  let reverted = 0;
  const count = async () =>
    Number((await ds.query(`SELECT count(*)::int AS n FROM ${ds.options.migrationsTableName ?? 'migrations'}`).catch(() => [{ n: 0 }]))[0].n);
  while ((await count()) > 0) {
    await ds.undoLastMigration({ transaction: 'each' });
    reverted += 1;
  }
  return reverted;
}
