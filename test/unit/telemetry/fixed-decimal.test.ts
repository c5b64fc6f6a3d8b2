import { formatFixed, parseFixed } from '../../../src/services/telemetry/fixed-decimal';

describe('fixed-point decimals', () => {
  it.each([
    ['0', '0.000000000000'], ['1.5', '1.500000000000'], ['-0.000000000001', '-0.000000000001'], ['123456789.123456789012', '123456789.123456789012'],
  ])('round-trips %s', (input, formatted) => {
    expect(formatFixed(parseFixed(input))).toBe(formatted);
  });

  it('adds and subtracts exactly where floats drift', () => {
    const sum = ['0.1', '0.2', '-0.3'].map(parseFixed).reduce((a, b) => a + b, 0n);
    expect(formatFixed(sum)).toBe('0.000000000000');
    expect(0.1 + 0.2 - 0.3).not.toBe(0);
  });

  it('refuses more fraction digits than it can hold', () => {
    expect(() => parseFixed('0.0000000000001')).toThrow(RangeError);
  });
});
