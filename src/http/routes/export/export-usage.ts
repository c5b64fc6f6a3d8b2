import { once } from 'node:events';
import type { Response } from 'express';
import { ExportQuery } from '../../../../contracts/telemetry';
import { csvHeader, csvRow } from '../../../services/telemetry/export-format';
import { defineRoute } from '../../route';

/** Writes with backpressure: a slow client pauses the database walk instead of filling memory. */
async function write(res: Response, chunk: string): Promise<void> {
  if (!res.write(chunk)) await once(res, 'drain');
}

export default defineRoute({
  method: 'get',
  path: '/api/v1/export',
  summary: 'Every usage event of the range with its factor version and bounds, streamed as CSV (RFC 4180) or a JSON array',
  tag: 'telemetry',
  auth: 'organization',
  query: ExportQuery,
  response: { status: 200, contentType: 'text/csv', description: 'CSV with a header row, or JSON (format=json)' },
  handler: async ({ auth, query, deps, res }) => {
    const { format, ...filters } = query;
    const telemetry = deps.services.telemetry;
    const f = await telemetry.resolve(auth.orgId, filters);
    res.status(200);
    res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="carbonplan-usage-${f.from}_${f.to}.${format}"`);
    res.setHeader('Cache-Control', 'no-store');
    let first = true;
    await write(res, format === 'csv' ? csvHeader() : '[');
    for await (const page of telemetry.eachEventPage(f)) {
      let chunk = '';
      for (const event of page) {
        chunk += format === 'csv' ? csvRow(event) : `${first ? '\n' : ',\n'}${JSON.stringify(event)}`;
        first = false;
      }
      await write(res, chunk);
    }
    res.end(format === 'csv' ? '' : '\n]\n');
    return undefined;
  },
});
