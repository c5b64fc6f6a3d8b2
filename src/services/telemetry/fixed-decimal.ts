/**
 * Exact sums of decimal strings: values are scaled to integers (BigInt) with a fixed number of fraction digits,
 * so adding and subtracting emissions in JavaScript is as exact as Postgres `numeric`.
 */
export const FRACTION_DIGITS = 12;
const SCALE = 10n ** BigInt(FRACTION_DIGITS);

export function parseFixed(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  if (fraction.length > FRACTION_DIGITS) throw new RangeError(`${text} has more than ${FRACTION_DIGITS} fraction digits`);
  const value = BigInt(whole || '0') * SCALE + BigInt(fraction.padEnd(FRACTION_DIGITS, '0') || '0');
  return negative ? -value : value;
}

export function formatFixed(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const text = `${abs / SCALE}.${(abs % SCALE).toString().padStart(FRACTION_DIGITS, '0')}`;
  return negative ? `-${text}` : text;
}
