import { CALCULATION_COLUMNS, CALCULATIONS_CSV_HEADER, createCalculationsCsv, csvField, type CalculationRow } from '../../../src/audit-packs/calculations-csv';
import { loadFactorSetV1 } from '../../../src/emissions';

const row = (over: Partial<CalculationRow> = {}): CalculationRow => ({
  eventId: '42', revision: 2, isCurrent: true, signedBy: ['CL-202601-BBBBB', 'CL-202601-AAAAA'], inMonth: true,
  connectionId: 'c0nnect10n', projectId: 'pr0ject', provider: 'openai', model: 'gpt-4o-2024-08-06',
  bucketStart: new Date('2026-01-05T10:00:00Z'), bucketEnd: '2026-01-05T11:00:00.000Z',
  inputUncached: '1000', inputCacheWrite: '0', inputCacheRead: '500', outputTokens: '200', reasoningTokens: '0',
  factorVersion: '1.0', tier: 'large', matchedRule: 'gpt-4o*',
  energyWhLow: '0.0001000', energyWhCentral: '0.5', energyWhHigh: '1', co2eGLow: '0', co2eGCentral: '0.25', co2eGHigh: '2.50',
  ...over,
});

describe('calculations.csv', () => {
  const csv = createCalculationsCsv([loadFactorSetV1()]);

  it('has the header of the audit-pack design, in order', () => {
    expect(CALCULATIONS_CSV_HEADER).toBe(`${CALCULATION_COLUMNS.join(',')}\r\n`);
    expect(CALCULATION_COLUMNS.slice(0, 5)).toEqual(['eventId', 'revision', 'isCurrent', 'signedBy', 'inMonth']);
    expect(CALCULATION_COLUMNS).toHaveLength(40);
  });

  it('writes factors as written in the factor set (low, central, high), the provider PUE and the default grid', () => {
    const fields = csv.formatRow(row()).replace(/\r\n$/, '').split(',');
    const get = (name: string) => fields[CALCULATION_COLUMNS.indexOf(name as never)];
    expect(fields).toHaveLength(40);
    expect(get('signedBy')).toBe('CL-202601-AAAAA;CL-202601-BBBBB');
    expect(get('bucketStart')).toBe('2026-01-05T10:00:00.000Z');
    expect([get('pueLow'), get('pueCentral'), get('pueHigh')]).toEqual(['1.12', '1.18', '1.25']);
    expect([get('gridLow'), get('gridCentral'), get('gridHigh')]).toEqual(['200', '370', '480']);
    expect([get('decodeWhPer1kLow'), get('decodeWhPer1kCentral'), get('decodeWhPer1kHigh')]).toEqual(['0.3', '0.9', '2.7']);
    expect([get('cachedWhPer1kLow'), get('cachedWhPer1kCentral'), get('cachedWhPer1kHigh')]).toEqual(['0.003', '0.012', '0.05']);
    expect([get('energyWhLow'), get('co2eGLow'), get('co2eGHigh')]).toEqual(['0.0001', '0', '2.5']);
  });

  it('falls back to the default PUE for a provider without a row', () => {
    const fields = csv.formatRow(row({ provider: 'acme' })).split(',');
    expect(fields.slice(19, 22)).toEqual(['1.09', '1.15', '1.4']);
  });

  it('quotes per RFC 4180', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField('plain')).toBe('plain');
    expect(csv.formatRow(row({ model: 'odd,"model"' }))).toContain(',"odd,""model""",');
  });

  it('refuses what it cannot describe', () => {
    expect(() => csv.formatRow(row({ factorVersion: '9.9' }))).toThrow(/factor version 9.9/);
    expect(() => csv.formatRow(row({ tier: 'huge' }))).toThrow(/tier huge/);
    expect(() => csv.formatRow(row({ outputTokens: '1.5' }))).toThrow(/outputTokens/);
    expect(() => csv.formatRow(row({ bucketStart: 'nope' }))).toThrow(/bucketStart/);
  });
});
