import type { EntityManager } from 'typeorm';
import type { DisclosureRestatement } from '../../../contracts/disclosure';
import { add, compareDecimals, parseDecimal, toCanonicalString } from '../../emissions/exact-decimal';
import { snapshotDays } from '../billing/billing-periods';
import { currentFigures } from '../receipts/receipt-figures';
import type { PeriodReceipt } from './period-receipts';

export type MonthStatus = 'unsigned' | 'final' | 'restated' | 'changed';

export interface MonthStanding {
  month: string;
  status: MonthStatus;
  /** Present when the month has a period receipt whose figures moved. */
  restatement: DisclosureRestatement | null;
}

const sum = (values: string[]) => toCanonicalString(values.reduce((s, v) => add(s, parseDecimal(v)), parseDecimal('0')));
const same = (a: string, b: string) => compareDecimals(parseDecimal(a), parseDecimal(b)) === 0;

/**
 * How the month stands against its receipts, on high CO2e (what credits are bought for): the period receipt(s)
 * signed `issued`, adjustments since bring it to `signed`, and the usage of the receipts' own billing periods is at
 * `current` now. Issued receipts keep their figures; a move shows here with its adjustment receipts.
 */
export async function monthStanding(db: EntityManager, orgId: string, month: string, receipts: PeriodReceipt[]): Promise<MonthStanding> {
  const periods = receipts.filter((r) => r.month === month && r.kind === 'period');
  if (periods.length === 0) return { month, status: 'unsigned', restatement: null };
  const adjustments = receipts.filter((r) => r.month === month && r.kind === 'adjustment');
  const issued = sum(periods.map((r) => r.payload.totals.co2eKg.high));
  const signed = sum([issued, ...adjustments.map((r) => r.payload.totals.co2eKg.high)]);
  const currents: string[] = [];
  for (const p of periods) {
    const range = snapshotDays(new Date(p.payload.period.start), new Date(p.payload.period.end));
    currents.push((await currentFigures(db, orgId, range)).totals.co2eKg.high);
  }
  const current = sum(currents);
  if (same(current, issued)) return { month, status: 'final', restatement: null };
  const isCovered = adjustments.length > 0 && same(current, signed);
  const reason = isCovered
    ? 'usage changed after the period receipt (late or corrected usage rows); the adjustment receipt(s) signed the change'
    : adjustments.length > 0
      ? 'usage changed again after the last adjustment receipt (within the adjustment threshold, or before the next period closes)'
      : 'usage changed after the period receipt (late or corrected usage rows); no adjustment receipt yet (within the adjustment threshold, or before the next period closes)';
  return {
    month,
    status: isCovered ? 'restated' : 'changed',
    restatement: {
      month, issuedHighKg: issued, signedHighKg: signed, currentHighKg: current,
      adjustmentReceipt: adjustments.at(-1)?.serial ?? null, adjustmentReceipts: adjustments.map((r) => r.serial), reason,
    },
  };
}
