import { FactorSetDocument } from '../../../contracts/emissions';
import { createEmissionsEngine, loadFactorSetV1, MAX_FRACTION_DIGITS } from '../../../src/emissions';
import { fromJsonNumber } from '../../../src/emissions/exact-decimal';
import { FRACTION_DIGITS } from '../../../src/services/telemetry/fixed-decimal';

const maxScale = (numbers: number[]) => Math.max(...numbers.map((n) => fromJsonNumber(n).scale));

describe('fraction digits of stored figures', () => {
  it('match the fixed-point sums of ingestion and the read side', () => {
    expect(MAX_FRACTION_DIGITS).toBe(FRACTION_DIGITS);
  });

  it('are never rounded with v1.0: energy needs at most 9 fraction digits, CO2e at most 12', () => {
    const doc = loadFactorSetV1();
    const factors = Object.values(doc.tiers).flatMap((t) => [...t.prefill, ...t.decode, ...t.cached]);
    const energyDigits = maxScale(factors) + maxScale(Object.values(doc.pue).flat()) + 3;
    const co2eDigits = energyDigits + maxScale(Object.values(doc.grid).flat()) + 3;
    expect({ energyDigits, co2eDigits }).toEqual({ energyDigits: 9, co2eDigits: 12 });
    expect(co2eDigits).toBeLessThanOrEqual(MAX_FRACTION_DIGITS);
  });
});

describe('a factor set whose exact figures have more than 12 fraction digits', () => {
  // decode 5e-7 Wh/1k (exponent form in JSON), PUE 1, grid 1 g/kWh: n output tokens emit n × 5e-13 g.
  function tinyFactorSet(): FactorSetDocument {
    const doc = loadFactorSetV1();
    doc.tiers.large.decode = [5e-7, 5e-7, 5e-7];
    doc.pue.default = [1, 1, 1];
    doc.grid.default = [1, 1, 1];
    return FactorSetDocument.parse({ ...doc, version: '9.1' });
  }

  it.each([
    [1, '0.0000000005', '0'], // 0.0000000000005: tie, 0 is even
    [3, '0.0000000015', '0.000000000002'], // …15: tie, up to the even 2
    [5, '0.0000000025', '0.000000000002'], // …25: tie, down to the even 2
    [7, '0.0000000035', '0.000000000004'],
    [11, '0.0000000055', '0.000000000006'],
  ])('rounds each figure once, half to even: %p output tokens', (outputTokens, energy, co2e) => {
    const result = createEmissionsEngine(tinyFactorSet()).computeExact({ provider: 'x', model: 'gpt-4o', tokens: { outputTokens } });
    expect(result.energyWh).toEqual({ central: energy, low: energy, high: energy });
    expect(result.co2eG).toEqual({ central: co2e, low: co2e, high: co2e });
  });

  it('computes CO2e from the unrounded energy', () => {
    // 1 token at decode 4.6e-10 and PUE 1: energy 4.6e-13 Wh rounds to 0, yet CO2e at 1e6 g/kWh is 4.6e-10 g.
    const doc = tinyFactorSet();
    doc.tiers.large.decode = [4.6e-10, 4.6e-10, 4.6e-10];
    doc.grid.default = [1e6, 1e6, 1e6];
    const result = createEmissionsEngine(doc).computeExact({ provider: 'x', model: 'gpt-4o', tokens: { outputTokens: 1 } });
    expect(result.energyWh.central).toBe('0');
    expect(result.co2eG.central).toBe('0.00000000046');
  });

  it('refuses a factor whose decimal value is ambiguous (more than 15 significant digits)', () => {
    const doc = loadFactorSetV1();
    doc.tiers.large.decode = [0.9, 0.1 + 0.2, 2.7]; // 0.30000000000000004
    expect(() => createEmissionsEngine(doc)).toThrow(/significant digits/);
  });
});
