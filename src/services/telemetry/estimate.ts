import type { EstimateRequest, EstimateResponse } from '../../../contracts/estimate';
import { toDecimalString } from '../../emissions';
import { trimDecimal } from './totals';
import type { FactorSetRepository } from './factor-sets';

const DECIMALS = 9;

/** What a single request would emit, with the current factor set; nothing is stored. */
export async function estimateEmissions(factors: FactorSetRepository, req: EstimateRequest): Promise<EstimateResponse> {
  const engine = await factors.current();
  const result = engine.compute({
    provider: req.provider ?? 'default',
    model: req.model,
    tokens: {
      inputUncached: req.inputTokens - req.cachedTokens - req.cacheWriteTokens,
      inputCacheWrite: req.cacheWriteTokens,
      inputCacheRead: req.cachedTokens,
      outputTokens: req.outputTokens,
      reasoningTokens: req.reasoningTokens,
    },
  });
  const decimal = (n: number) => trimDecimal(toDecimalString(n, DECIMALS));
  const bounds = (b: { central: number; low: number; high: number }) => ({ central: decimal(b.central), low: decimal(b.low), high: decimal(b.high) });
  return {
    model: req.model, tier: result.tier, matchedRule: result.matchedRule, isUnmatched: result.isUnmatched, factorVersion: result.factorVersion,
    energyWh: bounds(result.energyWh), co2eG: bounds(result.co2eG),
  };
}
