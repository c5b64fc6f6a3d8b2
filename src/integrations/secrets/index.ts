import { AwsSecretStore } from './aws-secret-store';
import { CachedSecretStore } from './cached-secret-store';
import { LocalSecretStore } from './local-secret-store';

export interface SecretStoreConfig {
  backend: 'aws' | 'local';
  /** e.g. `carbonplan/dev`; used by ProviderKeyStore to name secrets, kept here so one config object serves both. */
  prefix: string;
  localDir: string;
  masterKey?: Buffer;
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** 0 disables the cache (tests that need every read to reach the backend). */
  cacheTtlMs?: number;
}

/**
 * Builds the configured backend behind the TTL cache. Build it once per process and share it, e.g.
 * `const secrets = createSecretStore({ ...config.secrets, region: config.aws.region, endpoint: config.aws.endpoint });`
 * `const providerKeys = new ProviderKeyStore(secrets, config.secrets.prefix);`
 */
export function createSecretStore(config: SecretStoreConfig): CachedSecretStore {
  const backend =
    config.backend === 'aws'
      ? new AwsSecretStore({ region: config.region, endpoint: config.endpoint, credentials: config.credentials })
      : new LocalSecretStore({ dir: config.localDir, masterKey: requireMasterKey(config.masterKey) });
  return new CachedSecretStore(backend, { ttlMs: config.cacheTtlMs });
}

function requireMasterKey(key: Buffer | undefined): Buffer {
  if (!key || key.length !== 32) throw new Error('SECRETS_BACKEND=local needs SECRETS_MASTER_KEY: 32 random bytes, base64');
  return key;
}

export { AwsSecretStore } from './aws-secret-store';
export { CachedSecretStore } from './cached-secret-store';
export { LocalSecretStore } from './local-secret-store';
export { ProviderKeyStore, providerKeyRef, type ProviderKeyOwner } from './provider-key-store';
export { SecretNotFoundError, SecretUnreadableError, type SecretStore, type SecretTags } from './secret-store';
