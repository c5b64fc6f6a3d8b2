import type { Provider } from '../../../contracts/usage';
import { assertValidRef, type SecretStore } from './secret-store';

export interface ProviderKeyOwner {
  orgId: string;
  connectionId: string;
  provider: Provider;
}

// Ids become path segments: anything but these characters could climb or fork the per-tenant hierarchy.
const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function providerKeyRef(prefix: string, owner: Pick<ProviderKeyOwner, 'orgId' | 'connectionId'>): string {
  for (const [name, id] of [['orgId', owner.orgId], ['connectionId', owner.connectionId]] as const) {
    if (!ID_PATTERN.test(id)) throw new Error(`invalid ${name} for a secret name: ${JSON.stringify(id)}`);
  }
  const ref = `${prefix}/org/${owner.orgId}/connection/${owner.connectionId}`;
  assertValidRef(ref);
  return ref;
}

/**
 * Provider API keys of connections, one secret per connection, tagged for ABAC (`org_id`, `connection_id`,
 * `provider`). The connection service stores the returned ref in `provider_connections.secret_ref`.
 */
export class ProviderKeyStore {
  private readonly refPattern: RegExp;

  constructor(readonly store: SecretStore, private readonly prefix: string) {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.refPattern = new RegExp(`^${escaped}/org/([A-Za-z0-9_-]+)/connection/([A-Za-z0-9_-]+)$`);
  }

  async putProviderKey(owner: ProviderKeyOwner, apiKey: string): Promise<string> {
    const ref = providerKeyRef(this.prefix, owner);
    return this.store.put(ref, apiKey, { org_id: owner.orgId, connection_id: owner.connectionId, provider: owner.provider });
  }

  /** Pass `expect.orgId` to have the tenancy of the ref checked before anything is read. */
  async getProviderKey(ref: string, expect?: { orgId: string }): Promise<string> {
    this.checkRef(ref, expect);
    return this.store.get(ref);
  }

  /** Drops a cached copy so the next read reaches the backend (the key may have been replaced by another process). */
  forgetCachedKey(ref: string): void {
    (this.store as Partial<{ invalidate(ref: string): void }>).invalidate?.(ref);
  }

  async replaceProviderKey(ref: string, apiKey: string): Promise<void> {
    this.checkRef(ref);
    await this.store.replace(ref, apiKey);
  }

  async deleteProviderKey(ref: string): Promise<void> {
    this.checkRef(ref);
    await this.store.delete(ref);
  }

  /** Refuses refs outside this store's prefix (e.g. signing keys) or belonging to another organization. */
  private checkRef(ref: string, expect?: { orgId: string }): void {
    const match = this.refPattern.exec(ref);
    if (!match) throw new Error(`not a provider key ref under ${this.prefix}: ${JSON.stringify(ref)}`);
    if (expect && match[1] !== expect.orgId) throw new Error('provider key ref belongs to another organization');
  }
}
