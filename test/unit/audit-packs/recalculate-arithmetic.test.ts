import fc from 'fast-check';
import { FactorSetDocument, Tier, type FactorTriple } from '../../../contracts/emissions';
import { loadFactorSetV1 } from '../../../src/emissions';
import { buildPack, removePack, runRecalculate, type FixtureEvent, type PackFiles } from './pack-fixture';

/**
 * The script's decimal arithmetic and model matching against src/emissions/engine.ts computeExact: random token
 * counts (up to 2^53 - 1), messy model ids, every provider PUE row, under v1.0 and under a random factor set whose
 * factors carry up to 13 fraction digits (written in exponent form when tiny), so every figure is rounded half to
 * even at 12 digits. The engine's figures must pass unchanged; the same pack with one figure moved by 10^-12 must not.
 */

const MODELS = [
  'gpt-4o-mini-2024-07-18', 'GPT-4o-2024-08-06', 'chatgpt-4o-latest', 'gpt-4.1-nano', 'o1', 'o3-2025-04-16', 'o1-mini', 'gpt-5.2-pro',
  'gpt-4', 'gpt-5-codex', 'claude-3-haiku-20240307', 'anthropic/claude-3.5-haiku', 'anthropic/claude-3.7-sonnet:thinking',
  'us.anthropic.claude-sonnet-4-20250514-v1:0', 'claude-sonnet-4@20250514', 'anthropic/claude-opus-4.1', 'meta-llama/llama-3.1-405b-instruct',
  'mistralai/mixtral-8x7b-instruct', 'deepseek/deepseek-r1-distill-llama-70b:free', 'google/gemini-2.5-flash-lite', 'gemini-2.5-pro',
  'qwen/qwen3-30b-a3b', 'x-ai/grok-3-mini', 'brand-new-model',
];
const PROVIDERS = ['openai', 'anthropic', 'openrouter', 'google', 'mistral', 'acme'];

// Any printable ASCII id, commas and quotes included (CSV quoting); no CR/LF, which provider ids never hold.
const model = fc.oneof(fc.constantFrom(...MODELS), fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\r\n]/.test(s)));
const tokens = fc.oneof(fc.nat({ max: 2_000_000 }), fc.constant(0), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));

const event = fc.record({
  provider: fc.constantFrom(...PROVIDERS),
  model,
  hour: fc.nat({ max: 31 * 24 - 1 }),
  inputUncached: tokens, inputCacheWrite: tokens, inputCacheRead: tokens, outputTokens: tokens, reasoning: fc.nat({ max: 1_000_000 }),
  isRoundedSet: fc.boolean(),
});

/** `[central, low, high]` from three integers, as decimals with `digits` fraction digits (JSON numbers). */
const triple = (min: number, max: number, digits: number) => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.integer({ min, max }))
  .map((xs) => { const [low, central, high] = [...xs].sort((a, b) => a - b); return [central, low, high].map((k) => Number(`${k}e-${digits}`)) as FactorTriple; });

const roundedFactorSet = fc.record({
  tiers: fc.record(Object.fromEntries(Tier.options.map((t) => [t, fc.record({ prefill: triple(1, 10 ** 12, 13), decode: triple(1, 10 ** 12, 12), cached: triple(1, 10 ** 12, 13) })]))),
  pue: fc.record(Object.fromEntries(['default', ...PROVIDERS.slice(0, 5)].map((k) => [k, triple(10 ** 9, 2 * 10 ** 9, 9)]))),
  grid: triple(0, 10 ** 12, 9),
}).map(({ tiers, pue, grid }) => FactorSetDocument.parse({ ...loadFactorSetV1(), name: 'Property factors', version: '7.3', tiers, pue, grid: { default: grid } }));

const SERIAL = 'CL-202601-PR0P1';

// Event ids of every length, so that text order (the snapshot digest's) differs from numeric order; ids beyond 14
// digits take the script's plain-string path.
const eventsWithIds = fc.array(event, { minLength: 1, maxLength: 60 }).chain((events) => fc.uniqueArray(
  fc.oneof({ arbitrary: fc.integer({ min: 1, max: 200 }), weight: 8 }, { arbitrary: fc.integer({ min: 1, max: 99_999_999_999_999 }), weight: 8 }, { arbitrary: fc.bigInt({ min: 10n ** 14n, max: 2n ** 62n }), weight: 1 }),
  { minLength: events.length, maxLength: events.length, selector: (id) => String(id) },
).map((ids) => events.map((e, i) => ({ ...e, id: String(ids[i]) }))));

describe('recalculate.mjs arithmetic agrees with the emissions engine', () => {
  const packs: PackFiles[] = [];
  afterAll(() => packs.forEach(removePack));

  it('passes the engine figures of random events and catches a figure moved by 10^-12', async () => {
    await fc.assert(fc.asyncProperty(eventsWithIds, roundedFactorSet, fc.nat(), async (drawn, rounded, pick) => {
      const events: FixtureEvent[] = drawn.map((e) => ({
        id: e.id, revision: 1, provider: e.provider, model: e.model,
        bucketStart: new Date(Date.UTC(2026, 0, 1) + e.hour * 3_600_000).toISOString(),
        tokens: { inputUncached: e.inputUncached, inputCacheWrite: e.inputCacheWrite, inputCacheRead: e.inputCacheRead, outputTokens: e.outputTokens, reasoningTokens: e.reasoning },
        factorVersion: e.isRoundedSet ? '7.3' : '1.0',
      }));
      const spec = {
        month: '2026-01', events, factorSets: [loadFactorSetV1(), rounded],
        receipts: [{ serial: SERIAL, kind: 'period' as const, signs: events.map((e) => [e.id, 1] as [string, number]), issuedAt: '2026-02-01T03:00:00.000Z' }],
      };
      const pack = await buildPack(spec);
      packs.push(pack);
      const run = runRecalculate(pack);
      expect(run.lines.at(-1)).toBe('match');

      // One figure of one event, 10^-12 higher (the last digit a figure may carry): named, and the receipt is off.
      const target = events[pick % events.length];
      const moved = await buildPack({
        ...spec,
        beforeManifest: (p) => p.editCsv((lines) => lines.map((line) => {
          if (!line.startsWith(`${target.id},1,`)) return line;
          const fields = line.split(',');
          fields[fields.length - 1] = bump(fields[fields.length - 1]);
          return fields.join(',');
        })),
      });
      packs.push(moved);
      const tampered = runRecalculate(moved);
      expect(tampered.status).toBe(1);
      expect(tampered.stdout).toMatch(new RegExp(`\\(event ${target.id} revision 1\\): co2eGHigh expected \\S+ found \\S+`));
      removePack(pack);
      removePack(moved);
    }), { numRuns: 6, endOnFailure: true });
  });
});

describe('recalculate.mjs rounding at exact ties', () => {
  it('rounds half to even at 12 fraction digits, as the engine does', async () => {
    // Every factor 5e-10 Wh per 1,000 tokens, PUE 1, grid 1000 g/kWh: n tokens give n x 5e-13 Wh and the same in g.
    const tie: FactorTriple = [5e-10, 5e-10, 5e-10];
    const v1 = loadFactorSetV1();
    const doc = FactorSetDocument.parse({
      ...v1, version: '7.4', tiers: Object.fromEntries(Tier.options.map((t) => [t, { prefill: tie, decode: tie, cached: tie }])),
      pue: { default: [1, 1, 1] }, grid: { default: [1000, 1000, 1000] },
    });
    const events: FixtureEvent[] = [1, 2, 3, 5].map((n) => ({
      id: String(n), revision: 1, provider: 'openai', model: 'gpt-4o', bucketStart: '2026-01-02T00:00:00.000Z', tokens: { outputTokens: n }, factorVersion: '7.4',
    }));
    const pack = await buildPack({ month: '2026-01', events, factorSets: [doc], receipts: [] });
    try {
      const energy = pack.read('calculations.csv').split('\r\n').slice(1, -1).map((l) => l.split(',')[35]);
      // 0.5, 1, 1.5 and 2.5 units of 10^-12: ties go to the even neighbour (0, 1, 2, 2).
      expect(energy).toEqual(['0', '0.000000000001', '0.000000000002', '0.000000000002']);
      expect(runRecalculate(pack).lines.at(-1)).toBe('match');
    } finally {
      removePack(pack);
    }
  });
});

/** A canonical decimal plus 10^-12, exactly. */
function bump(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  const units = BigInt(whole + fraction.padEnd(12, '0')) + 1n;
  const digits = units.toString().padStart(13, '0');
  const text = `${digits.slice(0, -12)}.${digits.slice(-12)}`.replace(/0+$/, '').replace(/\.$/, '');
  return text;
}
