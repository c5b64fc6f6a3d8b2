import { Disclosure, DisclosureCsv, DisclosureQuery } from '../../../../contracts/disclosure';
import { disclosureCsv } from '../../../services/disclosure';
import { defineRoute } from '../../route';

export default defineRoute({
  method: 'get',
  path: '/api/v1/disclosure',
  summary: 'Scope 3 category 1 disclosure of the AI usage for a year (year=YYYY, default the current one) or months (from=YYYY-MM&to=YYYY-MM, at most 36): '
    + 'totals with bounds, breakdowns, data quality, credits kept separate, receipts and restatements; the same figures as the audit packs\' disclosure.json. format=csv gives one row per month, provider, model, project and region',
  tag: 'disclosure',
  auth: 'organization',
  access: 'member',
  query: DisclosureQuery,
  response: { status: 200, schema: Disclosure, alternatives: { 'text/csv': DisclosureCsv }, description: 'The disclosure document (JSON), or its CSV with format=csv' },
  handler: async ({ auth, query, deps, res }) => {
    const doc = await deps.services.disclosure.forQuery(auth.orgId, query);
    res.setHeader('Cache-Control', 'no-store');
    if (query.format === 'json') return doc;
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="carbonplan-disclosure-${doc.period.start.slice(0, 7)}_${doc.period.end.slice(0, 7)}.csv"`);
    res.send(disclosureCsv(doc));
    return undefined;
  },
});
