import type { DataSource } from 'typeorm';
import { ReceiptCredits } from '../../../contracts/receipts';
import { AllocationConflictError, CreditAllocator, findDrawsOnCredit, toPayloadCredits } from '../../../src/services/credits/credit-allocator';
import { loadCreditInventory } from '../../../src/services/credits/credit-inventory.service';
import { kgToGramsCeil } from '../../../src/services/credits/grams';
// The credit inventory is global, not per organization: these tests count it on a database of their own.
import { createScratchDatabase } from '../../helpers/scratch-database';

const HEADER = 'registry,project,vintage,serial_start,serial_end,tonnes,retired_on,retirement_reference';
const T = 1_000_000;
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let ds: DataSource;
const allocator = new CreditAllocator();
let nextKey = 0;
const key = (label: string) => `test:${label}:${(nextKey += 1)}`;

// Each case gets a fresh, empty inventory (the ledger is append-only, so the whole scratch database is rebuilt).
beforeEach(async () => {
  scratch = await createScratchDatabase('carbonplan_credits_alloc', 12);
  ds = scratch.dataSource;
});
afterEach(async () => scratch?.drop());

async function load(...rows: string[]) {
  const result = await loadCreditInventory(ds, { bytes: Buffer.from([HEADER, ...rows].join('\n')), fileName: 'test.csv' });
  expect(result.outcome).toBe('loaded');
}
const gs = (vintage: number, issuance: number, a: number, b: number, ref: string) =>
  `gold-standard,GS9990${vintage % 10} Test,${vintage},GS1-1-XX-GS9990${vintage % 10}-12-${vintage}-${issuance}-${a}-${a},GS1-1-XX-GS9990${vintage % 10}-12-${vintage}-${issuance}-${b}-${b},${b - a + 1},2025-01-0${vintage % 10},${ref}`;

const allocate = (receiptKey: string, grams: number) => ds.transaction((tx) => allocator.allocate(tx, { receiptKey, grams }));
const ledger = () => ds.query(`SELECT receipt_key, batch_id, gram_from::bigint::text AS f, gram_to::bigint::text AS t FROM credit_allocations ORDER BY batch_id, gram_from`);

describe('CreditAllocator', () => {
  it('allocates oldest vintage first, split across batches, exactly the grams asked for', async () => {
    await load(gs(2024, 3, 1, 5, 'R-2024'), gs(2021, 1, 1, 2, 'R-2021'), gs(2023, 2, 1, 1, 'R-2023'));
    const grams = kgToGramsCeil('3500.0000001'); // 3,500,001 g: two 2021 tonnes, the 2023 tonne, one gram of 2024 ... and more
    const credits = await allocate(key('split'), grams);
    expect(credits.requestedGrams).toBe(3_500_001);
    expect(credits.allocatedGrams).toBe(3_500_001);
    expect(credits.shortfall).toBeNull();
    expect(credits.lines.map((l) => [l.vintage, l.grams, l.tonnes, l.serialStart, l.serialEnd, l.retirementReference, l.retiredOn, l.status])).toEqual([
      [2021, 2 * T, '2', 'GS1-1-XX-GS99901-12-2021-1-1-1', 'GS1-1-XX-GS99901-12-2021-1-2-2', 'R-2021', '2025-01-01', 'retired'],
      [2023, T, '1', 'GS1-1-XX-GS99903-12-2023-2-1-1', 'GS1-1-XX-GS99903-12-2023-2-1-1', 'R-2023', '2025-01-03', 'retired'],
      [2024, 500_001, '0.500001', 'GS1-1-XX-GS99904-12-2024-3-1-1', 'GS1-1-XX-GS99904-12-2024-3-1-1', 'R-2024', '2025-01-04', 'retired'],
    ]);
    expect(credits.lines.reduce((s, l) => s + l.grams, 0)).toBe(grams);
    expect(credits.lines[2].sharedSerials).toEqual(['GS1-1-XX-GS99904-12-2024-3-1-1']);
    expect(credits.lines[0].sharedSerials).toEqual([]);
  });

  it('shares a fraction of one credit between two receipts, and the ledger shows both on that serial', async () => {
    await load(gs(2022, 1, 10, 11, 'R-1'));
    const a = await allocate(key('a'), 600_000);
    const b = await allocate(key('b'), 900_000);
    expect(a.lines.map((l) => [l.serialStart, l.serialEnd, l.sharedSerials])).toEqual([
      ['GS1-1-XX-GS99902-12-2022-1-10-10', 'GS1-1-XX-GS99902-12-2022-1-10-10', ['GS1-1-XX-GS99902-12-2022-1-10-10']],
    ]);
    expect(b.lines.map((l) => [l.serialStart, l.serialEnd, l.sharedSerials, l.tonnes])).toEqual([
      ['GS1-1-XX-GS99902-12-2022-1-10-10', 'GS1-1-XX-GS99902-12-2022-1-11-11', ['GS1-1-XX-GS99902-12-2022-1-10-10', 'GS1-1-XX-GS99902-12-2022-1-11-11'], '0.9'],
    ]);
    const draws = await findDrawsOnCredit(ds.manager, a.lines[0].batchId, 10n);
    expect(draws).toEqual([{ receiptKey: expect.stringMatching(/^test:a:/), grams: 600_000 }, { receiptKey: expect.stringMatching(/^test:b:/), grams: 400_000 }]);
    expect(await findDrawsOnCredit(ds.manager, a.lines[0].batchId, 11n)).toEqual([{ receiptKey: expect.stringMatching(/^test:b:/), grams: 500_000 }]);
  });

  it('records a shortfall when the inventory runs out, never as retired', async () => {
    await load(gs(2022, 1, 1, 1, 'R-1'));
    const credits = await allocate(key('short'), 1_250_000);
    expect(credits).toMatchObject({ requestedGrams: 1_250_000, allocatedGrams: T, shortfall: { status: 'shortfall', grams: 250_000, tonnes: '0.25' } });
    expect(credits.lines.every((l) => l.status === 'retired')).toBe(true);
    const empty = await allocate(key('none-left'), 5);
    expect(empty).toEqual({ requestedGrams: 5, allocatedGrams: 0, lines: [], shortfall: { status: 'shortfall', grams: 5, tonnes: '0.000005' } });
    expect(await ds.query(`SELECT grams::int FROM credit_shortfalls ORDER BY grams`)).toEqual([{ grams: 5 }, { grams: 250_000 }]);
    const payload = ReceiptCredits.parse(toPayloadCredits(credits));
    expect(payload).toMatchObject({ requiredTonnes: '1.25', shortfallTonnes: '0.25', retirements: [{ tonnes: '1', retirementReference: 'R-1' }] });
  });

  it('is idempotent by receipt key: a retry gets the same allocation back and takes nothing more', async () => {
    await load(gs(2022, 1, 1, 3, 'R-1'));
    const k = key('retry');
    const first = await allocate(k, 1_500_000);
    const again = await allocate(k, 1_500_000);
    expect(again).toEqual(first);
    expect(await ledger()).toHaveLength(1);
    await expect(allocate(k, 1_600_000)).rejects.toBeInstanceOf(AllocationConflictError);
    // Concurrent retries of one key: one allocation.
    const k2 = key('retry-concurrent');
    const results = await Promise.all(Array.from({ length: 5 }, () => allocate(k2, 100)));
    for (const r of results) expect(r).toEqual(results[0]);
    expect((await ledger()).filter((r: { receipt_key: string }) => r.receipt_key === k2)).toHaveLength(1);
  });

  it('rolls back with the caller\'s transaction', async () => {
    await load(gs(2022, 1, 1, 1, 'R-1'));
    const k = key('rollback');
    await expect(ds.transaction(async (tx) => {
      await allocator.allocate(tx, { receiptKey: k, grams: 10 });
      throw new Error('issuing failed');
    })).rejects.toThrow('issuing failed');
    expect(await allocator.find(ds.manager, k)).toBeUndefined();
    expect((await allocate(k, 10)).lines[0].serialStart).toBe('GS1-1-XX-GS99902-12-2022-1-1-1');
  });

  it('never exceeds the inventory nor shares a gram under many concurrent allocations', async () => {
    await load(gs(2021, 1, 1, 2, 'R-1'), gs(2022, 2, 1, 3, 'R-2'));
    const capacity = 5 * T;
    const asks = Array.from({ length: 40 }, (_, i) => 100_000 + ((i * 7919) % 150_000));
    const results = await Promise.all(asks.map((g, i) => allocate(`test:concurrent:${i}`, g)));
    const allocated = results.reduce((s, r) => s + r.allocatedGrams, 0);
    const requested = asks.reduce((s, g) => s + g, 0);
    expect(requested).toBeGreaterThan(capacity);
    expect(allocated).toBe(capacity);
    for (const [i, r] of results.entries()) {
      expect(r.requestedGrams).toBe(asks[i]);
      expect(r.lines.reduce((s, l) => s + l.grams, 0) + (r.shortfall?.grams ?? 0)).toBe(asks[i]);
    }
    // Per batch the ranges tile [0, capacity) with no gap and no overlap.
    const rows: Array<{ batch_id: string; f: string; t: string }> = await ledger();
    const byBatch = new Map<string, Array<[number, number]>>();
    for (const r of rows) byBatch.set(r.batch_id, [...(byBatch.get(r.batch_id) ?? []), [Number(r.f), Number(r.t)]]);
    for (const ranges of byBatch.values()) {
      ranges.forEach(([f], j) => expect(f).toBe(j === 0 ? 0 : ranges[j - 1][1]));
    }
    const batches = await ds.query(`SELECT allocated_g::bigint::text AS a, capacity_g::bigint::text AS c FROM credit_batches`);
    for (const b of batches) expect(b.a).toBe(b.c);
  });

  it('the ledger itself refuses grams that are not the batch\'s next free ones, and allocated grams are never released', async () => {
    await load(gs(2022, 1, 1, 1, 'R-1'));
    await allocate(key('x'), 10);
    const [batch] = await ds.query(`SELECT id, serial_start FROM credit_batches`);
    await expect(ds.transaction(async (tx) => {
      await tx.query(`INSERT INTO credit_allocation_requests (receipt_key, requested_g, allocated_g) VALUES ('forged', 5, 5)`);
      await tx.query(`INSERT INTO credit_allocations (receipt_key, line, batch_id, gram_from, gram_to, grams, unit_first, unit_last, serial_first, serial_last)
        VALUES ('forged', 1, $1, 5, 10, 5, 1, 1, $2, $2)`, [batch.id, batch.serial_start]);
    })).rejects.toThrow(/not the next free grams/);
    await expect(ds.query(`UPDATE credit_batches SET allocated_g = 0`)).rejects.toThrow(/never released/);
    await expect(ds.query(`UPDATE credit_batches SET tonnes = 2`)).rejects.toThrow(/only allocated_g may change/);
    await expect(ds.query(`DELETE FROM credit_allocations`)).rejects.toThrow(/immutable/);
  });

  it('refuses to run outside a transaction', async () => {
    await expect(allocator.allocate(ds.manager, { receiptKey: 'k', grams: 1 })).rejects.toThrow(/inside a transaction/);
  });
});
