import { randomInt } from 'node:crypto';
import { RECEIPT_SERIAL_PATTERN } from '../../contracts/receipts';

/** Crockford base32: digits and letters without I, L, O, U. */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_CHARS = 5;
const MAX_ATTEMPTS = 10;

/**
 * A fresh serial `CL-YYYYMM-XXXXX` for a period starting in `periodStart`'s UTC month. The five characters come
 * from the CSPRNG (25 bits, so a serial says nothing about its neighbours); uniqueness is the database's: insert
 * with insertWithUniqueSerial, which draws again on a conflict.
 */
export function generateReceiptSerial(periodStart: Date): string {
  const month = `${periodStart.getUTCFullYear().toString().padStart(4, '0')}${(periodStart.getUTCMonth() + 1).toString().padStart(2, '0')}`;
  let random = '';
  for (let i = 0; i < RANDOM_CHARS; i++) random += CROCKFORD_ALPHABET[randomInt(CROCKFORD_ALPHABET.length)];
  return `CL-${month}-${random}`;
}

export function isReceiptSerial(value: unknown): value is string {
  return typeof value === 'string' && RECEIPT_SERIAL_PATTERN.test(value);
}

/** True for Postgres' unique violation on the serial (carbon_receipts.serial UNIQUE), however TypeORM wraps it. */
export function isSerialConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } } | null;
  const driver = e?.driverError ?? e;
  return driver?.code === '23505' && typeof driver.constraint === 'string' && driver.constraint.includes('serial');
}

/**
 * Runs `insert` with new serials until one is not taken (a serial conflict is retried; any other error is thrown).
 * At 32^5 serials a month a conflict is rare; ten in a row means something else is wrong.
 */
export async function insertWithUniqueSerial<T>(periodStart: Date, insert: (serial: string) => Promise<T>, isConflict: (err: unknown) => boolean = isSerialConflict): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const serial = generateReceiptSerial(periodStart);
    try {
      return await insert(serial);
    } catch (err) {
      if (!isConflict(err) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}
