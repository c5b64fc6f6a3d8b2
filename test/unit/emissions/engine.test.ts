import { EmissionsResult, ExactEmissionsResult, type ExactEmissionsBounds, type Tier, type TokenCounts } from '../../../contracts/emissions';
import { createEmissionsEngine, defaultEngine, emissionFigures, loadFactorSetV1 } from '../../../src/emissions';
import { compareDecimals, parseDecimal } from '../../../src/emissions/exact-decimal';

const engine = defaultEngine();

const openai4o = (tokens: Partial<TokenCounts>) => engine.computeExact({ provider: 'openai', model: 'gpt-4o', tokens });
const bounds = (central: string, low: string, high: string): ExactEmissionsBounds => ({ central, low, high });

describe('token phases (gpt-4o, large tier, provider openai, default grid)', () => {
  // large prefill [0.12, 0.04, 0.40], cached [0.012, 0.003, 0.05], decode [0.90, 0.30, 2.7];
  // openai PUE [1.18, 1.12, 1.25], default grid [370, 200, 480]
  it('charges uncached input as prefill', () => {
    const result = openai4o({ inputUncached: 1000 });
    expect(result.energyWh).toEqual(bounds('0.1416', '0.0448', '0.5'));
    expect(result.co2eG).toEqual(bounds('0.052392', '0.00896', '0.24'));
  });

  it('charges cache writes as prefill', () => {
    expect(openai4o({ inputCacheWrite: 1000 })).toEqual(openai4o({ inputUncached: 1000 }));
  });

  it('charges cache reads at the cached rate', () => {
    const result = openai4o({ inputCacheRead: 1000 });
    expect(result.energyWh).toEqual(bounds('0.01416', '0.00336', '0.0625'));
    expect(result.co2eG).toEqual(bounds('0.0052392', '0.000672', '0.03'));
  });

  it('charges output as decode', () => {
    const result = openai4o({ outputTokens: 1000 });
    expect(result.energyWh).toEqual(bounds('1.062', '0.336', '3.375'));
    expect(result.co2eG).toEqual(bounds('0.39294', '0.0672', '1.62'));
  });

  it('never adds reasoning tokens on top of output tokens', () => {
    const withReasoning = openai4o({ outputTokens: 1000, reasoningTokens: 400 });
    expect(withReasoning).toEqual(openai4o({ outputTokens: 1000, reasoningTokens: 0 }));
    expect(withReasoning.energyWh.central).toBe('1.062');
    // Reasoning alone, without output, is not energy: the adapter must put it into outputTokens.
    expect(openai4o({ reasoningTokens: 400 }).energyWh.central).toBe('0');
  });

  it('gives exactly "0" for zero or absent token fields', () => {
    for (const tokens of [{}, { inputUncached: 0, inputCacheWrite: 0, inputCacheRead: 0, outputTokens: 0, reasoningTokens: 0 }]) {
      const result = openai4o(tokens);
      expect(result.energyWh).toEqual(bounds('0', '0', '0'));
      expect(result.co2eG).toEqual(bounds('0', '0', '0'));
    }
  });
});

describe('exact figures where binary floating point drifts (issue item 9)', () => {
  it('gives 2304.429 Wh, not 2304.429000000001, as the high energy of 4,608,858 uncached input tokens', () => {
    const result = openai4o({ inputUncached: 4_608_858 });
    expect(result.energyWh).toEqual(bounds('652.6142928', '206.4768384', '2304.429'));
    expect(result.co2eG).toEqual(bounds('241.467288336', '41.29536768', '1106.12592'));
    // The float formula this replaces: the drift is real, not a formatting artefact.
    expect(((4_608_858 * 0.4) / 1000 * 1.25).toFixed(12)).toBe('2304.429000000001');
  });

  it('gives 5518.36725 Wh with the bucket\'s 952,278 output tokens added', () => {
    const result = openai4o({ inputUncached: 4_608_858, outputTokens: 952_278 });
    expect(result.energyWh).toEqual(bounds('1663.9335288', '526.4422464', '5518.36725'));
    expect(result.co2eG).toEqual(bounds('615.655405656', '105.28844928', '2648.81628'));
  });
});

describe('a mixed event', () => {
  it('sums the phases for claude-sonnet-4 on anthropic', () => {
    // prefill 2,500 (2,000 uncached + 500 writes), decode 300, cached 10,000; anthropic PUE [1.13, 1.09, 1.20]
    const result = engine.computeExact({
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      tokens: { inputUncached: 2000, inputCacheWrite: 500, inputCacheRead: 10_000, outputTokens: 300, reasoningTokens: 120 },
    });
    expect(result).toMatchObject({ factorVersion: '1.0', tier: 'large', matchedRule: 'claude-sonnet-4*', isUnmatched: false });
    expect(result.energyWh).toEqual(bounds('0.7797', '0.2398', '2.772'));
    expect(result.co2eG).toEqual(bounds('0.288489', '0.04796', '1.33056'));
    expect(ExactEmissionsResult.parse(result)).toEqual(result);
  });

  it('uses the tier factors: frontier_xl, reasoning and small', () => {
    const opus = engine.computeExact({ provider: 'anthropic', model: 'claude-opus-4-1-20250805', tokens: { inputUncached: 1000, outputTokens: 1000 } });
    expect(opus.tier).toBe('frontier_xl');
    expect(opus.energyWh).toEqual(bounds('3.4578', '1.09', '12.24'));

    const o3 = engine.computeExact({ provider: 'openai', model: 'o3', tokens: { outputTokens: 1000 } });
    expect(o3.tier).toBe('reasoning');
    expect(o3.energyWh).toEqual(bounds('1.298', '0.392', '4.375'));

    const llama = engine.computeExact({ provider: 'openrouter', model: 'meta-llama/llama-3.1-8b-instruct', tokens: { outputTokens: 1_000_000 } });
    expect(llama.tier).toBe('small');
    expect(llama.energyWh).toEqual(bounds('125', '33', '624'));
    expect(llama.co2eG).toEqual(bounds('46.25', '6.6', '299.52'));
  });
});

describe('PUE and grid selection', () => {
  const gpt4o = (extra: { provider: string; pue?: string; grid?: string }) => engine.computeExact({ model: 'gpt-4o', tokens: { outputTokens: 1000 }, ...extra });

  it('uses the default PUE for a provider without its own row', () => {
    expect(gpt4o({ provider: 'acme' }).energyWh).toEqual(bounds('1.035', '0.327', '3.78'));
  });

  it('uses the openrouter (mixed-host) PUE for OpenRouter, whatever the vendor prefix', () => {
    const result = engine.computeExact({ provider: 'openrouter', model: 'openai/gpt-4o', tokens: { outputTokens: 1000 } });
    expect(result.energyWh).toEqual(bounds('1.125', '0.33', '4.212'));
  });

  it('lets an explicit PUE key override the provider', () => {
    expect(gpt4o({ provider: 'openai', pue: 'google' }).energyWh).toEqual(bounds('0.981', '0.324', '3.024'));
  });

  it('applies a grid key to each bound', () => {
    expect(gpt4o({ provider: 'openai', grid: 'sweden' }).co2eG).toEqual(bounds('0.038232', '0.00336', '0.16875'));
  });

  it('rejects unknown grid and PUE keys instead of guessing', () => {
    expect(() => engine.computeExact({ provider: 'openai', model: 'gpt-4o', tokens: {}, grid: 'mars' })).toThrow(/unknown grid key "mars"/);
    expect(() => engine.computeExact({ provider: 'openai', model: 'gpt-4o', tokens: {}, pue: 'constructor' })).toThrow(/unknown PUE key/);
  });
});

describe('unmatched models', () => {
  it('fall back to the fallback tier, flagged', () => {
    const result = engine.computeExact({ provider: 'openai', model: 'some/unknown-model', tokens: { outputTokens: 1000 } });
    expect(result).toMatchObject({ tier: 'fallback', matchedRule: '*', isUnmatched: true });
    // fallback decode [0.90, 0.03, 9.0]: large central, widest bounds
    expect(result.energyWh).toEqual(bounds('1.062', '0.0336', '11.25'));
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
    const ordered = (b: ExactEmissionsBounds) =>
      compareDecimals(parseDecimal(b.low), parseDecimal(b.central)) <= 0 && compareDecimals(parseDecimal(b.central), parseDecimal(b.high)) <= 0;
    let checked = 0;
    for (const [tier, model] of Object.entries(MODEL_BY_TIER)) {
      expect(engine.classify(model).tier).toBe(tier);
      for (const pue of Object.keys(doc.pue)) {
        for (const grid of Object.keys(doc.grid)) {
          for (let i = 0; i < 20; i++) {
            const output = int(50_000);
            const tokens = { inputUncached: int(200_000), inputCacheWrite: int(20_000), inputCacheRead: int(500_000), outputTokens: output, reasoningTokens: int(output + 1) };
            const { energyWh, co2eG } = engine.computeExact({ provider: 'x', model, tokens, pue, grid });
            expect({ energyWh, isOrdered: ordered(energyWh) }).toEqual({ energyWh, isOrdered: true });
            expect({ co2eG, isOrdered: ordered(co2eG) }).toEqual({ co2eG, isOrdered: true });
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
    [{ outputTokens: 1.5 }],
    [{ inputUncached: 2 ** 53 }],
    [{ inputCacheWrite: '100' as unknown as number }],
  ])('rejects %p', (tokens) => {
    expect(() => openai4o(tokens)).toThrow(RangeError);
  });
});

describe('float view and column order', () => {
  it('compute() gives the nearest doubles of the exact figures', () => {
    const tokens = { inputUncached: 4_608_858, outputTokens: 952_278 };
    const float = engine.compute({ provider: 'openai', model: 'gpt-4o', tokens });
    expect(EmissionsResult.parse(float)).toEqual(float);
    expect(float.energyWh).toEqual({ central: 1663.9335288, low: 526.4422464, high: 5518.36725 });
    expect(float.co2eG).toEqual({ central: 615.655405656, low: 105.28844928, high: 2648.81628 });
  });

  it('emissionFigures lists energy central, low, high, then CO2e central, low, high', () => {
    expect(emissionFigures(openai4o({ outputTokens: 1000 }))).toEqual(['1.062', '0.336', '3.375', '0.39294', '0.0672', '1.62']);
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
    const result = custom.computeExact({ provider: 'openai', model: 'gpt-4o', tokens: { outputTokens: 1000 } });
    expect(result).toMatchObject({ factorVersion: '9.9', tier: 'small', matchedRule: 'gpt-4o' });
    expect(result.energyWh.central).toBe('0.118');
    // The shared default engine is unaffected by another document.
    expect(engine.classify('gpt-4o').tier).toBe('large');
  });
});
