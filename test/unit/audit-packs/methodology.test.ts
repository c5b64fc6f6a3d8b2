import { code, escapeMarkdown, reference, renderMethodology } from '../../../src/audit-packs/methodology';
import { loadFactorSetV1 } from '../../../src/emissions';

describe('methodology.md', () => {
  const v1 = loadFactorSetV1();
  const render = (over: Partial<Parameters<typeof renderMethodology>[0]> = {}) => renderMethodology({
    factorSets: [v1], month: '2026-01', org: { id: '2d0c6d1e-5b8a-4c61-9a3e-0f6b1c2d3e4f', name: 'Acme Research' }, generatedAt: new Date('2026-02-03T04:00:00Z'), ...over,
  });

  it('states the formula, the bounds and the limitations', () => {
    const md = render();
    expect(md).toMatch(/^# Emissions methodology: Acme Research, January 2026\n/);
    expect(md).toContain('generated 2026-02-03T04:00:00.000Z');
    expect(md).toContain('E_IT      [Wh] = (N_prefill × e_prefill + N_decode × e_decode + N_cached × e_cached) / 1000');
    expect(md).toContain('CO2e      [g]  = E / 1000 × CI');
    expect(md).toContain('half to\neven, to 12 fraction digits; CO2e is computed from the unrounded energy');
    expect(md).toContain('low     = factors_low     × PUE_low     × CI_low');
    expect(md).toMatch(/\*\*Region unknown\.\*\* .* `default` grid/s);
    expect(md).toMatch(/\*\*Unmatched models\.\*\* .*`fallback` tier/s);
    expect(md).toMatch(/\*\*Excluded:\*\* model training, hardware manufacture \(embodied emissions\), network transfer/);
    expect(md).toContain('node recalculate.mjs');
  });

  it('lists every factor of the set as written, in low, central, high order', () => {
    const md = render();
    expect(md).toContain('## 4. Factor set CarbonFactors v1.0 (version `1.0`, valid from 2026-01-01)');
    expect(md).toContain('| `large` | 0.04 | 0.12 | 0.4 | 0.3 | 0.9 | 2.7 | 0.003 | 0.012 | 0.05 |');
    expect(md).toContain('| `fallback` | 0.003 | 0.12 | 1.2 | 0.03 | 0.9 | 9 | 0.0003 | 0.012 | 0.15 |');
    expect(md).toContain('| `openai` | 1.12 | 1.18 | 1.25 |');
    expect(md).toContain('| `default` | 1.09 | 1.15 | 1.4 |');
    expect(md).toContain('| `default` | 200 | 370 | 480 |');
    expect(md).toContain('| `marketBasedOptional` | 0 | 100 | 150 |');
    expect(md).toContain('| 4 | `gpt-4o-mini*`, `gpt-4.1-nano*`, `gpt-5-nano*`, `gpt-5.*-nano*`, `chatgpt-4o-mini*` | `small` |');
    expect(md).toContain('| 21 | `*` | `fallback` |');
    for (const source of v1.sources) expect(md).toContain(`- ${escapeMarkdown(source.title)}: ${reference(source.ref)}\n`);
    expect(md).toContain('- EcoLogits LLM inference methodology: <https://ecologits.ai/latest/methodology/llm_inference/>\n');
    expect(md).toContain('- Jegham et al., How Hungry is AI? (v6): arXiv:2505.09598\n');
    expect(md).toContain('Optional embodied uplift (not applied in this pack): 0.05, 0.1, 0.3');
  });

  it('has one section per factor set, in version order', () => {
    const v2 = { ...v1, name: 'CarbonFactors v1.1', version: '1.1', validFrom: '2026-07-01', pue: { ...v1.pue, default: [1.2, 1.1, 1.5] as [number, number, number] } };
    const md = render({ factorSets: [v2, v1] });
    const first = md.indexOf('## 4. Factor set CarbonFactors v1.0');
    const second = md.indexOf('## 4. Factor set CarbonFactors v1.1');
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(md.slice(second)).toContain('| `default` | 1.1 | 1.2 | 1.5 |');
    expect(md).toContain('from the factor sets in `factor-sets/` (`1.0`, `1.1`)');
  });

  it('cannot be given Markdown through an organisation name', () => {
    const md = render({ org: { id: '2d0c6d1e-5b8a-4c61-9a3e-0f6b1c2d3e4f', name: 'Evil [click](https://x.test)\n# Owned | <b>' } });
    expect(md.split('\n')[0]).toBe('# Emissions methodology: Evil \\[click\\](https://x.test) \\# Owned \\| \\<b\\>, January 2026');
    expect(md).not.toMatch(/^# Owned/m);
    expect(reference('https://x.test/a b')).toBe('https://x.test/a b');
    expect(reference('https://x.test/<script>')).toBe('https://x.test/\\<script\\>');
    expect(code('a|b')).toBe('`a\\|b`');
    expect(code('x`y')).toBe('``x`y``');
  });

  it('refuses a bad month or no factor set', () => {
    expect(() => render({ month: '2026-13' })).toThrow(/YYYY-MM/);
    expect(() => render({ factorSets: [] })).toThrow(/at least one factor set/);
  });
});
