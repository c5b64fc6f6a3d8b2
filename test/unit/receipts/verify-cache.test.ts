import { BoundedCache, Refreshing, verdictKey } from '../../../src/services/receipts/verify-cache';

describe('BoundedCache', () => {
  it('forgets the least recently used entry past its bound', () => {
    const cache = new BoundedCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([1, undefined, 3]);
  });
});

describe('Refreshing', () => {
  it('reads once per TTL, shares a read between callers, reads again after invalidate or a failure', async () => {
    let clock = 0;
    let reads = 0;
    let fail = false;
    const value = new Refreshing(1000, async () => { reads += 1; if (fail) throw new Error('down'); return reads; }, () => clock);
    expect(await Promise.all([value.get(), value.get()])).toEqual([1, 1]);
    clock = 999;
    expect(await value.get()).toBe(1);
    clock = 1000;
    expect(await value.get()).toBe(2);
    value.invalidate();
    expect(await value.get()).toBe(3);
    value.invalidate();
    fail = true;
    await expect(value.get()).rejects.toThrow('down');
    fail = false;
    expect(await value.get()).toBe(5); // the failed read was not kept
  });
});

describe('verdictKey', () => {
  it('changes with any part, and is not fooled by moving a separator', () => {
    expect(verdictKey('a', 'b')).toBe(verdictKey('a', 'b'));
    expect(verdictKey('a', 'b')).not.toBe(verdictKey('a', 'c'));
    expect(verdictKey('ab', 'c')).not.toBe(verdictKey('a', 'bc'));
  });
});
