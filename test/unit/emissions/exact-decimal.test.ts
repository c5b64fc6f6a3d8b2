import {
  add,
  compareDecimals,
  divideByPowerOfTen,
  fromInteger,
  fromJsonNumber,
  multiply,
  parseDecimal,
  roundHalfEven,
  toCanonicalString,
} from '../../../src/emissions/exact-decimal';

const text = (s: string) => parseDecimal(s);
const show = toCanonicalString;

describe('parseDecimal', () => {
  it.each([
    ['0.0013', 13n, 4],
    ['370', 370n, 0],
    ['-2.50', -250n, 2],
    ['1e-7', 1n, 7],
    ['2.5E3', 2500n, 0],
    ['1.5e+2', 150n, 0],
    ['0012.0', 120n, 1],
  ])('%s -> %p / 10^%p', (input, units, scale) => {
    expect(parseDecimal(input)).toEqual({ units, scale });
  });

  it.each(['', '.5', '5.', ' 1', '1 ', '+1', 'NaN', 'Infinity', '0x10', '1,5', '1e', '1e5000', '--1'])('rejects %p', (input) => {
    expect(() => parseDecimal(input)).toThrow(RangeError);
  });
});

describe('fromJsonNumber', () => {
  it('reads a factor as the decimal it was written as, not its binary value', () => {
    expect(0.0013.toFixed(20)).toBe('0.00129999999999999994');
    expect(fromJsonNumber(0.0013)).toEqual({ units: 13n, scale: 4 });
    expect(show(fromJsonNumber(1.18))).toBe('1.18');
  });

  it('handles the exponent forms String() produces', () => {
    expect(String(1e-7)).toBe('1e-7');
    expect(show(fromJsonNumber(1e-7))).toBe('0.0000001');
    expect(show(fromJsonNumber(1.5e21))).toBe('1500000000000000000000');
  });

  it('refuses numbers whose decimal value is ambiguous or not a number', () => {
    expect(() => fromJsonNumber(0.1 + 0.2)).toThrow(/more than 15 significant digits/);
    expect(() => fromJsonNumber(Number.NaN)).toThrow(RangeError);
    expect(() => fromJsonNumber(Infinity)).toThrow(RangeError);
  });
});

describe('fromInteger', () => {
  it('takes safe integers and bigints only', () => {
    expect(fromInteger(4_608_858)).toEqual({ units: 4_608_858n, scale: 0 });
    expect(fromInteger(10n ** 30n)).toEqual({ units: 10n ** 30n, scale: 0 });
    expect(() => fromInteger(1.5)).toThrow(RangeError);
    expect(() => fromInteger(2 ** 53)).toThrow(RangeError);
  });
});

describe('arithmetic', () => {
  it('multiplies and adds exactly where doubles do not', () => {
    expect(0.1 * 0.2).not.toBe(0.02);
    expect(show(multiply(text('0.1'), text('0.2')))).toBe('0.02');
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(show(add(text('0.1'), text('0.2')))).toBe('0.3');
    expect(show(multiply(multiply(fromInteger(4_608_858), text('0.40')), text('1.25')))).toBe('2304429');
    expect(show(add(text('-1.005'), text('1')))).toBe('-0.005');
  });

  it('keeps every digit of large products', () => {
    const big = multiply(fromInteger(9_999_999_999), text('0.0003'));
    expect(show(multiply(big, text('1.56')))).toBe('4679999.999532');
    expect(show(multiply(text('123456789.123456789'), text('987654321.987654321')))).toBe('121932631356500531.347203169112635269');
  });

  it('divides by powers of ten by moving the point', () => {
    expect(show(divideByPowerOfTen(text('2304429'), 3))).toBe('2304.429');
    expect(show(divideByPowerOfTen(text('5'), 13))).toBe('0.0000000000005');
    expect(() => divideByPowerOfTen(text('1'), -1)).toThrow(RangeError);
  });

  it('compares values of any scale', () => {
    expect(compareDecimals(text('1.50'), text('1.5'))).toBe(0);
    expect(compareDecimals(text('0.0448'), text('0.1416'))).toBe(-1);
    expect(compareDecimals(text('2'), text('1.999999999999999'))).toBe(1);
  });
});

describe('roundHalfEven', () => {
  it.each([
    ['0.5', 0, '0'],
    ['1.5', 0, '2'],
    ['2.5', 0, '2'],
    ['2.5000000001', 0, '3'],
    ['2.4999999999', 0, '2'],
    ['-2.5', 0, '-2'],
    ['-3.5', 0, '-4'],
    ['-0.4', 0, '0'],
    ['0.0000000000005', 12, '0'],
    ['0.0000000000015', 12, '0.000000000002'],
    ['0.0000000000025', 12, '0.000000000002'],
    ['0.00000000000250001', 12, '0.000000000003'],
    ['0.123456789012499', 12, '0.123456789012'],
    ['9.9999999999995', 12, '10'],
  ])('%s to %p digits -> %s', (input, digits, expected) => {
    expect(show(roundHalfEven(text(input), digits))).toBe(expected);
  });

  it('leaves values that already fit untouched', () => {
    const value = text('2304.429');
    expect(roundHalfEven(value, 12)).toBe(value);
    expect(() => roundHalfEven(value, -1)).toThrow(RangeError);
  });
});

describe('toCanonicalString', () => {
  it.each([
    [{ units: 0n, scale: 5 }, '0'],
    [{ units: 1500n, scale: 3 }, '1.5'],
    [{ units: 2000n, scale: 3 }, '2'],
    [{ units: 5n, scale: 12 }, '0.000000000005'],
    [{ units: -5n, scale: 1 }, '-0.5'],
    [{ units: 123n, scale: 0 }, '123'],
    [{ units: 10n ** 25n, scale: 2 }, '100000000000000000000000'],
  ])('%p -> %s', (value, expected) => {
    expect(show(value)).toBe(expected);
  });

  it('round-trips through parseDecimal for many values', () => {
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647);
    for (let i = 0; i < 2000; i++) {
      const value = { units: BigInt(next()) * BigInt(next()) - 10n ** 17n, scale: next() % 20 };
      const canonical = show(value);
      expect(canonical).toMatch(/^-?(0|[1-9]\d*)(\.\d*[1-9])?$/);
      expect(compareDecimals(parseDecimal(canonical), value)).toBe(0);
      expect(show(parseDecimal(canonical))).toBe(canonical);
    }
  });
});
