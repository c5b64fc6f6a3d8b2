import fs from 'node:fs';
import path from 'node:path';
import { isPortOpen } from './processes';

/** An expected start-up failure (port taken, tool missing): the launcher prints its message without a stack. */
export class LauncherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LauncherError';
  }
}

/** Fails before anything starts, naming the variable that moves the port, instead of a cryptic EADDRINUSE later. */
export async function assertPortFree(port: number, what: string, envName: string): Promise<void> {
  if (await isPortOpen('127.0.0.1', port)) {
    throw new LauncherError(`port ${port} (${what}) is already in use; stop whatever uses it or set ${envName} to another port`);
  }
}

/**
 * The repository root, found from this file so it works both from src/ (ts-jest) and from dist/src/ (npm start).
 * Marked by scripts/, not package.json, which a build may also emit into dist/.
 */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'scripts', 'embedded-postgres.mjs'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`scripts/embedded-postgres.mjs not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
}
