/**
 * Exact decimal arithmetic for emission figures: a value is `units / 10^scale` with BigInt units, so products and
 * sums of decimal factors are exact (as in Postgres `numeric`), never binary fractions. Figures are signed in
 * receipts and must be reproducible digit for digit by anyone recomputing them in decimal.
 */
export interface ExactDecimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

// A double keeps 15 significant decimal digits through a round trip, so a factor written with at most 15 digits is
// exactly what `String(n)` gives back. More digits mean the literal may not be what the parsed number shows.
const MAX_NUMBER_DIGITS = 15;

// Far beyond any double (1e-324 … 1e308); a bound so a hostile exponent cannot allocate a huge BigInt.
const MAX_EXPONENT = 1000;

const pow10 = (k: number) => 10n ** BigInt(k);

/** Parses `12`, `-0.0013`, `1e-7`, `2.5E3`; rejects anything else (spaces, `.5`, `NaN`). */
export function parseDecimal(text: string): ExactDecimal {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) throw new RangeError(`not a decimal number: "${text}"`);
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  if (Math.abs(Number(exponent)) > MAX_EXPONENT) throw new RangeError(`exponent out of range: "${text}"`);
  const scale = fraction.length - Number(exponent);
  const units = BigInt(`${sign}${whole}${fraction}`);
  return scale >= 0 ? { units, scale } : { units: units * pow10(-scale), scale: 0 };
}

/**
 * A JSON number (a factor of a factor set) as the decimal it was written as: its shortest representation
 * `String(n)`, exponent forms included, never its binary value (0.0013 is not 0.00129999999999999994).
 */
export function fromJsonNumber(n: number): ExactDecimal {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  const text = String(n);
  const digits = text.replace(/e.*$/i, '').replace(/\D/g, '').replace(/^0+/, '');
  if (digits.length > MAX_NUMBER_DIGITS) {
    throw new RangeError(`${text} has more than ${MAX_NUMBER_DIGITS} significant digits; its decimal value is ambiguous`);
  }
  return parseDecimal(text);
}

/** A whole number (a token count). */
export function fromInteger(n: number | bigint): ExactDecimal {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
  return { units: BigInt(n), scale: 0 };
}

export function multiply(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

export function add(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: a.units * pow10(scale - a.scale) + b.units * pow10(scale - b.scale), scale };
}

/** `a / 10^k`, exact: only the decimal point moves. */
export function divideByPowerOfTen(a: ExactDecimal, k: number): ExactDecimal {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  return { units: a.units, scale: a.scale + k };
}

/** Rounds to at most `digits` fraction digits, ties to the even neighbour (banker's rounding, no upward drift in sums). */
export function roundHalfEven(a: ExactDecimal, digits: number): ExactDecimal {
  if (!Number.isInteger(digits) || digits < 0) throw new RangeError(`digits must be a non-negative integer, got ${digits}`);
  if (a.scale <= digits) return a;
  const divisor = pow10(a.scale - digits);
  const negative = a.units < 0n;
  const abs = negative ? -a.units : a.units;
  let quotient = abs / divisor;
  const twiceRest = (abs % divisor) * 2n;
  if (twiceRest > divisor || (twiceRest === divisor && quotient % 2n === 1n)) quotient += 1n;
  return { units: negative ? -quotient : quotient, scale: digits };
}

export function compareDecimals(a: ExactDecimal, b: ExactDecimal): -1 | 0 | 1 {
  const diff = add(a, { units: -b.units, scale: b.scale }).units;
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}

/** Canonical text: no exponent, no leading or trailing zeros, `0` for zero (so equal values are equal strings). */
export function toCanonicalString(a: ExactDecimal): string {
  const negative = a.units < 0n;
  const digits = (negative ? -a.units : a.units).toString().padStart(a.scale + 1, '0');
  const whole = digits.slice(0, digits.length - a.scale);
  const fraction = digits.slice(digits.length - a.scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
