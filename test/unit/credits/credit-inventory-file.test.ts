import { parseInventoryFile } from '../../../src/services/credits/credit-inventory-file';
import { parseCsv } from '../../../src/services/credits/csv';
import { gramsToTonnes, kgToGramsCeil } from '../../../src/services/credits/grams';

const HEADER = 'registry,project,vintage,serial_start,serial_end,tonnes,retired_on,retirement_reference';
const gs = (issuance: number, a: number, b: number, tonnes = String(b - a + 1), extra = '2025-01-02,REF-1') =>
  `gold-standard,GS99902 Test Wind,2023,GS1-1-XX-GS99902-12-2023-${issuance}-${a}-${a},GS1-1-XX-GS99902-12-2023-${issuance}-${b}-${b},${tonnes},${extra}`;
const file = (...rows: string[]) => Buffer.from([HEADER, ...rows].join('\r\n') + '\r\n');
const now = new Date('2026-01-01T00:00:00Z');

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and names each record\'s first line', () => {
    expect(parseCsv('a,"b,c","say ""hi"""\r\n"multi\nline",x,\n')).toEqual([
      { line: 1, fields: ['a', 'b,c', 'say "hi"'] },
      { line: 2, fields: ['multi\nline', 'x', ''] },
    ]);
  });
  it('refuses an unclosed quote, a quote inside an unquoted field and text after a closing quote', () => {
    expect(() => parseCsv('a,"b\n')).toThrow('line 1: quoted field is never closed');
    expect(() => parseCsv('h\na"b\n')).toThrow('line 2: a quote inside an unquoted field');
    expect(() => parseCsv('h\n"a"b\n')).toThrow('line 2: text after a closing quote');
  });
});

describe('parseInventoryFile', () => {
  it('parses rows with the unit range, series and capacity', () => {
    const { rows, sha256 } = parseInventoryFile(file(gs(99001, 1, 120), gs(99002, 1, 5)), now);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.map((r) => [r.line, r.unitStart, r.unitEnd, r.tonnes, r.capacityG])).toEqual([[2, 1n, 120n, '120', 120_000_000n], [3, 1n, 5n, '5', 5_000_000n]]);
  });

  it.each([
    ['a missing field', gs(1, 1, 2).split(',').slice(0, 7).join(','), 'line 3: 7 fields, expected 8'],
    ['no retirement date', gs(1, 1, 2, '2', ',REF'), 'line 3: retired_on is empty: only credits already retired'],
    ['no retirement reference', gs(1, 1, 2, '2', '2025-01-02,'), 'line 3: retirement_reference is empty'],
    ['an impossible date', gs(1, 1, 2, '2', '2025-02-30,REF'), 'line 3: retired_on "2025-02-30" is not a date'],
    ['a future retirement', gs(1, 1, 2, '2', '2026-06-01,REF'), 'line 3: retired_on 2026-06-01 is in the future'],
    ['tonnes not matching the range', gs(1, 1, 2, '3'), 'line 3: tonnes 3 does not match the serial range: units 1 to 2 are 2 tonnes'],
    ['an unknown registry', gs(1, 1, 2).replace('gold-standard', 'isometric'), 'line 3: registry "isometric" is not one of'],
    ['a block serial instead of a unit serial', gs(1, 1, 2).replace('-1-1,', '-1-2,'), 'line 3: serial_start: "GS1-1-XX-GS99902-12-2023-1-1-2" names units 1 to 2'],
    ['ends in another block', gs(1, 1, 2).replace('2023-1-2-2', '2023-9-2-2'), 'line 3: serial_start and serial_end are not in the same block'],
    ['a vintage the serial contradicts', gs(1, 1, 2).replace(',2023,', ',2022,'), 'line 3: vintage 2022 is not the serial\'s vintage (2023)'],
  ])('rejects %s and names its line', (_what, row, message) => {
    expect(() => parseInventoryFile(file(gs(99001, 1, 120), row), now)).toThrow(message);
  });

  it('rejects a range overlapping another row of the file, naming the later line', () => {
    expect(() => parseInventoryFile(file(gs(7, 1, 100), gs(8, 1, 10), gs(7, 50, 60)), now)).toThrow('line 4: serial range overlaps line 2 of this file');
  });

  it('rejects a wrong header and an empty file', () => {
    expect(() => parseInventoryFile(Buffer.from('registry,project\n'), now)).toThrow('line 1: the header must be');
    expect(() => parseInventoryFile(Buffer.from(`${HEADER}\n`), now)).toThrow('no rows after its header');
  });
});

describe('grams', () => {
  it('rounds an exact kg string up to whole grams', () => {
    expect(kgToGramsCeil('12.345')).toBe(12_345);
    expect(kgToGramsCeil('12.3450000001')).toBe(12_346);
    expect(kgToGramsCeil('0.0000001')).toBe(1);
    expect(kgToGramsCeil('0')).toBe(0);
    expect(() => kgToGramsCeil('-1')).toThrow(/negative/);
    expect(gramsToTonnes(1_500_000)).toBe('1.5');
    expect(gramsToTonnes(1)).toBe('0.000001');
  });
});
