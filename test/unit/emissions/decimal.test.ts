import { toDecimalString } from '../../../src/emissions';

describe('toDecimalString', () => {
  it.each([
    [0.1416, 9, '0.141600000'],
    [0.14159999999999998, 9, '0.141600000'],
    [1e-7, 9, '0.000000100'],
    [1.5e-10, 9, '0.000000000'],
    [123456.789, 3, '123456.789'],
    [42, 0, '42'],
    [-2.5, 2, '-2.50'],
    [-0, 9, '0.000000000'],
    [-1e-12, 9, '0.000000000'],
    [-1e-12, 0, '0'],
    [1e21, 2, '1000000000000000000000.00'],
    [-2e22, 0, '-20000000000000000000000'],
  ])('%p with %p digits -> %s', (n, digits, expected) => {
    expect(toDecimalString(n, digits)).toBe(expected);
  });

  it('defaults to 9 fraction digits', () => {
    expect(toDecimalString(0.5)).toBe('0.500000000');
  });

  it('never uses exponent notation', () => {
    for (const n of [1e-7, 5e-324, 1e20, 1e21, 1.7976931348623157e308]) {
      expect(toDecimalString(n)).not.toMatch(/e/i);
    }
  });

  it('rejects values a numeric column cannot hold', () => {
    expect(() => toDecimalString(Number.NaN)).toThrow(RangeError);
    expect(() => toDecimalString(Infinity)).toThrow(RangeError);
    expect(() => toDecimalString(1, -1)).toThrow(RangeError);
    expect(() => toDecimalString(1, 1.5)).toThrow(RangeError);
  });
});
