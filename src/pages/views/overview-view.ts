import type { TelemetrySummary } from '../../../contracts/telemetry';
import { dailyCo2eChart } from '../daily-chart-svg';
import { co2e, co2eParts, co2eWithBounds, energyParts, formatCompact, formatCount, formatDay, formatShare } from '../format';
import { filtersView } from './filters-view';
import { allProjects, providerName, type PageContext } from './page-context';

const TOP = 5;
const share = (part: string, whole: string) => (Number(whole) > 0 ? formatShare(String(Number(part) / Number(whole))) : '—');
const sumCounts = (values: string[]) => values.reduce((sum, v) => sum + BigInt(v), 0n).toString();

/**
 * `/`: totals with bounds, the daily chart, top models and projects and the cached-input share, for the range and
 * project picked. Every figure is the telemetry service's own answer for those filters, as GET
 * /api/v1/telemetry/summary gives it; the top projects are that summary once per project.
 */
export async function overviewView(ctx: PageContext, query: Record<string, unknown>) {
  const { services, orgId } = ctx;
  const [projects, firstConnection] = await Promise.all([allProjects(ctx), services.connections.list(orgId, 1)]);
  const filters = filtersView(query, ctx.now, projects);
  const telemetry = services.telemetry;
  const resolved = await telemetry.resolve(orgId, filters.telemetry);
  const isAllProjects = !filters.telemetry.projectId && projects.length > 1;
  const [summary, perProject] = await Promise.all([
    telemetry.summary(resolved),
    // The projects are this organization's own list, so the resolved filters narrow to each without a new check.
    isAllProjects ? Promise.all(projects.map(async (p) => ({ project: p, totals: (await telemetry.summary({ ...resolved, projectId: p.id })).totals }))) : Promise.resolve([]),
  ]);
  const { totals } = summary;
  const tokens = totals.tokens;
  const allTokens = sumCounts([tokens.inputUncached, tokens.inputCacheWrite, tokens.inputCacheRead, tokens.output, tokens.reasoning]);
  const hasUsage = totals.events !== '0';

  return {
    filters: filters.form,
    problem: filters.problem,
    apiBase: ctx.apiBase,
    hasConnections: firstConnection.data.length > 0,
    hasUsage,
    totals: {
      co2e: co2eParts(totals.co2eG),
      energy: energyParts(totals.energyWh),
      requests: { exact: totals.requests, text: formatCount(totals.requests) },
      tokens: { exact: allTokens, text: formatCompact(allTokens) },
    },
    cache: { exact: summary.cache.cachedInputShare, text: formatShare(summary.cache.cachedInputShare) },
    chartSvg: hasUsage ? dailyCo2eChart(summary.daily.map((d) => ({ day: d.day, ...d.co2eG })), chartCaption(summary)) : '',
    daily: summary.daily.map((d) => ({ day: formatDay(d.day), co2e: co2eWithBounds(d.co2eG), requests: formatCount(d.requests) })),
    topModels: summary.models.slice(0, TOP).map((m) => ({
      provider: m.provider, providerName: providerName(m.provider), model: m.model, co2e: co2eParts(m.co2eG), share: share(m.co2eG.central, totals.co2eG.central),
    })),
    topProjects: perProject
      .filter((p) => p.totals.events !== '0')
      .sort((a, b) => Number(b.totals.co2eG.central) - Number(a.totals.co2eG.central))
      .slice(0, TOP)
      .map((p) => ({
        id: p.project.id, name: p.project.name, co2e: co2eParts(p.totals.co2eG), share: share(p.totals.co2eG.central, totals.co2eG.central),
        href: withProject(filters.form.query, p.project.id),
      })),
  };
}

/** The same filters, narrowed to one project. */
function withProject(query: string, projectId: string): string {
  const params = new URLSearchParams(query.slice(1));
  params.set('project', projectId);
  return `/?${params.toString()}`;
}

function chartCaption(summary: TelemetrySummary): string {
  const busiest = summary.daily.reduce((best, d) => (Number(d.co2eG.central) > Number(best.co2eG.central) ? d : best), summary.daily[0]);
  return `CO2e per day from ${formatDay(summary.range.from)}: ${co2eWithBounds(summary.totals.co2eG)} in all; the highest day was ${formatDay(busiest.day)} with ${co2e(busiest.co2eG.central)}.`;
}
