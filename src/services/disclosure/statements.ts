import type { MonthDisclosure } from '../../../contracts/disclosure';

/** What every disclosure states the same way (reference/disclosure.md §1–§4, §7; methodology.md §1). */
export const STATEMENTS: Pick<MonthDisclosure, 'classification' | 'boundary' | 'method' | 'marketBased' | 'frameworkMap'> = {
  classification: { scope: 3, category: 1, categoryName: 'Purchased goods and services' },
  boundary: {
    included: ['server IT electricity', 'facility overhead (PUE)'],
    excluded: [
      { item: 'model training', reason: 'not attributable per request; providers publish no allocation' },
      { item: 'hardware manufacture', reason: 'embodied emissions are an optional, separately reported uplift (methodology.md §4.6)' },
      { item: 'network transfer', reason: 'outside the provider\'s data centre; no per-request data' },
      { item: 'end-user devices', reason: 'not part of the purchased service' },
    ],
    // The Scope 3 Standard's minimum boundary for category 1 is cradle-to-gate; operational electricity alone is less.
    minimumBoundaryMet: false,
  },
  method: {
    ghgProtocol: 'average-data',
    activityData: 'provider usage APIs (token counts)',
    emissionFactors: 'modelled Wh/1k tokens x PUE x grid intensity',
    gridBasis: 'location',
  },
  marketBased: null,
  frameworkMap: {
    esrs: ['E1-6 44(c)', 'E1 AR 46(g)', 'E1-7 56(b)'],
    ifrsS2: ['29(a)(i)(3)', '29(a)(vi)'],
    cdp: "Scope 3 table, row 'Purchased goods and services'",
  },
};
