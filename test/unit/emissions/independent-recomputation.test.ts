import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tier } from '../../../contracts/emissions';
import { defaultEngine } from '../../../src/emissions';

/**
 * The engine's exact figures against a second implementation that shares nothing with it: factors are taken as
 * the literal text of the JSON file (not String(n) of parsed numbers), arithmetic is on reduced fractions, and the
 * formula is written term by term as methodology §3 states it.
 */

interface Fraction { n: bigint; d: bigint }
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
function fraction(n: bigint, d = 1n): Fraction {
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}
const plus = (a: Fraction, b: Fraction) => fraction(a.n * b.d + b.n * a.d, a.d * b.d);
const times = (a: Fraction, b: Fraction) => fraction(a.n * b.n, a.d * b.d);
const over = (a: Fraction, k: bigint) => fraction(a.n, a.d * k);

function literal(text: string): Fraction {
  const [whole, frac = ''] = text.split('.');
  expect(text).toMatch(/^\d+(\.\d+)?$/); // v1.0 writes no exponents; this reader would need one otherwise
  return fraction(BigInt(whole + frac), 10n ** BigInt(frac.length));
}

/** Non-negative fraction to at most 12 fraction digits, ties to even, without trailing zeros. */
function toText(f: Fraction): string {
  const scaled = f.n * 10n ** 12n;
  let q = scaled / f.d;
  const twice = 2n * (scaled - q * f.d);
  if (twice > f.d || (twice === f.d && q % 2n === 1n)) q += 1n;
  const digits = q.toString().padStart(13, '0');
  const text = `${digits.slice(0, -12)}.${digits.slice(-12)}`.replace(/0+$/, '').replace(/\.$/, '');
  return text;
}

/** The factor set with every number kept as the text it was written as. */
function readLiterals(): { tiers: Record<string, Record<string, string[]>>; pue: Record<string, string[]>; grid: Record<string, string[]> } {
  const source = readFileSync(join(__dirname, '../../../src/emissions/factor-sets/v1.0.json'), 'utf8');
  let out = '';
  let inString = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (inString) {
      out += c;
      if (c === '\\') out += source[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (/[-\d]/.test(c)) {
      const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(source.slice(i))![0];
      out += JSON.stringify(number);
      i += number.length - 1;
    } else {
      out += c;
    }
  }
  return JSON.parse(out);
}

const MODEL_BY_TIER: Record<Tier, string> = {
  small: 'gpt-4.1-nano', mid: 'claude-haiku-4-5', large: 'claude-sonnet-4-20250514',
  reasoning: 'o3-2025-04-16', frontier_xl: 'gpt-5-pro', fallback: 'brand-new-model',
};

// mulberry32: deterministic, so a failure is reproducible.
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('exact figures equal an independent rational recomputation, digit for digit', () => {
  const engine = defaultEngine();
  const doc = readLiterals();
  const next = random(2026);
  // Counts of every magnitude, from 0 and 1 up to the estimate endpoint's 10 billion.
  const count = () => (next() < 0.1 ? Math.floor(next() * 2) : Math.floor(next() * 10 ** Math.ceil(next() * 10)));
  const providers = [...Object.keys(doc.pue), 'acme'];
  const grids = [undefined, ...Object.keys(doc.grid)];

  it('for random token counts, every tier, every provider PUE (and the default) and every grid', () => {
    let checked = 0;
    for (const [tier, model] of Object.entries(MODEL_BY_TIER)) {
      expect(engine.classify(model).tier).toBe(tier);
      const f = doc.tiers[tier];
      for (const provider of providers) {
        const pue = doc.pue[provider] ?? doc.pue.default;
        for (const gridKey of grids) {
          const grid = doc.grid[gridKey ?? 'default'];
          for (let i = 0; i < 12; i++) {
            const tokens = { inputUncached: count(), inputCacheWrite: count(), inputCacheRead: count(), outputTokens: count(), reasoningTokens: 0 };
            const k = (n: number) => over(fraction(BigInt(n)), 1000n);
            const energy = [0, 1, 2].map((b) => times(
              [times(k(tokens.inputUncached), literal(f.prefill[b])), times(k(tokens.inputCacheWrite), literal(f.prefill[b])),
                times(k(tokens.inputCacheRead), literal(f.cached[b])), times(k(tokens.outputTokens), literal(f.decode[b]))].reduce(plus),
              literal(pue[b])));
            const co2e = energy.map((e, b) => times(over(e, 1000n), literal(grid[b])));
            const expected = {
              energyWh: { central: toText(energy[0]), low: toText(energy[1]), high: toText(energy[2]) },
              co2eG: { central: toText(co2e[0]), low: toText(co2e[1]), high: toText(co2e[2]) },
            };
            const actual = engine.computeExact({ provider, model, tokens, grid: gridKey });
            expect({ tokens, provider, gridKey, energyWh: actual.energyWh, co2eG: actual.co2eG }).toEqual({ tokens, provider, gridKey, ...expected });
            // v1.0 never needs rounding: every figure is the exact value (denominator divides 10^12).
            for (const x of [...energy, ...co2e]) expect((10n ** 12n) % x.d).toBe(0n);
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(6 * 7 * 11 * 12);
  });
});
