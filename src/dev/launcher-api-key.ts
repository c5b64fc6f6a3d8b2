import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { ApiKeyService } from '../services/api-key.service';
import { OrganizationService } from '../services/organization.service';

export const LOCAL_ORGANIZATION = { clerkOrgId: 'local_dev', name: 'Local organization' };

export interface LauncherApiKey { key: string; orgId: string; isNew: boolean }

/**
 * An API key for the local organization that stays the same across restarts. Only its hash is in the
 * database, so the plaintext is kept in the data directory (0600) and reused while it still authenticates;
 * a reset database or a revoked key gets a fresh one.
 */
export async function ensureLauncherApiKey(ds: DataSource, dataDir: string): Promise<LauncherApiKey> {
  const file = path.join(dataDir, 'launcher-api-key');
  const apiKeys = new ApiKeyService(ds);
  const stored = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (stored) {
    const auth = await apiKeys.authenticate(stored);
    if (auth.status === 'valid' && auth.org.clerkOrgId === LOCAL_ORGANIZATION.clerkOrgId) return { key: stored, orgId: auth.org.id, isNew: false };
  }
  const org = await new OrganizationService(ds).resolve(LOCAL_ORGANIZATION);
  const created = await apiKeys.create(org.id, { name: 'local launcher', environment: 'live' }, null);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; an older file keeps its permissions otherwise.
  fs.chmodSync(file, 0o600);
  return { key: created.key, orgId: org.id, isNew: true };
}
