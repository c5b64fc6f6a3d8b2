import { pipeline } from 'node:stream/promises';
import type { UsageEvent } from '../../../../contracts/telemetry';
import { ExportQuery, UsageExportCsv, UsageExportJson } from '../../../../contracts/telemetry';
import { csvHeader, csvRow } from '../../../services/telemetry/export-format';
import { defineRoute } from '../../route';

/** The export's text, one chunk per database page, read only as fast as the client takes it. */
async function* exportChunks(pages: AsyncIterable<UsageEvent[]>, format: 'csv' | 'json'): AsyncGenerator<string> {
  yield format === 'csv' ? csvHeader() : '[';
  let isFirst = true;
  for await (const page of pages) {
    let chunk = '';
    for (const event of page) {
      chunk += format === 'csv' ? csvRow(event) : `${isFirst ? '\n' : ',\n'}${JSON.stringify(event)}`;
      isFirst = false;
    }
    yield chunk;
  }
  if (format === 'json') yield '\n]\n';
}

export default defineRoute({
  method: 'get',
  path: '/api/v1/export',
  summary: 'Every usage event of the range with its factor version and bounds, streamed as CSV (RFC 4180) or a JSON array',
  tag: 'telemetry',
  auth: 'organization',
  access: 'member',
  query: ExportQuery,
  response: { status: 200, contentType: 'text/csv', schema: UsageExportCsv, alternatives: { 'application/json': UsageExportJson }, description: 'CSV with a header row, or JSON (format=json)' },
  handler: async ({ auth, query, deps, req, res }) => {
    const { format, ...filters } = query;
    const telemetry = deps.services.telemetry;
    const f = await telemetry.resolve(auth.orgId, filters);
    res.status(200);
    res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="carbonplan-usage-${f.from}_${f.to}.${format}"`);
    res.setHeader('Cache-Control', 'no-store');
    // pipeline waits for 'drain' (a slow client pauses the database walk) and, unlike awaiting 'drain' alone,
    // also ends on 'close': a client that leaves destroys the stream and returns the page generator, so the
    // walk stops and its rows and pool connection are released.
    try {
      await pipeline(exportChunks(telemetry.eachEventPage(f), format), res);
    } catch (err) {
      // The client left: nobody to answer. Any other error (the database failing mid-stream) goes to the error
      // handler, which cuts the response so the client sees a truncated download, not a complete-looking one.
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
      req.log?.info('export abandoned by the client');
    }
    return undefined;
  },
});
