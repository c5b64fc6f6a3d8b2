import { z } from 'zod';

/** Model size classes of CarbonFactors; `fallback` is the catch-all for unknown models. */
export const Tier = z.enum(['small', 'mid', 'large', 'reasoning', 'frontier_xl', 'fallback']);
export type Tier = z.infer<typeof Tier>;

/**
 * `[central, low, high]`, the order the methodology publishes. Bounds are multiplied straight through the formula,
 * so an inverted triple would silently produce low > high results: reject it here.
 */
export const FactorTriple = z
  .tuple([z.number().nonnegative(), z.number().nonnegative(), z.number().nonnegative()])
  .refine(([central, low, high]) => low <= central && central <= high, {
    error: 'must be [central, low, high] with low <= central <= high',
  });
export type FactorTriple = z.infer<typeof FactorTriple>;

/** A PUE below 1 would mean the facility produces energy. */
const PueTriple = FactorTriple.refine(([, low]) => low >= 1, { error: 'PUE must be >= 1' });

/** Wh per 1,000 tokens, IT level, before PUE. */
export const TierFactors = z.object({ prefill: FactorTriple, decode: FactorTriple, cached: FactorTriple });
export type TierFactors = z.infer<typeof TierFactors>;

/**
 * Globs are matched against normalised (lowercased, vendor-stripped) ids, so uppercase letters or a `/` would make
 * a pattern that can never match.
 */
const GlobPattern = z.string().regex(/^[a-z0-9.*:@_-]+$/, { error: 'glob must be lowercase, without "/"' });

/** One row of the ordered rule table; the first rule with a matching pattern decides the tier. */
export const MatchRule = z.object({ tier: Tier, patterns: z.array(GlobPattern).min(1) });
export type MatchRule = z.infer<typeof MatchRule>;

export const FactorSetSource = z.object({ title: z.string().min(1), ref: z.string().min(1) });
export type FactorSetSource = z.infer<typeof FactorSetSource>;

/**
 * A complete, versioned factor set (what `carbon_factor_sets.document` stores). Self-contained: the engine needs
 * nothing else to classify a model and compute its emissions.
 *
 * Factors are decimals written as JSON numbers and read as the decimal they were written as (their shortest form,
 * at most 15 significant digits), never as binary fractions. Figures are computed exactly and stored with at most
 * 12 fraction digits (the `numeric` columns and the ingestion's fixed-point sums): v1.0 needs at most 9 for energy
 * (factor 4 + PUE 2 + per-1000 3) and 12 for CO2e (+ per-1000 3, integer grid), so its figures are never rounded.
 * A set with more digits has each figure rounded once, half to even, to 12 fraction digits, CO2e from the
 * unrounded energy.
 */
export const FactorSetDocument = z.object({
  name: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+$/, { error: 'version must look like "1.0"' }),
  validFrom: z.iso.date(),
  units: z.object({ tokenFactors: z.string(), grid: z.string() }),
  tiers: z.record(Tier, TierFactors),
  pue: z.object({ default: PueTriple }).catchall(PueTriple),
  grid: z.object({ default: FactorTriple }).catchall(FactorTriple),
  embodiedUplift: FactorTriple,
  // Every id must land somewhere, so the table has to end in the `*` catch-all mapped to `fallback`.
  rules: z
    .array(MatchRule)
    .min(1)
    .refine((rules) => {
      const last = rules[rules.length - 1];
      return last.tier === 'fallback' && last.patterns.includes('*');
    }, { error: 'the last rule must map "*" to the fallback tier' }),
  sources: z.array(FactorSetSource).min(1),
});
export type FactorSetDocument = z.infer<typeof FactorSetDocument>;

const TokenCount = z.number().int().nonnegative().default(0);

/**
 * Disjoint token classes of one usage event. `outputTokens` already includes reasoning tokens;
 * `reasoningTokens` is the informational part of it and is never charged on top.
 */
export const TokenCounts = z.object({
  inputUncached: TokenCount,
  inputCacheWrite: TokenCount,
  inputCacheRead: TokenCount,
  outputTokens: TokenCount,
  reasoningTokens: TokenCount,
});
export type TokenCounts = z.infer<typeof TokenCounts>;

export const EmissionsBounds = z.object({
  central: z.number().nonnegative(),
  low: z.number().nonnegative(),
  high: z.number().nonnegative(),
});
export type EmissionsBounds = z.infer<typeof EmissionsBounds>;

/** A non-negative decimal in canonical form: no exponent, no leading or trailing zeros, `0` for zero. */
export const CanonicalDecimal = z.string().regex(/^(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/, { error: 'must be a canonical decimal string' });
export type CanonicalDecimal = z.infer<typeof CanonicalDecimal>;

export const ExactEmissionsBounds = z.object({ central: CanonicalDecimal, low: CanonicalDecimal, high: CanonicalDecimal });
export type ExactEmissionsBounds = z.infer<typeof ExactEmissionsBounds>;

export const EmissionsResult = z.object({
  factorVersion: z.string(),
  tier: Tier,
  /** The glob that matched, so a result can be traced back to its rule. */
  matchedRule: z.string(),
  /** True when the model fell through to `fallback`: "unmatched model, low confidence". */
  isUnmatched: z.boolean(),
  energyWh: EmissionsBounds,
  co2eG: EmissionsBounds,
});
export type EmissionsResult = z.infer<typeof EmissionsResult>;

/** The same figures as exact decimals: what is stored, summed and signed. */
export const ExactEmissionsResult = EmissionsResult.extend({ energyWh: ExactEmissionsBounds, co2eG: ExactEmissionsBounds });
export type ExactEmissionsResult = z.infer<typeof ExactEmissionsResult>;
