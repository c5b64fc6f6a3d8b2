import { multiply, parseDecimal, toCanonicalString, type ExactDecimal } from '../../emissions/exact-decimal';

const pow10 = (k: number) => 10n ** BigInt(k);

/**
 * An exact decimal kilogram string (a receipt's high CO2e bound) as whole grams, rounded up: the credits then cover
 * the bound whatever its digits beyond the gram. Negative values are refused (a negative adjustment allocates nothing).
 */
export function kgToGramsCeil(kg: string): number {
  const grams = multiply(parseDecimal(kg), { units: 1000n, scale: 0 });
  if (grams.units < 0n) throw new RangeError(`a negative quantity cannot be allocated: ${kg} kg`);
  const divisor = pow10(grams.scale);
  const whole = grams.units / divisor + (grams.units % divisor === 0n ? 0n : 1n);
  if (whole > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${kg} kg is beyond the grams this ledger counts`);
  return Number(whole);
}

/** Grams as tonnes, an exact decimal string (`1500000` → `1.5`). */
export function gramsToTonnes(grams: number | bigint): string {
  const value: ExactDecimal = { units: BigInt(grams), scale: 6 };
  return toCanonicalString(value);
}
