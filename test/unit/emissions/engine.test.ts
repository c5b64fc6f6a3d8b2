import { EmissionsResult, type EmissionsBounds, type Tier, type TokenCounts } from '../../../contracts/emissions';
import { createEmissionsEngine, defaultEngine, loadFactorSetV1 } from '../../../src/emissions';

const engine = defaultEngine();

function expectBounds(actual: EmissionsBounds, expected: EmissionsBounds): void {
  expect(actual.central).toBeCloseTo(expected.central, 12);
  expect(actual.low).toBeCloseTo(expected.low, 12);
  expect(actual.high).toBeCloseTo(expected.high, 12);
}

const openai4o = (tokens: Partial<TokenCounts>) => engine.compute({ provider: 'openai', model: 'gpt-4o', tokens });

describe('token phases (gpt-4o, large tier, provider openai, default grid)', () => {
  // large prefill [0.12, 0.04, 0.40], openai PUE [1.18, 1.12, 1.25], default grid [370, 200, 480]
  const prefillEnergy = { central: 0.12 * 1.18, low: 0.04 * 1.12, high: 0.4 * 1.25 };
  const prefillCo2e = { central: 0.1416 * 0.37, low: 0.0448 * 0.2, high: 0.5 * 0.48 };

  it('charges uncached input as prefill', () => {
    const result = openai4o({ inputUncached: 1000 });
    expectBounds(result.energyWh, prefillEnergy);
    expectBounds(result.co2eG, prefillCo2e);
    expect(result.energyWh.central).toBeCloseTo(0.1416, 12);
    expect(result.co2eG.central).toBeCloseTo(0.052392, 12);
  });

  it('charges cache writes as prefill', () => {
    const result = openai4o({ inputCacheWrite: 1000 });
    expectBounds(result.energyWh, prefillEnergy);
    expectBounds(result.co2eG, prefillCo2e);
  });

  it('charges cache reads at the cached rate', () => {
    const result = openai4o({ inputCacheRead: 1000 });
    expectBounds(result.energyWh, { central: 0.01416, low: 0.00336, high: 0.0625 });
    expectBounds(result.co2eG, { central: 0.01416 * 0.37, low: 0.00336 * 0.2, high: 0.0625 * 0.48 });
  });

  it('charges output as decode', () => {
    const result = openai4o({ outputTokens: 1000 });
    expectBounds(result.energyWh, { central: 1.062, low: 0.336, high: 3.375 });
    expectBounds(result.co2eG, { central: 0.39294, low: 0.0672, high: 1.62 });
  });

  it('never adds reasoning tokens on top of output tokens', () => {
    const withReasoning = openai4o({ outputTokens: 1000, reasoningTokens: 400 });
    const without = openai4o({ outputTokens: 1000, reasoningTokens: 0 });
    expect(withReasoning).toEqual(without);
    expect(withReasoning.energyWh.central).toBeCloseTo(1.062, 12);
    // Reasoning alone, without output, is not energy: the adapter must put it into outputTokens.
    expect(openai4o({ reasoningTokens: 400 }).energyWh.central).toBe(0);
  });

  it('gives exactly 0 for zero or absent token fields', () => {
    const zeros = { central: 0, low: 0, high: 0 };
    for (const tokens of [{}, { inputUncached: 0, inputCacheWrite: 0, inputCacheRead: 0, outputTokens: 0, reasoningTokens: 0 }]) {
      const result = openai4o(tokens);
      expect(result.energyWh).toEqual(zeros);
      expect(result.co2eG).toEqual(zeros);
    }
  });
});

describe('a mixed event', () => {
  it('sums the phases for claude-sonnet-4 on anthropic', () => {
    // prefill 2,500 (2,000 uncached + 500 writes), decode 300, cached 10,000; anthropic PUE [1.13, 1.09, 1.20]
    const result = engine.compute({
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      tokens: { inputUncached: 2000, inputCacheWrite: 500, inputCacheRead: 10_000, outputTokens: 300, reasoningTokens: 120 },
    });
    expect(result).toMatchObject({ factorVersion: '1.0', tier: 'large', matchedRule: 'claude-sonnet-4*', isUnmatched: false });
    expectBounds(result.energyWh, { central: 0.69 * 1.13, low: 0.22 * 1.09, high: 2.31 * 1.2 });
    expectBounds(result.co2eG, { central: 0.288489, low: 0.04796, high: 1.33056 });
    expect(EmissionsResult.parse(result)).toEqual(result);
  });

  it('uses the tier factors: frontier_xl, reasoning and small', () => {
    const opus = engine.compute({ provider: 'anthropic', model: 'claude-opus-4-1-20250805', tokens: { inputUncached: 1000, outputTokens: 1000 } });
    expect(opus.tier).toBe('frontier_xl');
    expect(opus.energyWh.central).toBeCloseTo(3.06 * 1.13, 12);

    const o3 = engine.compute({ provider: 'openai', model: 'o3', tokens: { outputTokens: 1000 } });
    expect(o3.tier).toBe('reasoning');
    expectBounds(o3.energyWh, { central: 1.1 * 1.18, low: 0.35 * 1.12, high: 3.5 * 1.25 });

    const llama = engine.compute({ provider: 'openrouter', model: 'meta-llama/llama-3.1-8b-instruct', tokens: { outputTokens: 1_000_000 } });
    expect(llama.tier).toBe('small');
    expectBounds(llama.energyWh, { central: 125, low: 33, high: 624 });
    expectBounds(llama.co2eG, { central: 46.25, low: 6.6, high: 299.52 });
  });
});

describe('PUE and grid selection', () => {
  it('uses the default PUE for a provider without its own row', () => {
    const result = engine.compute({ provider: 'acme', model: 'gpt-4o', tokens: { outputTokens: 1000 } });
    expectBounds(result.energyWh, { central: 0.9 * 1.15, low: 0.3 * 1.09, high: 2.7 * 1.4 });
  });

  it('uses the openrouter (mixed-host) PUE for OpenRouter, whatever the vendor prefix', () => {
    const result = engine.compute({ provider: 'openrouter', model: 'openai/gpt-4o', tokens: { outputTokens: 1000 } });
    expectBounds(result.energyWh, { central: 0.9 * 1.25, low: 0.3 * 1.1, high: 2.7 * 1.56 });
  });

  it('lets an explicit PUE key override the provider', () => {
    const result = engine.compute({ provider: 'openai', model: 'gpt-4o', tokens: { outputTokens: 1000 }, pue: 'google' });
    expectBounds(result.energyWh, { central: 0.9 * 1.09, low: 0.3 * 1.08, high: 2.7 * 1.12 });
  });

  it('applies a grid key to each bound', () => {
    const result = engine.compute({ provider: 'openai', model: 'gpt-4o', tokens: { outputTokens: 1000 }, grid: 'sweden' });
    expectBounds(result.co2eG, { central: 1.062 * 0.036, low: 0.336 * 0.01, high: 3.375 * 0.05 });
  });

  it('rejects unknown grid and PUE keys instead of guessing', () => {
    expect(() => engine.compute({ provider: 'openai', model: 'gpt-4o', tokens: {}, grid: 'mars' })).toThrow(/unknown grid key "mars"/);
    expect(() => engine.compute({ provider: 'openai', model: 'gpt-4o', tokens: {}, pue: 'constructor' })).toThrow(/unknown PUE key/);
  });
});

describe('unmatched models', () => {
  it('fall back to the fallback tier, flagged', () => {
    const result = engine.compute({ provider: 'openai', model: 'some/unknown-model', tokens: { outputTokens: 1000 } });
    expect(result).toMatchObject({ tier: 'fallback', matchedRule: '*', isUnmatched: true });
    // fallback decode [0.90, 0.03, 9.0]: large central, widest bounds
    expectBounds(result.energyWh, { central: 1.062, low: 0.0336, high: 11.25 });
  });
});

describe('bounds ordering', () => {
  const MODEL_BY_TIER: Record<Tier, string> = {
    small: 'gpt-4o-mini',
    mid: 'gpt-4.1-mini',
    large: 'gpt-4o',
    reasoning: 'o3',
    frontier_xl: 'claude-opus-4-1',
    fallback: 'unknown-model',
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

  it('keeps low <= central <= high for every tier, PUE, grid and random token mix', () => {
    const doc = loadFactorSetV1();
    const next = random(42);
    const int = (max: number) => Math.floor(next() * max);
    let checked = 0;
    for (const [tier, model] of Object.entries(MODEL_BY_TIER)) {
      expect(engine.classify(model).tier).toBe(tier);
      for (const pue of Object.keys(doc.pue)) {
        for (const grid of Object.keys(doc.grid)) {
          for (let i = 0; i < 20; i++) {
            const output = int(50_000);
            const tokens = { inputUncached: int(200_000), inputCacheWrite: int(20_000), inputCacheRead: int(500_000), outputTokens: output, reasoningTokens: int(output + 1) };
            const { energyWh, co2eG } = engine.compute({ provider: 'x', model, tokens, pue, grid });
            expect(energyWh.low).toBeLessThanOrEqual(energyWh.central);
            expect(energyWh.central).toBeLessThanOrEqual(energyWh.high);
            expect(co2eG.low).toBeLessThanOrEqual(co2eG.central);
            expect(co2eG.central).toBeLessThanOrEqual(co2eG.high);
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(6 * 6 * 10 * 20);
  });
});

describe('input validation', () => {
  it.each([
    [{ inputUncached: -1 }],
    [{ outputTokens: Number.NaN }],
    [{ inputCacheRead: Infinity }],
    [{ reasoningTokens: -5 }],
    [{ inputCacheWrite: '100' as unknown as number }],
  ])('rejects %p', (tokens) => {
    expect(() => openai4o(tokens)).toThrow(RangeError);
  });
});

describe('createEmissionsEngine', () => {
  it('exposes the factor version', () => {
    expect(engine.version).toBe('1.0');
  });

  it('refuses a document that breaks the schema', () => {
    const doc = loadFactorSetV1();
    expect(() => createEmissionsEngine({ ...doc, rules: doc.rules.slice(0, -1) })).toThrow(/fallback/);
  });

  it('follows the document it was given', () => {
    const doc = loadFactorSetV1();
    doc.rules.unshift({ tier: 'small', patterns: ['gpt-4o'] });
    const custom = createEmissionsEngine({ ...doc, version: '9.9' });
    const result = custom.compute({ provider: 'openai', model: 'gpt-4o', tokens: { outputTokens: 1000 } });
    expect(result).toMatchObject({ factorVersion: '9.9', tier: 'small', matchedRule: 'gpt-4o' });
    expect(result.energyWh.central).toBeCloseTo(0.1 * 1.18, 12);
    // The shared default engine is unaffected by another document.
    expect(engine.classify('gpt-4o').tier).toBe('large');
  });
});
