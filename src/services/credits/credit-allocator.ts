import type { EntityManager } from 'typeorm';
import type { CreditAllocation, CreditAllocationLine } from '../../../contracts/credits';
import type { ReceiptCredits as PayloadCredits } from '../../../contracts/receipts';
import { unitSerial, type CreditRegistry } from './credit-serials';
import { gramsToTonnes } from './grams';

// pg_advisory_xact_lock(ALLOCATION_LOCK, hashtext(receipt key)): two attempts for one receipt run one after the
// other, so the second finds the first's allocation instead of making another.
const ALLOCATION_LOCK = 0x414c4c4f; // "ALLO"

export interface AllocateInput {
  /** The issuer's stable key for the receipt (its serial, or e.g. `period:{billingPeriodId}`); at most 200 characters. */
  receiptKey: string;
  /** Whole grams: the receipt's high CO2e bound rounded up (`kgToGramsCeil`). */
  grams: number;
}

/** A retry asked for a different quantity under a key that already has an allocation. */
export class AllocationConflictError extends Error {
  constructor(readonly receiptKey: string, readonly allocatedFor: number, readonly requested: number) {
    super(`receipt ${receiptKey} already has credits allocated for ${allocatedFor} g; ${requested} g were asked now`);
    this.name = 'AllocationConflictError';
  }
}

interface BatchRow {
  id: string;
  registry: CreditRegistry;
  serial_start: string;
  unit_start: string;
  unit_g: string;
  capacity_g: string;
  allocated_g: string;
}

interface LineRow {
  batch_id: string;
  registry: CreditRegistry;
  project: string;
  vintage: number;
  retired_on: string;
  retirement_reference: string;
  unit_g: string;
  gram_from: string;
  gram_to: string;
  grams: string;
  serial_first: string;
  serial_last: string;
}

function toLine(row: LineRow): CreditAllocationLine {
  const unitG = BigInt(row.unit_g);
  const shared = new Set<string>();
  if (BigInt(row.gram_from) % unitG !== 0n) shared.add(row.serial_first);
  if (BigInt(row.gram_to) % unitG !== 0n) shared.add(row.serial_last);
  return {
    status: 'retired', registry: row.registry, project: row.project, vintage: row.vintage, serialStart: row.serial_first,
    serialEnd: row.serial_last, grams: Number(row.grams), tonnes: gramsToTonnes(BigInt(row.grams)), sharedSerials: [...shared],
    retiredOn: row.retired_on, retirementReference: row.retirement_reference, batchId: row.batch_id,
  };
}

/**
 * Allocates retired credits to receipts at their high CO2e bound: exactly the grams asked for, oldest vintage first,
 * split across batches, within the caller's transaction. Batches are locked (FOR UPDATE, in allocation order) so
 * concurrent allocations queue; the ledger's insert trigger refuses any grams that are not a batch's next free ones.
 */
export class CreditAllocator {
  async allocate(tx: EntityManager, input: AllocateInput): Promise<CreditAllocation> {
    const { receiptKey, grams } = input;
    if (!tx.queryRunner?.isTransactionActive) throw new Error('CreditAllocator.allocate must run inside a transaction');
    if (!receiptKey || receiptKey.length > 200) throw new RangeError('receiptKey must be 1 to 200 characters');
    if (!Number.isSafeInteger(grams) || grams < 0) throw new RangeError(`grams must be a whole number >= 0, got ${grams}`);

    await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [ALLOCATION_LOCK, receiptKey]);
    const existing = await this.find(tx, receiptKey);
    if (existing) {
      if (existing.requestedGrams !== grams) throw new AllocationConflictError(receiptKey, existing.requestedGrams, grams);
      return existing;
    }

    const batches: BatchRow[] = grams === 0 ? [] : await tx.query(
      `SELECT id, registry, serial_start, unit_start, unit_g, capacity_g, allocated_g FROM credit_batches
        WHERE allocated_g < capacity_g
        ORDER BY vintage, registry, project, series, unit_start, id
        FOR UPDATE`,
    );
    let remaining = BigInt(grams);
    const lines: unknown[][] = [];
    for (const batch of batches) {
      if (remaining === 0n) break;
      const from = BigInt(batch.allocated_g);
      const take = BigInt(batch.capacity_g) - from < remaining ? BigInt(batch.capacity_g) - from : remaining;
      const to = from + take;
      const unitG = BigInt(batch.unit_g);
      const unitFirst = BigInt(batch.unit_start) + from / unitG;
      const unitLast = BigInt(batch.unit_start) + (to - 1n) / unitG;
      lines.push([receiptKey, lines.length + 1, batch.id, from.toString(), to.toString(), take.toString(), unitFirst.toString(), unitLast.toString(),
        unitSerial(batch.registry, batch.serial_start, unitFirst), unitSerial(batch.registry, batch.serial_start, unitLast)]);
      remaining -= take;
    }

    await tx.query(`INSERT INTO credit_allocation_requests (receipt_key, requested_g, allocated_g) VALUES ($1, $2, $3)`,
      [receiptKey, grams, (BigInt(grams) - remaining).toString()]);
    for (const line of lines) {
      await tx.query(
        `INSERT INTO credit_allocations (receipt_key, line, batch_id, gram_from, gram_to, grams, unit_first, unit_last, serial_first, serial_last)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        line,
      );
    }
    if (remaining > 0n) await tx.query(`INSERT INTO credit_shortfalls (receipt_key, grams) VALUES ($1, $2)`, [receiptKey, remaining.toString()]);
    return (await this.find(tx, receiptKey))!;
  }

  /** The credits section recorded for a receipt key, or undefined when none was allocated. */
  async find(db: EntityManager, receiptKey: string): Promise<CreditAllocation | undefined> {
    const [request]: Array<{ requested_g: string; allocated_g: string; shortfall_g: string | null }> = await db.query(
      `SELECT r.requested_g, r.allocated_g, s.grams AS shortfall_g
         FROM credit_allocation_requests r LEFT JOIN credit_shortfalls s USING (receipt_key) WHERE r.receipt_key = $1`,
      [receiptKey],
    );
    if (!request) return undefined;
    const rows: LineRow[] = await db.query(
      `SELECT a.batch_id, b.registry, b.project, b.vintage, to_char(b.retired_on, 'YYYY-MM-DD') AS retired_on, b.retirement_reference,
              b.unit_g, a.gram_from, a.gram_to, a.grams, a.serial_first, a.serial_last
         FROM credit_allocations a JOIN credit_batches b ON b.id = a.batch_id
        WHERE a.receipt_key = $1 ORDER BY a.line`,
      [receiptKey],
    );
    const shortfall = request.shortfall_g === null ? null : { status: 'shortfall' as const, grams: Number(request.shortfall_g), tonnes: gramsToTonnes(BigInt(request.shortfall_g)) };
    return { requestedGrams: Number(request.requested_g), allocatedGrams: Number(request.allocated_g), lines: rows.map(toLine), shortfall };
  }
}

export interface UnitDraw {
  receiptKey: string;
  /** Grams of this one credit the receipt holds. */
  grams: number;
}

/** The ledger for one credit: which receipts draw on it and how many of its grams each holds. */
export async function findDrawsOnCredit(db: EntityManager, batchId: string, unit: bigint): Promise<UnitDraw[]> {
  const rows: Array<{ receipt_key: string; grams: string }> = await db.query(
    `SELECT a.receipt_key,
            LEAST(a.gram_to, (u.n + 1) * b.unit_g) - GREATEST(a.gram_from, u.n * b.unit_g) AS grams
       FROM credit_allocations a
       JOIN credit_batches b ON b.id = a.batch_id
       CROSS JOIN LATERAL (SELECT $2::bigint - b.unit_start AS n) u
      WHERE a.batch_id = $1 AND a.unit_first <= $2::bigint AND a.unit_last >= $2::bigint
      ORDER BY a.gram_from`,
    [batchId, unit.toString()],
  );
  return rows.map((r) => ({ receiptKey: r.receipt_key, grams: Number(r.grams) }));
}

/** The receipt payload's credits section (contracts/receipts.ts) from an allocation: tonnes only, no ledger details. */
export function toPayloadCredits(allocation: CreditAllocation): PayloadCredits {
  return {
    requiredTonnes: gramsToTonnes(allocation.requestedGrams),
    retirements: allocation.lines.map((l) => ({
      registry: l.registry, project: l.project, vintage: l.vintage, serialStart: l.serialStart, serialEnd: l.serialEnd,
      tonnes: l.tonnes, retiredOn: l.retiredOn, retirementReference: l.retirementReference,
    })),
    shortfallTonnes: gramsToTonnes(allocation.shortfall?.grams ?? 0),
  };
}
