import { FactorSetDocument } from '../../../contracts/emissions';
import { loadFactorSetV1 } from '../../../src/emissions';
import raw from '../../../src/emissions/factor-sets/v1.0.json';

// Methodology §4.7, transcribed independently of the JSON file: [central, low, high].
const SEED = {
  tiers: {
    small: { prefill: [0.013, 0.003, 0.06], decode: [0.1, 0.03, 0.4], cached: [0.0013, 0.0003, 0.006] },
    mid: { prefill: [0.04, 0.01, 0.15], decode: [0.3, 0.1, 1.0], cached: [0.004, 0.001, 0.015] },
    large: { prefill: [0.12, 0.04, 0.4], decode: [0.9, 0.3, 2.7], cached: [0.012, 0.003, 0.05] },
    reasoning: { prefill: [0.12, 0.04, 0.4], decode: [1.1, 0.35, 3.5], cached: [0.012, 0.003, 0.05] },
    frontier_xl: { prefill: [0.36, 0.1, 1.2], decode: [2.7, 0.9, 9.0], cached: [0.036, 0.01, 0.15] },
    fallback: { prefill: [0.12, 0.003, 1.2], decode: [0.9, 0.03, 9.0], cached: [0.012, 0.0003, 0.15] },
  },
  pue: {
    default: [1.15, 1.09, 1.4],
    openai: [1.18, 1.12, 1.25],
    anthropic: [1.13, 1.09, 1.2],
    google: [1.09, 1.08, 1.12],
    openrouter: [1.25, 1.1, 1.56],
    mistral: [1.16, 1.1, 1.25],
  },
  grid: {
    default: [370, 200, 480],
    us_east: [360, 270, 400],
    us_central: [440, 400, 480],
    us_west: [250, 80, 330],
    texas: [350, 330, 380],
    eu_average: [250, 200, 300],
    sweden: [36, 10, 50],
    france: [44, 30, 60],
    world: [460, 400, 480],
    marketBasedOptional: [100, 0, 150],
  },
  embodiedUplift: [0.1, 0.05, 0.3],
  units: { tokenFactors: 'Wh per 1000 tokens, IT-level, excl. PUE', grid: 'gCO2e/kWh location-based' },
};

describe('CarbonFactors v1.0 document', () => {
  const doc = loadFactorSetV1();

  it('validates against FactorSetDocument', () => {
    expect(FactorSetDocument.safeParse(raw).success).toBe(true);
    expect(doc).toMatchObject({ name: 'CarbonFactors v1.0', version: '1.0', validFrom: '2026-01-01' });
    expect(doc.sources.length).toBeGreaterThan(0);
  });

  it('carries exactly the §4.7 numbers', () => {
    expect(doc.tiers).toEqual(SEED.tiers);
    expect(doc.pue).toEqual(SEED.pue);
    expect(doc.grid).toEqual(SEED.grid);
    expect(doc.embodiedUplift).toEqual(SEED.embodiedUplift);
    expect(doc.units).toEqual(SEED.units);
  });

  it('keeps the §5.2 rules in order, ending in the catch-all', () => {
    expect(doc.rules.map((r) => r.tier)).toEqual([
      'frontier_xl', 'frontier_xl', 'frontier_xl',
      'small', 'small', 'small', 'small', 'small', 'small',
      'mid', 'mid', 'mid', 'mid',
      'large', 'reasoning', 'reasoning', 'reasoning', 'large', 'large', 'large',
      'fallback',
    ]);
    expect(doc.rules.map((r) => r.patterns.length)).toEqual([9, 4, 3, 5, 1, 4, 4, 12, 10, 9, 3, 2, 14, 2, 9, 2, 1, 5, 7, 9, 1]);
    expect(doc.rules[0].patterns).toEqual(['o1-pro*', 'o3-pro*', 'gpt-5-pro*', 'gpt-5.*-pro*', 'gpt-4.5*', 'gpt-4', 'gpt-4-0314*', 'gpt-4-0613*', 'gpt-4-32k*']);
    expect(doc.rules[14].patterns).toEqual(['o1', 'o1-20*', 'o1-preview*', 'o3', 'o3-20*', 'o3-deep-research*', 'gpt-5', 'gpt-5-*', 'gpt-5.*']);
    expect(doc.rules[20]).toEqual({ tier: 'fallback', patterns: ['*'] });
  });
});

describe('FactorSetDocument schema', () => {
  const valid = () => loadFactorSetV1();
  const issuesOf = (doc: unknown) => {
    const result = FactorSetDocument.safeParse(doc);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('rejects a triple whose bounds are out of order', () => {
    const doc = valid();
    doc.tiers.large.decode = [0.9, 2.7, 0.3];
    expect(issuesOf(doc)).toEqual(['tiers.large.decode: must be [central, low, high] with low <= central <= high']);
  });

  it('rejects a missing tier', () => {
    const doc: Record<string, unknown> = { ...valid(), tiers: { ...valid().tiers, mid: undefined } };
    expect(issuesOf(doc)[0]).toMatch(/^tiers\.mid/);
  });

  it('requires default PUE and grid rows and PUE >= 1', () => {
    const { default: _pue, ...pue } = valid().pue;
    expect(issuesOf({ ...valid(), pue })[0]).toMatch(/^pue\.default/);
    const { default: _grid, ...grid } = valid().grid;
    expect(issuesOf({ ...valid(), grid })[0]).toMatch(/^grid\.default/);
    expect(issuesOf({ ...valid(), pue: { ...valid().pue, acme: [0.9, 0.8, 1.0] } })).toEqual(['pue.acme: PUE must be >= 1']);
  });

  it('requires the rules to end in "*" -> fallback', () => {
    const doc = valid();
    doc.rules[20] = { tier: 'large', patterns: ['*'] };
    expect(issuesOf(doc)).toEqual(['rules: the last rule must map "*" to the fallback tier']);
  });

  it('rejects globs that could never match a normalised id', () => {
    const doc = valid();
    doc.rules[0].patterns.push('GPT-4*', 'openai/gpt-4*');
    expect(issuesOf(doc)).toHaveLength(2);
  });

  it('rejects an unknown tier and a malformed version or date', () => {
    expect(issuesOf({ ...valid(), rules: [{ tier: 'huge', patterns: ['*'] }] }).length).toBeGreaterThan(0);
    expect(issuesOf({ ...valid(), version: 'v1' })).toEqual(['version: version must look like "1.0"']);
    expect(issuesOf({ ...valid(), validFrom: '2026-13-01' })).toHaveLength(1);
  });
});
