/**
 * Formats a number for a Postgres `numeric` column or a receipt: fixed-point, never exponent notation (which
 * `String(1e-7)` and `toFixed` above 1e21 produce), and never `-0.000…`, which would make equal totals compare
 * unequal as strings.
 */
export function toDecimalString(n: number, fractionDigits = 9): string {
  if (!Number.isFinite(n)) throw new RangeError(`cannot store ${n} as a decimal`);
  if (!Number.isInteger(fractionDigits) || fractionDigits < 0 || fractionDigits > 100) {
    throw new RangeError(`fractionDigits must be an integer in 0..100, got ${fractionDigits}`);
  }

  let text: string;
  if (Math.abs(n) >= 1e21) {
    // Every double this large is an integer, so BigInt renders it exactly without an exponent.
    text = BigInt(n).toString();
    if (fractionDigits > 0) text += `.${'0'.repeat(fractionDigits)}`;
  } else {
    text = n.toFixed(fractionDigits);
  }

  return text.startsWith('-') && /^-0(?:\.0*)?$/.test(text) ? text.slice(1) : text;
}
