import { SecretNotFoundError, type SecretStore, type SecretTags } from './secret-store';

export interface CachedSecretStoreOptions {
  /** How long a value is served without asking the backend again (default 5 minutes). */
  ttlMs?: number;
  now?: () => number;
}

interface Entry {
  value: string;
  fetchedAt: number;
}

/**
 * A small TTL cache in front of a SecretStore, as AWS's own caching clients do: hourly polls of thousands of
 * connections should not cost a GetSecretValue each, and a backend hiccup should not fail a poll whose key we
 * read minutes ago (stale-on-error). Writes through this instance update it at once; other processes see a
 * replaced key after at most `ttlMs`, or at once if they call `invalidate` (e.g. after a credential rejection).
 */
export class CachedSecretStore implements SecretStore {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly inner: SecretStore, options: CachedSecretStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  async get(ref: string): Promise<string> {
    const entry = this.entries.get(ref);
    if (entry && this.now() - entry.fetchedAt < this.ttlMs) return entry.value;
    try {
      const value = await this.inner.get(ref);
      this.entries.set(ref, { value, fetchedAt: this.now() });
      return value;
    } catch (error) {
      // A deleted secret must stop being served; any other failure falls back to the last known value.
      if (error instanceof SecretNotFoundError || !entry) {
        this.entries.delete(ref);
        throw error;
      }
      return entry.value;
    }
  }

  async put(ref: string, value: string, tags: SecretTags): Promise<string> {
    this.entries.delete(ref);
    const result = await this.inner.put(ref, value, tags);
    this.entries.set(ref, { value, fetchedAt: this.now() });
    return result;
  }

  async replace(ref: string, value: string): Promise<void> {
    this.entries.delete(ref);
    await this.inner.replace(ref, value);
    this.entries.set(ref, { value, fetchedAt: this.now() });
  }

  async delete(ref: string): Promise<void> {
    this.entries.delete(ref);
    await this.inner.delete(ref);
  }

  invalidate(ref: string): void {
    this.entries.delete(ref);
  }
}
