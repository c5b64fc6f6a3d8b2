import { EXACT_DECIMAL_PATTERN } from '../../contracts/receipts';
import { divideByPowerOfTen, parseDecimal, toCanonicalString, type ExactDecimal } from '../emissions/exact-decimal';

/** True for the only spelling a signed decimal may have: no exponent, no leading/trailing zeros, no `+`, no `-0`. */
export function isExactDecimalString(value: unknown): value is string {
  return typeof value === 'string' && EXACT_DECIMAL_PATTERN.test(value);
}

export function assertExactDecimalString(value: unknown, what = 'value'): asserts value is string {
  if (!isExactDecimalString(value)) throw new RangeError(`${what} is not an exact decimal string: ${JSON.stringify(value)}`);
}

/**
 * The signed spelling of a decimal: from text (a node-postgres `numeric`, which may carry trailing zeros, or an
 * exponent form) or an ExactDecimal. Never from a JS number: its binary value is not the decimal it was written as.
 */
export function toExactDecimalString(value: string | ExactDecimal): string {
  return toCanonicalString(typeof value === 'string' ? parseDecimal(value) : value);
}

/** Grams (or Wh) as kilograms (or kWh), exactly: only the decimal point moves. */
export function perThousand(value: string | ExactDecimal): string {
  return toCanonicalString(divideByPowerOfTen(typeof value === 'string' ? parseDecimal(value) : value, 3));
}
