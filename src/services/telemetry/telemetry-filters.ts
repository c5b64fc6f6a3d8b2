import type { DataSource } from 'typeorm';
import { DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS, type TelemetryFilters } from '../../../contracts/telemetry';
import { AppError } from '../../errors';

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Filters after defaults and checks: `from`/`to` are UTC days, `to` exclusive. */
export interface ResolvedFilters {
  orgId: string;
  from: string;
  to: string;
  projectId?: string;
  connectionId?: string;
  provider?: string;
  model?: string;
}

const invalid = (field: string, message: string) => new AppError('VALIDATION_FAILED', `query.${field}: ${message}`, { field: `query.${field}` });

/** Applies the default range (the last 30 days, today included) and rejects bad or foreign filters with 400. */
export async function resolveFilters(ds: DataSource, orgId: string, f: TelemetryFilters, now: Date): Promise<ResolvedFilters> {
  const toMs = f.to ? Date.parse(`${f.to}T00:00:00Z`) : Date.parse(`${isoDay(now.getTime())}T00:00:00Z`) + DAY_MS;
  const fromMs = f.from ? Date.parse(`${f.from}T00:00:00Z`) : toMs - DEFAULT_RANGE_DAYS * DAY_MS;
  if (fromMs >= toMs) throw invalid('from', `must be before to (${isoDay(fromMs)} is not before ${isoDay(toMs)}; to is exclusive)`);
  if (toMs - fromMs > MAX_RANGE_DAYS * DAY_MS) throw invalid('to', `the range may span at most ${MAX_RANGE_DAYS} days`);

  if (f.projectId) {
    const [project] = await ds.query(`SELECT 1 FROM projects WHERE id = $1 AND org_id = $2`, [f.projectId, orgId]);
    if (!project) throw invalid('projectId', 'no such project in this organization');
  }
  if (f.connectionId) {
    const [connection] = await ds.query(`SELECT 1 FROM provider_connections WHERE id = $1 AND org_id = $2`, [f.connectionId, orgId]);
    if (!connection) throw invalid('connectionId', 'no such connection in this organization');
  }
  return { orgId, from: isoDay(fromMs), to: isoDay(toMs), projectId: f.projectId, connectionId: f.connectionId, provider: f.provider, model: f.model };
}

/** Every day of [from, to) as YYYY-MM-DD. */
export function daysOf(f: ResolvedFilters): string[] {
  const days: string[] = [];
  for (let ms = Date.parse(`${f.from}T00:00:00Z`); ms < Date.parse(`${f.to}T00:00:00Z`); ms += DAY_MS) days.push(isoDay(ms));
  return days;
}

/**
 * The WHERE clause for one filter set. `timeColumn` is `day` (rollups, a date) or `bucket_start` (events, a
 * timestamptz compared with UTC midnights); parameters start at $1 = org.
 */
export function whereClause(f: ResolvedFilters, timeColumn: 'day' | 'bucket_start', alias = ''): { sql: string; params: unknown[] } {
  const a = alias ? `${alias}.` : '';
  const params: unknown[] = [f.orgId];
  const bound = (v: string) => (timeColumn === 'day' ? v : `${v}T00:00:00Z`);
  const cast = timeColumn === 'day' ? 'date' : 'timestamptz';
  const parts = [`${a}org_id = $1`];
  params.push(bound(f.from));
  parts.push(`${a}${timeColumn} >= $${params.length}::${cast}`);
  params.push(bound(f.to));
  parts.push(`${a}${timeColumn} < $${params.length}::${cast}`);
  for (const [column, value] of [['project_id', f.projectId], ['connection_id', f.connectionId], ['provider', f.provider], ['model', f.model]] as const) {
    if (value === undefined) continue;
    params.push(value);
    parts.push(`${a}${column} = $${params.length}`);
  }
  return { sql: parts.join(' AND '), params };
}
