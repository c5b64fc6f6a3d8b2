import { SecretNotFoundError, type SecretStore, type SecretTags } from './secret-store';

export interface CachedSecretStoreOptions {
  /** How long a value is served without asking the backend again (default 5 minutes). */
  ttlMs?: number;
  /** How long past the TTL a value may still be served when the backend fails (default 15 minutes); then it is dropped. */
  maxStaleMs?: number;
  /** At most this many plaintext values are held; the least recently used goes first (default 500). */
  maxEntries?: number;
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
 * Plaintext keys do not stay in memory for the life of the process: at most `maxEntries` of them (least recently
 * used evicted), and none longer than `ttlMs + maxStaleMs` after it was read (a sweep drops expired ones even
 * when nobody asks for them again).
 */
export class CachedSecretStore implements SecretStore {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly inner: SecretStore, options: CachedSecretStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.maxAgeMs = this.ttlMs + (options.maxStaleMs ?? 15 * 60_000);
    this.maxEntries = Math.max(1, options.maxEntries ?? 500);
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, Math.min(this.ttlMs, 60_000)));
    this.sweeper.unref();
  }

  /** How many plaintext values are held (for tests and debugging). */
  get size(): number {
    return this.entries.size;
  }

  /** Drops every value older than TTL + max staleness. */
  sweep(): void {
    const now = this.now();
    for (const [ref, entry] of this.entries) if (now - entry.fetchedAt >= this.maxAgeMs) this.entries.delete(ref);
  }

  /** Stops the background sweep (the timer is unref'd, so this is only tidiness). */
  close(): void {
    clearInterval(this.sweeper);
  }

  private remember(ref: string, value: string): void {
    this.entries.delete(ref);
    this.entries.set(ref, { value, fetchedAt: this.now() });
    // A Map iterates in insertion order: the first key is the least recently used.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  async get(ref: string): Promise<string> {
    let entry = this.entries.get(ref);
    if (entry && this.now() - entry.fetchedAt >= this.maxAgeMs) {
      this.entries.delete(ref);
      entry = undefined;
    }
    if (entry && this.now() - entry.fetchedAt < this.ttlMs) {
      this.entries.delete(ref);
      this.entries.set(ref, entry);
      return entry.value;
    }
    try {
      const value = await this.inner.get(ref);
      this.remember(ref, value);
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
    this.remember(ref, value);
    return result;
  }

  async replace(ref: string, value: string): Promise<void> {
    this.entries.delete(ref);
    await this.inner.replace(ref, value);
    this.remember(ref, value);
  }

  async delete(ref: string): Promise<void> {
    this.entries.delete(ref);
    await this.inner.delete(ref);
  }

  invalidate(ref: string): void {
    this.entries.delete(ref);
  }
}
