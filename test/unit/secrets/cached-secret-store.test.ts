import { CachedSecretStore } from '../../../src/integrations/secrets/cached-secret-store';
import { SecretNotFoundError, type SecretStore } from '../../../src/integrations/secrets/secret-store';

/** In-memory backend that counts reads and can be told to fail. */
function memoryStore() {
  const values = new Map<string, string>();
  const state = { reads: 0, failWith: undefined as Error | undefined };
  const store: SecretStore = {
    async put(ref, value) { values.set(ref, value); return ref; },
    async replace(ref, value) { if (!values.has(ref)) throw new SecretNotFoundError(ref); values.set(ref, value); },
    async get(ref) {
      state.reads++;
      if (state.failWith) throw state.failWith;
      const value = values.get(ref);
      if (value === undefined) throw new SecretNotFoundError(ref);
      return value;
    },
    async delete(ref) { values.delete(ref); },
  };
  return { store, values, state };
}

const REF = 'carbonplan/test/org/o/connection/c';

describe('CachedSecretStore', () => {
  let clock: number;
  const now = () => clock;
  beforeEach(() => { clock = 1_000_000; });

  it('serves reads from the cache within the TTL and refreshes after it', async () => {
    const { store, values, state } = memoryStore();
    const cached = new CachedSecretStore(store, { ttlMs: 300_000, now });
    values.set(REF, 'v1');
    expect(await cached.get(REF)).toBe('v1');
    values.set(REF, 'v2'); // changed behind the cache's back (another process)
    clock += 299_999;
    expect(await cached.get(REF)).toBe('v1');
    expect(state.reads).toBe(1);
    clock += 1;
    expect(await cached.get(REF)).toBe('v2');
    expect(state.reads).toBe(2);
  });

  it('updates on replace and forgets on delete and invalidate', async () => {
    const { store, state } = memoryStore();
    const cached = new CachedSecretStore(store, { now });
    await cached.put(REF, 'old', {});
    await cached.replace(REF, 'new');
    expect(await cached.get(REF)).toBe('new');
    expect(state.reads).toBe(0);
    cached.invalidate(REF);
    expect(await cached.get(REF)).toBe('new');
    expect(state.reads).toBe(1);
    await cached.delete(REF);
    await expect(cached.get(REF)).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('serves the stale value when a refresh fails, but not once the secret is gone', async () => {
    const { store, values, state } = memoryStore();
    const cached = new CachedSecretStore(store, { ttlMs: 1000, now });
    values.set(REF, 'v1');
    await cached.get(REF);
    clock += 5000;
    state.failWith = new Error('ThrottlingException');
    expect(await cached.get(REF)).toBe('v1');
    state.failWith = new SecretNotFoundError(REF);
    await expect(cached.get(REF)).rejects.toBeInstanceOf(SecretNotFoundError);
    state.failWith = new Error('ThrottlingException');
    await expect(cached.get(REF)).rejects.toThrow('ThrottlingException'); // nothing stale left to serve
  });

  it('holds at most maxEntries plaintext values, evicting the least recently used', async () => {
    const { store, values, state } = memoryStore();
    const cached = new CachedSecretStore(store, { maxEntries: 3, now });
    const ref = (i: number) => `${REF}${i}`;
    for (let i = 0; i < 5; i += 1) values.set(ref(i), `v${i}`);
    for (let i = 0; i < 3; i += 1) await cached.get(ref(i));
    await cached.get(ref(0)); // used again: ref(1) is now the least recently used
    await cached.put(ref(3), 'v3', {});
    await cached.get(ref(4));
    expect(cached.size).toBe(3);
    state.reads = 0;
    await cached.get(ref(0));
    await cached.get(ref(3));
    await cached.get(ref(4));
    expect(state.reads).toBe(0);
    await cached.get(ref(1));
    await cached.get(ref(2));
    expect(state.reads).toBe(2);
    cached.close();
  });

  it('drops a value maxStaleMs after its TTL: not served on a backend failure, gone from memory after a sweep', async () => {
    const { store, values, state } = memoryStore();
    const cached = new CachedSecretStore(store, { ttlMs: 1000, maxStaleMs: 5000, now });
    values.set(REF, 'v1');
    await cached.get(REF);
    state.failWith = new Error('backend down');
    clock += 5999;
    expect(await cached.get(REF)).toBe('v1'); // stale but within the window
    clock += 1;
    await expect(cached.get(REF)).rejects.toThrow('backend down');
    expect(cached.size).toBe(0);

    state.failWith = undefined;
    await cached.put(`${REF}x`, 'never read again', {});
    expect(cached.size).toBe(1);
    clock += 6000;
    cached.sweep();
    expect(cached.size).toBe(0);
    cached.close();
  });

  it('sweeps on its own timer, so an idle process does not keep keys either', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const { store } = memoryStore();
      const cached = new CachedSecretStore(store, { ttlMs: 1000, maxStaleMs: 1000 });
      await cached.put(REF, 'plaintext', {});
      jest.advanceTimersByTime(1999);
      expect(cached.size).toBe(1);
      jest.advanceTimersByTime(1000);
      expect(cached.size).toBe(0);
      cached.close();
    } finally {
      jest.useRealTimers();
    }
  });
});
