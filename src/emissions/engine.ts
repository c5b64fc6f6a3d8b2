import {
  FactorSetDocument,
  type EmissionsResult,
  type ExactEmissionsBounds,
  type ExactEmissionsResult,
  type FactorTriple,
  type Tier,
  type TokenCounts,
} from '../../contracts/emissions';
import {
  add,
  divideByPowerOfTen,
  fromInteger,
  fromJsonNumber,
  multiply,
  roundHalfEven,
  toCanonicalString,
  type ExactDecimal,
} from './exact-decimal';
import { compileGlob, type Glob } from './glob';
import { normaliseModelId } from './model-id';

/**
 * Fraction digits of a stored figure: the `numeric` columns are summed as fixed point with this many digits
 * (src/services/telemetry/fixed-decimal.ts). CarbonFactors v1.0 never needs more, so its figures are exact.
 */
export const MAX_FRACTION_DIGITS = 12;

export interface ModelClassification {
  readonly tier: Tier;
  /** The glob that matched. */
  readonly matchedRule: string;
  /** Vendor prefix removed during normalisation (`meta-llama`, `anthropic`), if any. */
  readonly vendor: string | null;
  /** The id the globs were matched against. */
  readonly normalisedId: string;
  readonly isUnmatched: boolean;
}

export interface ComputeInput {
  /** Connection provider (`openai`, `anthropic`, `openrouter`, …): selects the PUE row unless `pue` is given. */
  provider: string;
  model: string;
  /** Absent classes count as 0. */
  tokens: Partial<TokenCounts>;
  /** Grid key of the factor set; `default` (US, region unknown) when omitted. */
  grid?: string;
  /** PUE key overriding the provider's row. */
  pue?: string;
}

export interface EmissionsEngine {
  readonly version: string;
  classify(modelId: string): ModelClassification;
  /** The figures as exact canonical decimals: what is stored, summed and signed. */
  computeExact(input: ComputeInput): ExactEmissionsResult;
  /** The exact figures as the nearest doubles, for display and charts only; never store or sum these. */
  compute(input: ComputeInput): EmissionsResult;
}

// Bounds memory if a provider ever reports an unbounded variety of ids; real fleets have a few hundred.
const MAX_CACHED_IDS = 10_000;

interface CompiledRule {
  tier: Tier;
  glob: Glob;
}

/** `[central, low, high]` as exact decimals. */
type ExactTriple = readonly [ExactDecimal, ExactDecimal, ExactDecimal];
interface ExactTierFactors { prefill: ExactTriple; decode: ExactTriple; cached: ExactTriple }

const exactTriple = (t: FactorTriple): ExactTriple => [fromJsonNumber(t[0]), fromJsonNumber(t[1]), fromJsonNumber(t[2])];
const exactTable = (rows: Record<string, FactorTriple>) =>
  new Map<string, ExactTriple>(Object.entries(rows).map(([key, triple]) => [key, exactTriple(triple)]));

function tokenCount(value: number | undefined, name: string): ExactDecimal {
  if (value === undefined) return fromInteger(0);
  // pg returns bigint columns as strings; `"1" + "2"` would silently concatenate, so demand real counts.
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`tokens.${name} must be a non-negative integer, got ${String(value)}`);
  }
  return fromInteger(value);
}

const figure = (d: ExactDecimal) => toCanonicalString(roundHalfEven(d, MAX_FRACTION_DIGITS));

function lookup<T>(table: Map<string, T>, key: string, what: string): T {
  const triple = table.get(key);
  if (!triple) throw new RangeError(`unknown ${what} key "${key}"; known: ${[...table.keys()].join(', ')}`);
  return triple;
}

/**
 * Builds an engine for one immutable factor set. Everything derivable from the document (compiled globs, exact
 * factor tables) is prepared here so that `computeExact` on the ingestion hot path is a cached map lookup and
 * BigInt arithmetic.
 *
 * Figures are exact: each factor is read as the decimal it was written as, products and sums are exact, and each
 * figure is rounded once, half to even, to MAX_FRACTION_DIGITS fraction digits (a no-op for v1.0, whose figures
 * have at most 9 digits for energy and 12 for CO2e); CO2e is computed from the unrounded energy. The migration
 * 1764000000005-exact-emissions does the same in SQL `numeric`.
 */
export function createEmissionsEngine(document: FactorSetDocument): EmissionsEngine {
  // Re-validated because the invariants the engine relies on (ordered bounds, a final `*` rule) live in the schema.
  const doc = FactorSetDocument.parse(document);
  const rules: CompiledRule[] = doc.rules.flatMap((rule) =>
    rule.patterns.map((pattern) => ({ tier: rule.tier, glob: compileGlob(pattern) })),
  );
  const tiers = new Map<string, ExactTierFactors>(Object.entries(doc.tiers).map(([tier, f]) => [
    tier, { prefill: exactTriple(f.prefill), decode: exactTriple(f.decode), cached: exactTriple(f.cached) },
  ]));
  // Maps rather than the parsed objects, so keys such as `constructor` cannot resolve to prototype members.
  const pueTable = exactTable(doc.pue);
  const gridTable = exactTable(doc.grid);
  const defaultPue = lookup(pueTable, 'default', 'PUE');
  const defaultGrid = lookup(gridTable, 'default', 'grid');
  const cache = new Map<string, ModelClassification>();

  function classifyUncached(modelId: string): ModelClassification {
    const { id, vendor } = normaliseModelId(modelId);
    const rule = rules.find((r) => r.glob.test(id));
    // Unreachable with a validated document (it ends in `*`), kept so a match is never undefined.
    const tier = rule?.tier ?? 'fallback';
    return Object.freeze({
      tier,
      matchedRule: rule?.glob.pattern ?? '*',
      vendor,
      normalisedId: id,
      isUnmatched: tier === 'fallback',
    });
  }

  function classify(modelId: string): ModelClassification {
    let hit = cache.get(modelId);
    if (hit === undefined) {
      if (cache.size >= MAX_CACHED_IDS) cache.clear();
      hit = classifyUncached(modelId);
      cache.set(modelId, hit);
    }
    return hit;
  }

  function computeExact(input: ComputeInput): ExactEmissionsResult {
    const model = classify(input.model);
    const { prefill: ep, decode: ed, cached: ec } = lookup(tiers, model.tier, 'tier');
    // OpenRouter rows use the mixed-host `openrouter` PUE, not the vendor's: the serving host is unknown (§4.4).
    const pue = input.pue === undefined ? (pueTable.get(input.provider) ?? defaultPue) : lookup(pueTable, input.pue, 'PUE');
    const grid = input.grid === undefined ? defaultGrid : lookup(gridTable, input.grid, 'grid');

    const t = input.tokens;
    const prefill = add(tokenCount(t.inputUncached, 'inputUncached'), tokenCount(t.inputCacheWrite, 'inputCacheWrite'));
    // Reasoning tokens are already part of outputTokens; only validated, never added.
    tokenCount(t.reasoningTokens, 'reasoningTokens');
    const decode = tokenCount(t.outputTokens, 'outputTokens');
    const cached = tokenCount(t.inputCacheRead, 'inputCacheRead');

    // Triples are [central, low, high]; each bound uses its own factor, PUE and grid value.
    const energy = [0, 1, 2].map((i) => {
      // Σ tokens × Wh per 1,000 tokens is the IT energy in mWh.
      const itMilliWh = add(add(multiply(prefill, ep[i]), multiply(decode, ed[i])), multiply(cached, ec[i]));
      return divideByPowerOfTen(multiply(itMilliWh, pue[i]), 3);
    });
    const co2e = energy.map((wh, i) => divideByPowerOfTen(multiply(wh, grid[i]), 3));
    const bounds = ([central, low, high]: ExactDecimal[]): ExactEmissionsBounds =>
      ({ central: figure(central), low: figure(low), high: figure(high) });

    return {
      factorVersion: doc.version,
      tier: model.tier,
      matchedRule: model.matchedRule,
      isUnmatched: model.isUnmatched,
      energyWh: bounds(energy),
      co2eG: bounds(co2e),
    };
  }

  function compute(input: ComputeInput): EmissionsResult {
    const exact = computeExact(input);
    const numbers = (b: ExactEmissionsBounds) => ({ central: Number(b.central), low: Number(b.low), high: Number(b.high) });
    return { ...exact, energyWh: numbers(exact.energyWh), co2eG: numbers(exact.co2eG) };
  }

  return { version: doc.version, classify, computeExact, compute };
}

/** The six figures in the order of the emission columns: energy central, low, high, then CO2e central, low, high. */
export function emissionFigures(result: ExactEmissionsResult): string[] {
  const { energyWh: e, co2eG: c } = result;
  return [e.central, e.low, e.high, c.central, c.low, c.high];
}
