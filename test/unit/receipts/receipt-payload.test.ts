import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ReceiptPayload } from '../../../contracts/receipts';
import { assertExactDecimalString, isExactDecimalString, perThousand, toExactDecimalString } from '../../../src/receipts/exact-decimal-string';
import { CROCKFORD_ALPHABET, generateReceiptSerial, insertWithUniqueSerial, isReceiptSerial, isSerialConflict } from '../../../src/receipts/serial';
import { snapshotReference } from '../../../src/receipts/snapshot';
import { RECEIPT_SCHEMA_FILE, renderReceiptSchema } from '../../../src/ops/receipt-schema';
import { buildReceiptPayload } from '../../factories/receipt-payload';

const issues = (value: unknown) => {
  const result = ReceiptPayload.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('ReceiptPayload contract', () => {
  it('accepts a period receipt and an adjustment', () => {
    expect(issues(buildReceiptPayload())).toEqual([]);
    const adjustment = buildReceiptPayload({
      serial: 'CL-202611-0ZZZ9', kind: 'adjustment', adjusts: 'CL-202611-7K3QZ',
      totals: { ...buildReceiptPayload().totals, co2eKg: { low: '-0.5', central: '-0.25', high: '0' } },
      credits: { requiredTonnes: '0', retirements: [], shortfallTonnes: '0' },
    });
    expect(issues(adjustment)).toEqual([]);
  });

  it('records a shortfall that adds up with the retirements', () => {
    const base = buildReceiptPayload();
    expect(issues({ ...base, credits: { ...base.credits, requiredTonnes: '0.5', shortfallTonnes: '0.489599' } })).toEqual([]);
    expect(issues({ ...base, credits: { ...base.credits, requiredTonnes: '0.5' } })).toEqual([expect.stringMatching(/^credits.shortfallTonnes: /)]);
  });

  it.each([
    ['an exponent', { co2eKg: { low: '1e-3', central: '1', high: '2' } }],
    ['a trailing zero', { co2eKg: { low: '1.10', central: '1', high: '2' } }],
    ['-0', { co2eKg: { low: '-0', central: '1', high: '2' } }],
    ['a leading zero', { co2eKg: { low: '01', central: '1', high: '2' } }],
    ['a number instead of a string', { co2eKg: { low: 1, central: '1', high: '2' } }],
    ['a negative figure in a period receipt', { co2eKg: { low: '-1', central: '1', high: '2' } }],
  ])('refuses %s in the totals', (_name, patch) => {
    const base = buildReceiptPayload();
    expect(issues({ ...base, totals: { ...base.totals, ...patch } })).not.toEqual([]);
  });

  it.each([
    ['version 2', { version: 2 }],
    ['an unknown field', { extra: true }],
    ['a serial with an I', { serial: 'CL-202611-7K3QI' }],
    ['a serial of another month', { serial: 'CL-202610-7K3QZ' }],
    ['month 13', { serial: 'CL-202613-7K3QZ' }],
    ['an adjustment without adjusts', { kind: 'adjustment' }],
    ['a period receipt with adjusts', { adjusts: 'CL-202610-7K3QZ' }],
    ['an instant with an offset', { issuedAt: '2026-12-03T01:00:05.123+01:00' }],
    ['an instant without milliseconds', { issuedAt: '2026-12-03T00:00:05Z' }],
    ['unsorted factor versions', { factorVersions: ['2026.2', '2026.1'] }],
    ['a short key id', { keyId: 'abc' }],
    ['a period ending before it starts', { period: { start: '2026-11-01T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z' } }],
  ])('refuses %s', (_name, patch) => {
    expect(issues({ ...buildReceiptPayload(), ...patch })).not.toEqual([]);
  });

  it('the committed JSON Schema is what `npm run contracts:schema` writes', () => {
    const committed = readFileSync(path.resolve(__dirname, '../../..', RECEIPT_SCHEMA_FILE), 'utf8');
    expect(committed).toBe(renderReceiptSchema());
    const schema = JSON.parse(committed) as { required: string[]; additionalProperties: boolean };
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'serial', 'kind', 'adjusts', 'organization', 'period', 'totals', 'models', 'factorVersions', 'credits', 'snapshot', 'issuedAt', 'keyId']));
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('receipt serials', () => {
  it('are CL-YYYYMM-XXXXX in the period start month (UTC) with random Crockford characters', () => {
    const serials = Array.from({ length: 2000 }, () => generateReceiptSerial(new Date('2026-11-30T23:59:59Z')));
    for (const s of serials) expect(isReceiptSerial(s) && s.startsWith('CL-202611-')).toBe(true);
    expect(new Set(serials).size).toBeGreaterThan(1990);
    const used = new Set(serials.flatMap((s) => s.slice(10).split('')));
    expect([...used].every((c) => CROCKFORD_ALPHABET.includes(c))).toBe(true);
    expect(used.size).toBe(32);
    expect(isReceiptSerial('CL-202611-ABCDU')).toBe(false);
  });

  it('draw again on a serial conflict only', async () => {
    const conflict = Object.assign(new Error('dup'), { driverError: { code: '23505', constraint: 'carbon_receipts_serial_key' } });
    expect(isSerialConflict(conflict)).toBe(true);
    expect(isSerialConflict(Object.assign(new Error('dup'), { code: '23505', constraint: 'carbon_receipts_one_period_receipt' }))).toBe(false);
    const tried: string[] = [];
    const result = await insertWithUniqueSerial(new Date('2026-11-01T00:00:00Z'), async (serial) => {
      tried.push(serial);
      if (tried.length < 3) throw conflict;
      return serial;
    });
    expect(tried).toHaveLength(3);
    expect(result).toBe(tried[2]);
    await expect(insertWithUniqueSerial(new Date(), async () => { throw new Error('other'); })).rejects.toThrow('other');
    await expect(insertWithUniqueSerial(new Date(), async () => { throw conflict; })).rejects.toBe(conflict);
  });
});

describe('exact decimal strings', () => {
  it('validates and normalizes', () => {
    for (const ok of ['0', '1', '-1', '0.5', '-0.005', '123.456', '10']) expect(isExactDecimalString(ok)).toBe(true);
    for (const bad of ['-0', '0.0', '1.', '.5', '01', '1e3', '+1', '1.50', ' 1', '', '-0.0']) expect(isExactDecimalString(bad)).toBe(false);
    expect(() => assertExactDecimalString('1.50', 'co2eKg.high')).toThrow(/co2eKg.high/);
    expect(toExactDecimalString('1.500')).toBe('1.5');
    expect(toExactDecimalString('-0.000')).toBe('0');
    expect(toExactDecimalString('2.5E-7')).toBe('0.00000025');
    expect(perThousand('10400.4')).toBe('10.4004');
    expect(perThousand('0')).toBe('0');
  });
});

describe('snapshot reference', () => {
  it('hashes the sorted id/revision list, whatever the input order', () => {
    const a = snapshotReference([{ id: 'b', revision: 2 }, { id: 'a', revision: 1 }]);
    expect(a).toEqual(snapshotReference([{ id: 'a', revision: 1 }, { id: 'b', revision: 2 }]));
    expect(a.events).toBe('2');
    expect(a.sha256).not.toBe(snapshotReference([{ id: 'a', revision: 1 }, { id: 'b', revision: 3 }]).sha256);
    expect(snapshotReference([]).events).toBe('0');
    expect(() => snapshotReference([{ id: 'a', revision: 1 }, { id: 'a', revision: 2 }])).toThrow(/twice/);
  });
});
