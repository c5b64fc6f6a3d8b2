import { createHash } from 'node:crypto';

/** A Map that forgets its least recently used entry past `max`. */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** A value read again after `ttlMs`; concurrent readers share one read. */
export class Refreshing<V> {
  private value?: { at: number; promise: Promise<V> };
  constructor(private readonly ttlMs: number, private readonly read: () => Promise<V>, private readonly now: () => number = Date.now) {}

  get(): Promise<V> {
    if (!this.value || this.now() - this.value.at >= this.ttlMs) {
      const promise = this.read();
      this.value = { at: this.now(), promise };
      // A failed read is not kept: the next caller reads again.
      promise.catch(() => { if (this.value?.promise === promise) this.value = undefined; });
    }
    return this.value.promise;
  }

  invalidate(): void {
    this.value = undefined;
  }
}

/** A fingerprint of everything a verdict depends on, so a changed row, key set or tree is verified afresh. */
export const verdictKey = (...parts: string[]): string => createHash('sha256').update(parts.join('\0')).digest('base64url');
