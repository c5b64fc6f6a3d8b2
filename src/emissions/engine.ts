import {
  FactorSetDocument,
  type EmissionsResult,
  type FactorTriple,
  type Tier,
  type TierFactors,
  type TokenCounts,
} from '../../contracts/emissions';
import { compileGlob, type Glob } from './glob';
import { normaliseModelId } from './model-id';

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
  compute(input: ComputeInput): EmissionsResult;
}

// Bounds memory if a provider ever reports an unbounded variety of ids; real fleets have a few hundred.
const MAX_CACHED_IDS = 10_000;

interface CompiledRule {
  tier: Tier;
  glob: Glob;
}

function tokenCount(value: number | undefined, name: string): number {
  if (value === undefined) return 0;
  // pg returns bigint columns as strings; `"1" + "2"` would silently concatenate, so demand real numbers.
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    throw new RangeError(`tokens.${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

function lookup(table: Map<string, FactorTriple>, key: string, what: string): FactorTriple {
  const triple = table.get(key);
  if (!triple) throw new RangeError(`unknown ${what} key "${key}"; known: ${[...table.keys()].join(', ')}`);
  return triple;
}

/**
 * Builds an engine for one immutable factor set. Everything derivable from the document (compiled globs, key
 * tables) is prepared here so that `compute` on the ingestion hot path is a cached map lookup and arithmetic.
 */
export function createEmissionsEngine(document: FactorSetDocument): EmissionsEngine {
  // Re-validated because the invariants the engine relies on (ordered bounds, a final `*` rule) live in the schema.
  const doc = FactorSetDocument.parse(document);
  const rules: CompiledRule[] = doc.rules.flatMap((rule) =>
    rule.patterns.map((pattern) => ({ tier: rule.tier, glob: compileGlob(pattern) })),
  );
  const tiers = doc.tiers as Record<Tier, TierFactors>;
  // Maps rather than the parsed objects, so keys such as `constructor` cannot resolve to prototype members.
  const pueTable = new Map<string, FactorTriple>(Object.entries(doc.pue));
  const gridTable = new Map<string, FactorTriple>(Object.entries(doc.grid));
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

  function compute(input: ComputeInput): EmissionsResult {
    const model = classify(input.model);
    const { prefill: ep, decode: ed, cached: ec } = tiers[model.tier];
    // OpenRouter rows use the mixed-host `openrouter` PUE, not the vendor's: the serving host is unknown (§4.4).
    const pue = input.pue === undefined ? (pueTable.get(input.provider) ?? defaultPue) : lookup(pueTable, input.pue, 'PUE');
    const grid = input.grid === undefined ? defaultGrid : lookup(gridTable, input.grid, 'grid');

    const t = input.tokens;
    const prefill = tokenCount(t.inputUncached, 'inputUncached') + tokenCount(t.inputCacheWrite, 'inputCacheWrite');
    // Reasoning tokens are already part of outputTokens; only validated, never added.
    tokenCount(t.reasoningTokens, 'reasoningTokens');
    const decode = tokenCount(t.outputTokens, 'outputTokens');
    const cached = tokenCount(t.inputCacheRead, 'inputCacheRead');

    // Triples are [central, low, high]; each bound uses its own factor, PUE and grid value.
    const central = ((prefill * ep[0] + decode * ed[0] + cached * ec[0]) / 1000) * pue[0];
    const low = ((prefill * ep[1] + decode * ed[1] + cached * ec[1]) / 1000) * pue[1];
    const high = ((prefill * ep[2] + decode * ed[2] + cached * ec[2]) / 1000) * pue[2];

    return {
      factorVersion: doc.version,
      tier: model.tier,
      matchedRule: model.matchedRule,
      isUnmatched: model.isUnmatched,
      energyWh: { central, low, high },
      co2eG: { central: (central / 1000) * grid[0], low: (low / 1000) * grid[1], high: (high / 1000) * grid[2] },
    };
  }

  return { version: doc.version, classify, compute };
}
