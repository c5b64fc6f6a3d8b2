// `npm run credits:load FILE`: loads a credit inventory CSV (credits already retired on their registry for our
// customers' pool) in one transaction. Loading the same file again changes nothing.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { createDataSource } from '../db/data-source';
import { runMain } from '../run-main';
import { INVENTORY_HEADER, InventoryFileError } from '../services/credits/credit-inventory-file';
import { loadCreditInventory } from '../services/credits/credit-inventory.service';
import type { CliIo } from './connections-resume';

export const CREDITS_LOAD_USAGE = 'usage: npm run credits:load FILE';

export const CREDITS_LOAD_HELP = `${CREDITS_LOAD_USAGE}

Loads credit batches from a CSV file (RFC 4180) with the header
  ${INVENTORY_HEADER.join(',')}
Each row is a block of credits already retired on its registry for our customers' pool: serial_start and
serial_end are the first and last credit in the registry's single-unit form, tonnes must equal the number of
credits in that range, retired_on (YYYY-MM-DD) and retirement_reference are required. A malformed row or a serial
range overlapping another row or the loaded inventory rejects the whole file. The same file loaded twice is a no-op.

Exit status: 0 loaded (or already loaded), 1 file rejected, 2 bad usage or unreadable file.`;

/** The whole command; resolves to its exit status. `env` is the process environment unless a test passes its own. */
export async function runCreditsLoad(argv: string[], io: CliIo, env?: NodeJS.ProcessEnv, now?: Date): Promise<number> {
  let file: string;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
    if (values.help) {
      io.out(CREDITS_LOAD_HELP);
      return 0;
    }
    if (positionals.length !== 1) throw new Error(positionals.length === 0 ? 'give the CSV file to load' : 'give exactly one file');
    file = positionals[0];
  } catch (err) {
    io.err(`error: ${err instanceof Error ? err.message.split(/\.\s/)[0] : String(err)}`);
    io.err(CREDITS_LOAD_USAGE);
    return 2;
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    io.err(`error: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return 2;
  }

  const config = loadConfig(env);
  const dataSource = await createDataSource({ url: config.database.url, poolSize: 1, applicationName: 'carbonplan-ops', statementTimeoutMs: 0 }).initialize();
  try {
    const result = await loadCreditInventory(dataSource, { bytes, fileName: file, now, print: (line) => io.out(line) });
    if (result.outcome === 'already-loaded') {
      io.out(`already loaded on ${result.loadedAt.toISOString()} (${result.batches} batch(es)); nothing changed`);
    } else {
      io.out(`loaded ${result.batches} batch(es), ${result.tonnes} tonnes, from ${file}`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof InventoryFileError)) throw err;
    io.err(`rejected ${file}: ${err.message}; nothing was loaded`);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  runMain(async () => {
    process.exitCode = await runCreditsLoad(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) });
  });
}
