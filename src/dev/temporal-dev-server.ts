import { SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { findFreePort, isPortOpen, startProcess, waitFor, type StartedProcess } from './processes';

export interface TemporalDevServerOptions {
  binary: string;
  port?: number;
  /** Web UI port; omit for a headless server (tests). */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts; in memory when omitted. */
  dbFile?: string;
  namespace?: string;
  extraArgs?: string[];
}

export interface TemporalDevServer extends StartedProcess {
  address: string;
  uiUrl?: string;
}

/** Starts `temporal server start-dev` with our search attributes registered and waits until it accepts connections. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const port = options.port ?? (await findFreePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', options.namespace ?? 'default', '--log-level', 'error'];
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  args.push(...(options.extraArgs ?? []));

  const proc = startProcess('temporal', options.binary, args);
  try {
    await waitFor('Temporal dev server', () => isPortOpen('127.0.0.1', port), 60_000, proc.child);
    if (options.uiPort) await waitFor('Temporal Web UI', () => isPortOpen('127.0.0.1', options.uiPort!), 30_000, proc.child);
  } catch (err) {
    await proc.stop();
    throw new Error(`${(err as Error).message}\n${proc.output()}`);
  }
  return { ...proc, address: `127.0.0.1:${port}`, uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined };
}
