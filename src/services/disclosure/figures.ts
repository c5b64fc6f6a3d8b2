import type { DisclosureBounds, DisclosureFigures } from '../../../contracts/disclosure';
import { add, parseDecimal, toCanonicalString, type ExactDecimal } from '../../emissions/exact-decimal';
import { perThousand } from '../../receipts/exact-decimal-string';

const sum = (a: string, b: string) => toCanonicalString(add(parseDecimal(a), parseDecimal(b)));
const sumBounds = (a: DisclosureBounds, b: DisclosureBounds): DisclosureBounds =>
  ({ low: sum(a.low, b.low), central: sum(a.central, b.central), high: sum(a.high, b.high) });

export function zeroFigures(): DisclosureFigures {
  return {
    tokens: { prefill: '0', decode: '0', cached: '0', reasoning: '0' },
    energyKwh: { low: '0', central: '0', high: '0' },
    co2eKg: { low: '0', central: '0', high: '0' },
  };
}

/** Field-wise exact sum. */
export function addFigures(a: DisclosureFigures, b: DisclosureFigures): DisclosureFigures {
  return {
    tokens: {
      prefill: sum(a.tokens.prefill, b.tokens.prefill), decode: sum(a.tokens.decode, b.tokens.decode),
      cached: sum(a.tokens.cached, b.tokens.cached), reasoning: sum(a.tokens.reasoning, b.tokens.reasoning),
    },
    energyKwh: sumBounds(a.energyKwh, b.energyKwh),
    co2eKg: sumBounds(a.co2eKg, b.co2eKg),
  };
}

export const sumFigures = (items: DisclosureFigures[]): DisclosureFigures => items.reduce(addFigures, zeroFigures());

/** Just the figures of a richer row (a line carries labels too). */
export const figuresOf = (f: DisclosureFigures): DisclosureFigures => ({ tokens: f.tokens, energyKwh: f.energyKwh, co2eKg: f.co2eKg });

/** kg → t, exactly. */
export const toTonnes = (b: DisclosureBounds): DisclosureBounds => ({ low: perThousand(b.low), central: perThousand(b.central), high: perThousand(b.high) });

/** Every token of the figures that costs energy: prefill + decode + cached (reasoning is inside decode). */
export const billableTokens = (f: DisclosureFigures): bigint => BigInt(f.tokens.prefill) + BigInt(f.tokens.decode) + BigInt(f.tokens.cached);

/** n / d rounded half to even to `digits` fraction digits, written with all of them (`3.00`). d must be positive. */
export function roundedRatio(n: bigint, d: bigint, digits: number): string {
  if (d <= 0n) throw new RangeError('the denominator must be positive');
  const scaled = n * 10n ** BigInt(digits);
  let q = scaled / d;
  const twiceRest = (scaled % d) * 2n;
  if (twiceRest > d || (twiceRest === d && q % 2n === 1n)) q += 1n;
  const text = q.toString().padStart(digits + 1, '0');
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** 100 · part / whole with two digits; `0.00` when the whole is zero. */
export const percent2 = (part: bigint, whole: bigint) => (whole === 0n ? '0.00' : roundedRatio(100n * part, whole, 2));

/** Two exact decimals as integers of one common scale, for ratios. */
export function commonScale(a: ExactDecimal, b: ExactDecimal): [bigint, bigint] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale)];
}
