import type { EntityManager } from 'typeorm';
import type { DisclosureCreditLine, DisclosureCredits } from '../../../contracts/disclosure';
import { parseDecimal } from '../../emissions/exact-decimal';
import { CreditAllocator } from '../credits/credit-allocator';
import type { PeriodReceipt } from './period-receipts';

interface ReceiptCredits { required: bigint; allocated: bigint; shortfall: bigint; lines: DisclosureCreditLine[] }

/** Tonnes (at most 6 fraction digits, as signed) as whole grams. */
function tonnesToGrams(tonnes: string): bigint {
  const d = parseDecimal(tonnes);
  if (d.scale > 6) throw new RangeError(`${tonnes} t is not a whole number of grams`);
  return d.units * 10n ** BigInt(6 - d.scale);
}

/** From the allocation ledger (keyed by the receipt's key): grams, serials and whether a credit is shared. */
async function fromLedger(db: EntityManager, receipt: PeriodReceipt): Promise<ReceiptCredits | undefined> {
  if (!receipt.receiptKey) return undefined;
  const allocation = await new CreditAllocator().find(db, receipt.receiptKey);
  if (!allocation) return undefined;
  return {
    required: BigInt(allocation.requestedGrams),
    allocated: BigInt(allocation.allocatedGrams),
    shortfall: BigInt(allocation.shortfall?.grams ?? 0),
    lines: allocation.lines.map((l) => ({
      receipt: receipt.serial, registry: l.registry, project: l.project, vintage: l.vintage, serialStart: l.serialStart, serialEnd: l.serialEnd,
      grams: String(l.grams), retiredOn: l.retiredOn, retirementReference: l.retirementReference, sharedUnit: l.sharedSerials.length > 0,
    })),
  };
}

/** From the signed payload, for a receipt the ledger does not know by key: what was signed, sharing unknown. */
function fromPayload(receipt: PeriodReceipt): ReceiptCredits {
  const c = receipt.payload.credits;
  const lines = c.retirements.map((r) => ({
    receipt: receipt.serial, registry: r.registry, project: r.project, vintage: r.vintage, serialStart: r.serialStart, serialEnd: r.serialEnd,
    grams: tonnesToGrams(r.tonnes).toString(), retiredOn: r.retiredOn, retirementReference: r.retirementReference, sharedUnit: null,
  }));
  const allocated = lines.reduce((n, l) => n + BigInt(l.grams), 0n);
  return { required: tonnesToGrams(c.requiredTonnes), allocated, shortfall: tonnesToGrams(c.shortfallTonnes), lines };
}

/**
 * The credits section: what the period's receipts required (their high bound, rounded up to the gram), what the
 * inventory covered with registry-retired serials, and the shortfall. Credits never reduce the disclosed CO2e. The
 * ledger only allocates credits already retired on their registry, so nothing is pending.
 */
export async function creditsSection(db: EntityManager, receipts: PeriodReceipt[]): Promise<DisclosureCredits> {
  let required = 0n;
  let allocated = 0n;
  let shortfall = 0n;
  const lines: DisclosureCreditLine[] = [];
  for (const receipt of receipts) {
    const c = (await fromLedger(db, receipt)) ?? fromPayload(receipt);
    required += c.required;
    allocated += c.allocated;
    shortfall += c.shortfall;
    lines.push(...c.lines);
  }
  const retired = lines.reduce((n, l) => n + BigInt(l.grams), 0n);
  const pending = required - retired - shortfall;
  return {
    netted: false, allocatedAt: 'high', requiredG: required.toString(), allocatedG: allocated.toString(), retiredG: retired.toString(),
    pendingG: (pending > 0n ? pending : 0n).toString(), shortfallG: shortfall.toString(), lines,
  };
}
