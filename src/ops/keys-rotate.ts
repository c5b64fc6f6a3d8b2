// `npm run keys:rotate -- [--purpose receipt|log]`: a new active signing key; the old one is retired and keeps
// verifying what it signed. `--revoke KID --reason TEXT [--at ISO]` revokes a compromised key instead (a new
// active key replaces it when it was active). Run it with the API's settings (database and secret store).
import { loadConfig } from '../config';
import { createDataSource } from '../db/data-source';
import { createSecretStore } from '../integrations/secrets';
import { runMain } from '../run-main';
import { SigningKeyService } from '../services/signing-keys/signing-key.service';
import type { CliIo } from './connections-resume';

export const KEYS_ROTATE_USAGE = 'usage: npm run keys:rotate -- [--purpose receipt|log] | --revoke KID --reason TEXT [--at ISO-8601]';

interface KeysArgs { purpose: 'receipt' | 'log'; revoke?: string; reason?: string; at?: Date; help: boolean }

class UsageError extends Error {}

export function parseKeysArgs(argv: string[]): KeysArgs {
  const args: KeysArgs = { purpose: 'receipt', help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') { args.help = true; continue; }
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    if (flag === '--purpose') {
      if (value !== 'receipt' && value !== 'log') throw new UsageError('--purpose is receipt or log');
      args.purpose = value;
    } else if (flag === '--revoke') args.revoke = value;
    else if (flag === '--reason') args.reason = value;
    else if (flag === '--at') {
      if (Number.isNaN(Date.parse(value)) || !/[zZ]|[+-]\d{2}:\d{2}$/.test(value)) throw new UsageError('--at is an ISO 8601 instant with an offset');
      args.at = new Date(value);
    } else throw new UsageError(`unknown option ${flag}`);
  }
  if ((args.reason !== undefined || args.at !== undefined) && args.revoke === undefined) throw new UsageError('--reason and --at go with --revoke');
  if (args.revoke !== undefined && !args.reason?.trim()) throw new UsageError('--revoke needs --reason');
  return args;
}

export async function runKeysRotate(argv: string[], io: CliIo, env?: NodeJS.ProcessEnv): Promise<number> {
  let args: KeysArgs;
  try {
    args = parseKeysArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`error: ${err.message}`);
    io.err(KEYS_ROTATE_USAGE);
    return 2;
  }
  if (args.help) {
    io.out(KEYS_ROTATE_USAGE);
    return 0;
  }
  const config = loadConfig(env);
  const dataSource = await createDataSource({ url: config.database.url, poolSize: 2, applicationName: 'carbonplan-ops' }).initialize();
  try {
    const secrets = createSecretStore({ ...config.secrets, region: config.aws.region, endpoint: config.aws.endpoint, cacheTtlMs: 0 });
    const keys = new SigningKeyService({ dataSource, secrets, prefix: config.secrets.prefix });
    if (args.revoke !== undefined) {
      const { revoked, replacement } = await keys.revoke(args.revoke, args.at ?? new Date(), args.reason!);
      io.out(`revoked ${revoked.purpose} key ${revoked.keyId} at ${revoked.revokedAt!.toISOString()}: what it signed from then on is invalid`);
      if (replacement) io.out(`new active ${replacement.purpose} key ${replacement.keyId}`);
      return 0;
    }
    const { retired, active } = await keys.rotate(args.purpose);
    io.out(`new active ${args.purpose} key ${active.keyId}${retired ? `; retired ${retired} (it keeps verifying what it signed)` : ''}`);
    return 0;
  } catch (err) {
    io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  runMain(async () => {
    process.exitCode = await runKeysRotate(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) });
  });
}
