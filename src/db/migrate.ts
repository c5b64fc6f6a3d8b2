// `npm run db:migrate` / `npm run db:revert`: apply or revert all migrations on DATABASE_URL.
import { loadConfig } from '../config';
import { runMain } from '../run-main';
import { createDataSource } from './data-source';
import { migrateDownAll, migrateUp } from './migrations-runner';

runMain(async () => {
  const command = process.argv[2] ?? 'up';
  if (command !== 'up' && command !== 'down-all') throw new Error(`unknown command "${command}": use "up" or "down-all"`);
  const config = loadConfig();
  const ds = await createDataSource({ url: config.database.url, poolSize: 1, applicationName: 'carbonplan-migrate', statementTimeoutMs: 0 }).initialize();
  try {
    if (command === 'up') {
      const applied = await migrateUp(ds);
      console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date');
    } else {
      console.log(`reverted ${await migrateDownAll(ds)} migration(s)`);
    }
  } finally {
    await ds.destroy();
  }
});
