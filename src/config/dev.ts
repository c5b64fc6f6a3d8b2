import { z } from 'zod';
import { parseEnv, port } from './env';

// Settings of the dev launcher (`npm start`) only. The app's own settings stay in ./index.ts; the launcher
// fills in DATABASE_URL, TEMPORAL_ADDRESS and the local secrets from what it starts, then calls loadConfig.
const Schema = z.object({
  LAUNCHER_DATA_DIR: z.string().default('.data'),
  TEMPORAL_CLI_PATH: z.string().optional(),
  PORT: port(3000),
  EMBEDDED_POSTGRES_PORT: port(54329),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  // Read only to decide what the launcher must provide; loadConfig validates them.
  DATABASE_URL: z.string().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  SECRETS_BACKEND: z.string().optional(),
  SECRETS_MASTER_KEY: z.string().optional(),
  SECRETS_LOCAL_DIR: z.string().optional(),
  // Searched for the `temporal` binary when neither TEMPORAL_CLI_PATH nor .tools/ has one.
  PATH: z.string().default(''),
});

export interface DevConfig {
  dataDir: string;
  temporalCliPath?: string;
  ports: { api: number; postgres: number; temporal: number; temporalUi: number };
  temporalNamespace: string;
  /** Set when the developer points the launcher at an existing service; the launcher then starts none. */
  external: { databaseUrl?: string; temporalAddress?: string };
  /** The launcher provides the master key and directory only for the default local secrets backend. */
  needsLocalSecrets: { masterKey: boolean; dir: boolean };
  searchPath: string[];
  /** A copy of the environment, to merge the launcher's computed values into before loadConfig. */
  baseEnv: NodeJS.ProcessEnv;
}

export function loadDevConfig(env: NodeJS.ProcessEnv = process.env): DevConfig {
  const e = parseEnv(Schema, env);
  const isLocalSecrets = (e.SECRETS_BACKEND ?? 'local') === 'local';
  return {
    dataDir: e.LAUNCHER_DATA_DIR,
    temporalCliPath: e.TEMPORAL_CLI_PATH,
    ports: { api: e.PORT, postgres: e.EMBEDDED_POSTGRES_PORT, temporal: e.TEMPORAL_PORT, temporalUi: e.TEMPORAL_UI_PORT },
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    external: { databaseUrl: e.DATABASE_URL, temporalAddress: e.TEMPORAL_ADDRESS },
    needsLocalSecrets: { masterKey: isLocalSecrets && !e.SECRETS_MASTER_KEY, dir: isLocalSecrets && !e.SECRETS_LOCAL_DIR },
    searchPath: e.PATH.split(':').filter(Boolean),
    baseEnv: { ...env },
  };
}
