import { co2eParts, energyParts, formatCompact, formatCount } from '../format';
import { filtersView } from './filters-view';
import { allProjects, providerName, type PageContext } from './page-context';

/**
 * `/models`: every model of the range with its tier, the factor-set rule that matched it, tokens by class, energy
 * and CO2e, as GET /api/v1/telemetry/models answers for the same filters; unmapped models are flagged.
 */
export async function modelsView(ctx: PageContext, query: Record<string, unknown>) {
  const filters = filtersView(query, ctx.now, await allProjects(ctx));
  const telemetry = ctx.services.telemetry;
  const { data } = await telemetry.models(await telemetry.resolve(ctx.orgId, filters.telemetry));
  const models = [...data].sort((a, b) => Number(b.co2eG.central) - Number(a.co2eG.central));
  return {
    filters: filters.form,
    problem: filters.problem,
    unmatchedCount: models.filter((m) => m.isUnmatched).length,
    models: models.map((m) => ({
      provider: m.provider, providerName: providerName(m.provider), model: m.model, tier: m.tier, matchedRule: m.matchedRule,
      factorVersion: m.factorVersion, isUnmatched: m.isUnmatched,
      // Uncached input, cache writes, cache reads, output, reasoning: compact, the exact count kept beside.
      tokens: Object.fromEntries(Object.entries(m.tokens).map(([cls, n]) => [cls, { exact: n, text: formatCompact(n), full: formatCount(n) }])),
      energy: energyParts(m.energyWh),
      co2e: co2eParts(m.co2eG),
    })),
  };
}
