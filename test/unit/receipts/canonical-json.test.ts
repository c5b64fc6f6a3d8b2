import { createHash } from 'node:crypto';
import { canonicalize, canonicalSha256, CanonicalizationError } from '../../../src/receipts/canonical-json';
import { readSharedVectors } from '../../helpers/shared-vectors';

interface JcsCase { name: string; input: string; expected: string }
interface NumberCase { ieee_hex: string; expected: string | null; comment?: string }

const jcs = readSharedVectors<JcsCase>('jcs-rfc8785.json');
const numbers = readSharedVectors<NumberCase>('number-serialization.json');

function fromIeeeHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonicalize (RFC 8785)', () => {
  it('covers every vector file case', () => {
    expect(jcs.length).toBeGreaterThanOrEqual(10);
    expect(numbers.length).toBeGreaterThanOrEqual(28);
  });

  it.each(jcs.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(canonicalize(JSON.parse(c.input))).toBe(c.expected);
  });

  it.each(numbers.map((c) => [`${c.ieee_hex} ${c.comment ?? ''}`, c] as const))('number %s', (_name, c) => {
    const value = fromIeeeHex(c.ieee_hex);
    if (c.expected === null) expect(() => canonicalize(value)).toThrow(CanonicalizationError);
    else expect(canonicalize(value)).toBe(c.expected);
  });

  it('orders property names by UTF-16 code units, not code points or locale', () => {
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB01 (one unit) although its code point is larger.
    expect(canonicalize({ '\ufb01': 1, '\ud83d\ude00': 2, a: 3, B: 4 })).toBe('{"B":4,"a":3,"\ud83d\ude00":2,"\ufb01":1}');
  });

  it.each([
    ['lone high surrogate', '\ud800'],
    ['lone low surrogate', 'a\udc00'],
    ['reversed pair', '\udc00\ud800'],
  ])('refuses a %s in a value and in a key', (_name, bad) => {
    expect(() => canonicalize(bad)).toThrow(CanonicalizationError);
    expect(() => canonicalize({ [bad]: 1 })).toThrow(CanonicalizationError);
  });

  it.each([
    ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity], ['a BigInt', 1n], ['a Date', new Date(0)],
    ['a Map', new Map()], ['a function', () => 1], ['undefined in an array', [undefined]], ['undefined', undefined],
  ])('refuses %s', (_name, value) => {
    expect(() => canonicalize(value)).toThrow(CanonicalizationError);
    expect(() => canonicalize({ nested: [value] })).toThrow(CanonicalizationError);
  });

  it('leaves out undefined properties, as a JSON round trip does', () => {
    const value = { b: undefined, a: 1 };
    expect(canonicalize(value)).toBe('{"a":1}');
    expect(canonicalize(JSON.parse(JSON.stringify(value)))).toBe(canonicalize(value));
  });

  it('serializes -0 as 0 and escapes control characters in lowercase hex', () => {
    expect(canonicalize([-0, '\u001f\u007f/\u00e9'])).toBe('[0,"\\u001f\u007f/\u00e9"]');
  });

  it('hashes the UTF-8 bytes of the canonical form', () => {
    expect(canonicalSha256({ b: 'é', a: [1] }).toString('hex'))
      .toBe(createHash('sha256').update(Buffer.from('{"a":[1],"b":"é"}', 'utf8')).digest('hex'));
  });
});
