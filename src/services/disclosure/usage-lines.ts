import type { EntityManager } from 'typeorm';
import type { DisclosureFigures } from '../../../contracts/disclosure';
import { perThousand, toExactDecimalString } from '../../receipts/exact-decimal-string';
import { monthRange } from './months';

/** The usage of one month, provider, model, project, factor version and tier, as stored (exact sums). */
export interface UsageLine extends DisclosureFigures {
  month: string;
  provider: string;
  model: string;
  projectId: string | null;
  projectName: string | null;
  factorVersion: string;
  tier: string;
}

type Row = Record<'month' | 'provider' | 'model' | 'project_id' | 'project_name' | 'factor_version' | 'tier'
  | 'prefill' | 'decode' | 'cached' | 'reasoning' | 'ewl' | 'ewc' | 'ewh' | 'cgl' | 'cgc' | 'cgh', string | null>;

// numeric sums in SQL are exact; the month is the UTC month of bucket_start (the design's definition).
const GROUPED = `
  SELECT to_char(e.bucket_start AT TIME ZONE 'UTC', 'YYYY-MM') AS month, e.provider, e.model, e.project_id::text AS project_id,
         p.name AS project_name, e.factor_version, e.tier,
         sum(e.input_uncached + e.input_cache_write)::text AS prefill, sum(e.output_tokens)::text AS decode,
         sum(e.input_cache_read)::text AS cached, sum(e.reasoning_tokens)::text AS reasoning,
         sum(e.energy_wh_low)::text AS ewl, sum(e.energy_wh_central)::text AS ewc, sum(e.energy_wh_high)::text AS ewh,
         sum(e.co2e_g_low)::text AS cgl, sum(e.co2e_g_central)::text AS cgc, sum(e.co2e_g_high)::text AS cgh
    FROM usage_events e LEFT JOIN projects p ON p.id = e.project_id AND p.org_id = e.org_id
   WHERE e.org_id = $1 AND e.bucket_start >= $2::timestamptz AND e.bucket_start < $3::timestamptz
   GROUP BY 1, e.provider, e.model, e.project_id, p.name, e.factor_version, e.tier`;

// Sorted in JS by code units, so the order does not depend on the database's collation.
const KEYS = ['month', 'provider', 'model', 'projectName', 'projectId', 'factorVersion', 'tier'] as const;
export function compareLines(a: UsageLine, b: UsageLine): number {
  for (const k of KEYS) {
    const x = a[k] ?? '';
    const y = b[k] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function toLine(r: Row): UsageLine {
  const text = (s: string | null) => s ?? '0';
  return {
    month: r.month!, provider: r.provider!, model: r.model!, projectId: r.project_id, projectName: r.project_name,
    factorVersion: r.factor_version!, tier: r.tier!,
    tokens: {
      prefill: toExactDecimalString(text(r.prefill)), decode: toExactDecimalString(text(r.decode)),
      cached: toExactDecimalString(text(r.cached)), reasoning: toExactDecimalString(text(r.reasoning)),
    },
    energyKwh: { low: perThousand(text(r.ewl)), central: perThousand(text(r.ewc)), high: perThousand(text(r.ewh)) },
    co2eKg: { low: perThousand(text(r.cgl)), central: perThousand(text(r.cgc)), high: perThousand(text(r.cgh)) },
  };
}

/** The organization's current usage of the months [from, to], one line per month, provider, model, project, factor version and tier. */
export async function readUsageLines(db: EntityManager, orgId: string, from: string, to: string): Promise<UsageLine[]> {
  const { start, end } = monthRange(from, to);
  const rows: Row[] = await db.query(GROUPED, [orgId, start, end]);
  return rows.map(toLine).sort(compareLines);
}

/** `provider:connectionId` of every connection with usage in the months [from, to], sorted. */
export async function readConnections(db: EntityManager, orgId: string, from: string, to: string): Promise<string[]> {
  const { start, end } = monthRange(from, to);
  const rows: Array<{ provider: string; connection_id: string }> = await db.query(
    `SELECT DISTINCT provider, connection_id::text AS connection_id FROM usage_events
      WHERE org_id = $1 AND bucket_start >= $2::timestamptz AND bucket_start < $3::timestamptz`,
    [orgId, start, end],
  );
  return rows.map((r) => `${r.provider}:${r.connection_id}`).sort();
}
