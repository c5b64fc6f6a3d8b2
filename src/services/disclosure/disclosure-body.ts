import type { DisclosureBreakdown, DisclosureFigures, DisclosureLine, MonthDisclosure } from '../../../contracts/disclosure';
import { add, multiply, parseDecimal, type ExactDecimal } from '../../emissions/exact-decimal';
import { billableTokens, commonScale, figuresOf, percent2, roundedRatio, sumFigures, toTonnes } from './figures';

/** Region and project when the usage does not say (CSV and JSON alike, never blank). */
export const UNASSIGNED = 'unassigned';
export const FALLBACK_TIER = 'fallback';

/** The line's score on the disclosure's 1–5 ladder (reference/disclosure.md §5): 3 for a matched model tier, 4 for the fallback tier. */
export const dqScoreOf = (tier: string) => (tier === FALLBACK_TIER ? 4 : 3);

type Body = Pick<MonthDisclosure, 'totals' | 'breakdown' | 'dataSources' | 'dataQuality'>;

/** Sums lines per key, in order of the keys' sort. */
function groupBy<T>(lines: DisclosureLine[], keyOf: (l: DisclosureLine) => string, labelsOf: (l: DisclosureLine) => T): Array<T & DisclosureFigures> {
  const groups = new Map<string, { labels: T; members: DisclosureFigures[] }>();
  for (const line of lines) {
    const key = keyOf(line);
    const group = groups.get(key) ?? { labels: labelsOf(line), members: [] };
    group.members.push(figuresOf(line));
    groups.set(key, group);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => ({ ...g.labels, ...sumFigures(g.members) }));
}

const SEP = '\u0000';

export function breakdownOf(lines: DisclosureLine[]): DisclosureBreakdown {
  return {
    byProvider: groupBy(lines, (l) => l.provider, (l) => ({ provider: l.provider })),
    byModel: groupBy(lines, (l) => [l.provider, l.model, l.tier].join(SEP),
      (l) => ({ provider: l.provider, model: l.model, tier: l.tier, matched: l.matched, dqScore: l.dqScore })),
    byProject: groupBy(lines, (l) => [l.project, l.projectId ?? ''].join(SEP), (l) => ({ projectId: l.projectId, project: l.project })),
    byRegion: groupBy(lines, (l) => [l.region, l.gridCiSource].join(SEP), (l) => ({ region: l.region, gridCiSource: l.gridCiSource })),
  };
}

/** Line scores weighted by central CO2e, two digits half to even; null when nothing was emitted. */
function weightedScore(lines: DisclosureLine[]): string | null {
  const zero = parseDecimal('0');
  let weighted: ExactDecimal = zero;
  let total: ExactDecimal = zero;
  for (const line of lines) {
    const central = parseDecimal(line.co2eKg.central);
    weighted = add(weighted, multiply(central, { units: BigInt(line.dqScore), scale: 0 }));
    total = add(total, central);
  }
  const [n, d] = commonScale(weighted, total);
  return d === 0n ? null : roundedRatio(n, d, 2);
}

/** Totals, breakdowns, data sources and quality of a set of lines; every breakdown sums exactly to the totals. */
export function disclosureBody(lines: DisclosureLine[], context: { factorSetName: string }): Body {
  const total = sumFigures(lines.map(figuresOf));
  const hasUsage = lines.length > 0;
  const allTokens = billableTokens(total);
  const unmatched = lines.filter((l) => !l.matched);
  const unmatchedTokens = unmatched.reduce((n, l) => n + billableTokens(l), 0n);
  const full = hasUsage ? '100.00' : '0.00';
  const notes = hasUsage ? [
    `Per-token energy is not disclosed by the providers: every figure is modelled with ${context.factorSetName} (token counts from the providers' usage APIs x modelled Wh per 1,000 tokens x PUE x grid intensity); low-high bounds span roughly x10-30.`,
    'Region unknown: the providers do not report the data centre, so every line uses the factor set\'s `default` grid intensity (location-based average); region is reported as "unassigned".',
    'Data-quality score per line: 3 = provider token counts x a matched model tier x the default grid; 4 = model unmatched (fallback tier, widest bounds). Weighted by central CO2e.',
    'Completeness: covers the usage the connected provider keys report; traffic through keys that are not connected is not included.',
  ] : ['No usage was recorded for this period: every total is zero.'];
  if (unmatched.length > 0) {
    const models = [...new Set(unmatched.map((l) => `${l.provider}/${l.model}`))].sort();
    notes.push(`Unmatched models (fallback tier, low confidence): ${models.join(', ')}.`);
  }
  return {
    totals: { ...total, co2eT: toTonnes(total.co2eKg) },
    breakdown: breakdownOf(lines),
    dataSources: {
      activityDataFromSuppliersPct: full,
      emissionsReportedBySuppliersPct: '0.00',
      estimatedPct: full,
      unmatchedModelSharePct: percent2(unmatchedTokens, allTokens),
      spendBasedSharePct: '0.00',
    },
    dataQuality: {
      indicators: { technological: 'fair', temporal: 'good', geographical: 'poor', completeness: 'good', reliability: 'poor' },
      weightedScore: weightedScore(lines),
      notes,
    },
  };
}
