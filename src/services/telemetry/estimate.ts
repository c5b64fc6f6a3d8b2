import type { EstimateRequest, EstimateResponse } from '../../../contracts/estimate';
import type { FactorSetRepository } from './factor-sets';

/**
 * What a single request would emit, with the current factor set; nothing is stored. The figures are the engine's
 * exact decimals, so an estimate equals what ingesting the same tokens would store.
 */
export async function estimateEmissions(factors: FactorSetRepository, req: EstimateRequest): Promise<EstimateResponse> {
  const engine = await factors.current();
  const result = engine.computeExact({
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
  return {
    model: req.model, tier: result.tier, matchedRule: result.matchedRule, isUnmatched: result.isUnmatched, factorVersion: result.factorVersion,
    energyWh: result.energyWh, co2eG: result.co2eG,
  };
}
