import type { Disclosure, DisclosureBounds, DisclosureFigures } from '../../../contracts/disclosure';
import { compareDecimals, parseDecimal } from '../../emissions/exact-decimal';
import { figuresOf, sumFigures, toTonnes, zeroFigures } from './figures';

const ordered = (b: DisclosureBounds) =>
  compareDecimals(parseDecimal(b.low), parseDecimal(b.central)) <= 0 && compareDecimals(parseDecimal(b.central), parseDecimal(b.high)) <= 0;
const sameFigures = (a: DisclosureFigures, b: DisclosureFigures) => JSON.stringify(figuresOf(a)) === JSON.stringify(figuresOf(b));

/**
 * What reference/disclosure.md §11 demands of every generated file, as a list of violations (empty when it holds):
 * low <= central <= high on every line and total, every breakdown (and the months of a range) summing exactly to the
 * totals, t = kg / 1000, and the credits adding up without ever being netted.
 */
export function disclosureViolations(doc: Disclosure): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => { if (!ok) problems.push(what); };
  const rows: Array<[string, DisclosureFigures[]]> = [
    ['lines', doc.lines], ['breakdown.byProvider', doc.breakdown.byProvider], ['breakdown.byModel', doc.breakdown.byModel],
    ['breakdown.byProject', doc.breakdown.byProject], ['breakdown.byRegion', doc.breakdown.byRegion],
  ];
  check(ordered(doc.totals.energyKwh) && ordered(doc.totals.co2eKg) && ordered(doc.totals.co2eT), 'totals: low <= central <= high');
  check(JSON.stringify(doc.totals.co2eT) === JSON.stringify(toTonnes(doc.totals.co2eKg)), 'totals.co2eT is not co2eKg / 1000');
  for (const [name, items] of rows) {
    check(sameFigures(sumFigures(items.map(figuresOf)), doc.totals), `${name} does not sum to totals`);
    items.forEach((item, i) => check(ordered(item.energyKwh) && ordered(item.co2eKg), `${name}[${i}]: low <= central <= high`));
  }
  if ('months' in doc) {
    const monthsKg = sumFigures(doc.months.map((m) => ({ ...zeroFigures(), co2eKg: m.co2eKg }))).co2eKg;
    check(JSON.stringify(monthsKg) === JSON.stringify(doc.totals.co2eKg), 'months do not sum to totals.co2eKg');
    doc.months.forEach((m, i) => check(ordered(m.co2eKg), `months[${i}]: low <= central <= high`));
  }
  const c = doc.credits;
  check(BigInt(c.requiredG) === BigInt(c.retiredG) + BigInt(c.pendingG) + BigInt(c.shortfallG), 'credits: required != retired + pending + shortfall');
  check(c.lines.reduce((n, l) => n + BigInt(l.grams), 0n) === BigInt(c.retiredG), 'credits: lines do not sum to retiredG');
  return problems;
}
