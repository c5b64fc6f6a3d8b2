import type { PoolClient } from 'pg';
import Cursor from 'pg-cursor';
import type { CalculationRow, CalculationsCsv } from '../../audit-packs/calculations-csv';
import { MONTH_RECEIPTS, type MonthRange } from './pack-month';

const COLUMNS = (t: string) => `${t}.connection_id AS "connectionId", ${t}.project_id AS "projectId", ${t}.provider, ${t}.model,
  ${t}.bucket_start AS "bucketStart", ${t}.bucket_end AS "bucketEnd", ${t}.input_uncached AS "inputUncached",
  ${t}.input_cache_write AS "inputCacheWrite", ${t}.input_cache_read AS "inputCacheRead", ${t}.output_tokens AS "outputTokens",
  ${t}.reasoning_tokens AS "reasoningTokens", ${t}.factor_version AS "factorVersion", ${t}.tier, ${t}.matched_rule AS "matchedRule",
  ${t}.energy_wh_low AS "energyWhLow", ${t}.energy_wh_central AS "energyWhCentral", ${t}.energy_wh_high AS "energyWhHigh",
  ${t}.co2e_g_low AS "co2eGLow", ${t}.co2e_g_central AS "co2eGCentral", ${t}.co2e_g_high AS "co2eGHigh",
  (${t}.bucket_start >= $2 AND ${t}.bucket_start < $3) AS "inMonth"`;

/**
 * Every (event, revision) calculations.csv needs ($1 org, $2/$3 the month): the current revision of every event of
 * the month, and every revision a receipt of the month signed (the live row when it still has that revision, else
 * the archived one; a period receipt of a billing period that does not follow calendar months may sign events
 * outside it). Each with the serials that signed it. In (event, revision) order.
 */
const CALCULATION_ROWS = `
  WITH rec AS (SELECT serial, receipt_key FROM (${MONTH_RECEIPTS}) r WHERE receipt_key IS NOT NULL),
       signed AS (SELECT s.event_id, s.revision, s.bucket_start, array_agg(rec.serial ORDER BY rec.serial) AS signed_by
                    FROM rec JOIN receipt_snapshot_events s ON s.receipt_key = rec.receipt_key GROUP BY s.event_id, s.revision, s.bucket_start),
       needed AS (
         SELECT e.id AS "eventId", e.revision, true AS "isCurrent", ${COLUMNS('e')}
           FROM usage_events e WHERE e.org_id = $1 AND e.bucket_start >= $2 AND e.bucket_start < $3
         UNION ALL
         SELECT e.id, e.revision, true, ${COLUMNS('e')}
           FROM signed s JOIN usage_events e ON e.bucket_start = s.bucket_start AND e.id = s.event_id AND e.revision = s.revision
          WHERE e.org_id = $1 AND NOT (e.bucket_start >= $2 AND e.bucket_start < $3)
         UNION ALL
         SELECT v.event_id, v.revision, false, ${COLUMNS('v')}
           FROM signed s JOIN usage_event_revisions v ON v.event_id = s.event_id AND v.revision = s.revision
          WHERE v.org_id = $1)
  SELECT n.*, coalesce(s.signed_by, '{}') AS "signedBy"
    FROM needed n LEFT JOIN signed s ON s.event_id = n."eventId" AND s.revision = n.revision
   ORDER BY n."eventId", n.revision`;

export interface CalculationCounts { rows: number; currentInMonth: number }

/**
 * calculations.csv as text chunks (the header, then one chunk per batch of rows) read through a server-side cursor:
 * at most `batchRows` rows are in memory at a time, whatever the month's size. `counts` is complete once drained.
 */
export function calculationCsvChunks(client: PoolClient, orgId: string, range: MonthRange, csv: CalculationsCsv, batchRows = 500): {
  chunks: AsyncGenerator<string>; counts: CalculationCounts;
} {
  const counts: CalculationCounts = { rows: 0, currentInMonth: 0 };
  async function* chunks(): AsyncGenerator<string> {
    yield csv.header;
    const cursor = client.query(new Cursor<CalculationRow>(CALCULATION_ROWS, [orgId, range.start, range.end]));
    try {
      for (;;) {
        const rows = await cursor.read(batchRows);
        if (rows.length === 0) return;
        let text = '';
        for (const row of rows) {
          text += csv.formatRow(row);
          if (row.isCurrent && row.inMonth) counts.currentInMonth++;
        }
        counts.rows += rows.length;
        yield text;
      }
    } finally {
      await cursor.close();
    }
  }
  return { chunks: chunks(), counts };
}
