import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LauncherError } from './launcher-error';

/**
 * The master key of the local secrets backend, generated once and kept next to the data it encrypts:
 * a new key on every start would make the stored provider keys undecryptable.
 */
export function ensureMasterKey(dataDir: string): string {
  const file = path.join(dataDir, 'master.key');
  if (fs.existsSync(file)) {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (Buffer.from(existing, 'base64').length !== 32) {
      throw new LauncherError(`${file} does not hold 32 base64-encoded bytes; move it away to generate a new one (stored provider keys will then be unreadable)`);
    }
    return existing;
  }
  const key = randomBytes(32).toString('base64');
  fs.mkdirSync(dataDir, { recursive: true });
  // 0600: whoever reads it can decrypt every stored provider key.
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
