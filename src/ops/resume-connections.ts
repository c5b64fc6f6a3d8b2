import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import type { Provider } from '../../contracts/usage';
import type { ConnectionWorkflows } from '../services/connections/connection-workflows';

export const RESUME_USAGE = 'usage: npm run connections:resume -- [--org ID] [--failed-since ISO]';

export const RESUME_HELP = `${RESUME_USAGE}

Resumes every connection with status "failed": sends "resume" to its connection:{id} workflow, or starts a
poller when none runs. Each resumed connection polls at once.

  --org ID             only this organization: its Clerk id (org_…) or our internal organization uuid
  --failed-since ISO   only connections that failed at or after this instant (their last poll), e.g.
                       2026-03-01T08:00:00Z or 2026-03-01 (midnight UTC); a time needs Z or an offset
  --help               this text

Exit status: 0 done, 1 some connection could not be resumed (or a service is unreachable), 2 bad flags.`;

/** A bad flag: the CLI prints the message and the usage line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ResumeFilter {
  /** Clerk organization id (`org_…`, `local_…`) or our organization uuid. */
  org?: string;
  failedSince?: Date;
}

export type ResumeArgs = ResumeFilter & { help: boolean };

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An ISO 8601 date (midnight UTC) or date-time with a zone; rolls-over such as 2026-02-30 are refused. */
export function parseInstant(value: string): Date {
  const m = ISO_INSTANT.exec(value);
  if (!m) throw new UsageError(`--failed-since "${value}" is not an ISO 8601 date or date-time (e.g. 2026-03-01T08:00:00Z)`);
  const [, y, mo, d, h, mi, s, zone] = m;
  if (h !== undefined && zone === undefined) throw new UsageError(`--failed-since "${value}" has no time zone: add Z (UTC) or an offset such as +01:00`);
  const isCalendarDate = Number(mo) >= 1 && Number(mo) <= 12 && new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))).getUTCDate() === Number(d);
  const isClockTime = h === undefined || (Number(h) <= 23 && Number(mi) <= 59 && Number(s ?? 0) <= 59);
  const ms = Date.parse(h === undefined ? `${value}T00:00:00Z` : value);
  if (!isCalendarDate || !isClockTime || Number.isNaN(ms)) throw new UsageError(`--failed-since "${value}" is not a valid date-time`);
  return new Date(ms);
}

/** Flags of `connections:resume`: an unknown flag, a flag without its value or a positional argument is a usage error. */
export function parseResumeArgs(argv: string[]): ResumeArgs {
  let values: { org?: string; 'failed-since'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { org: { type: 'string' }, 'failed-since': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    // node:util's messages name the flag ("Unknown option '--orgs'", "Option '--org <value>' argument missing").
    throw new UsageError(err instanceof Error ? err.message.split(/\.\s/)[0] : String(err));
  }
  const org = values.org?.trim();
  if (values.org !== undefined && !org) throw new UsageError('--org needs a value: a Clerk organization id (org_…) or an organization uuid');
  return { help: values.help ?? false, org, failedSince: values['failed-since'] === undefined ? undefined : parseInstant(values['failed-since']) };
}

export interface ResumeDeps {
  dataSource: DataSource;
  workflows: ConnectionWorkflows;
  /** One line of progress (stdout in the CLI). */
  print(line: string): void;
}

export interface ResumeSummary {
  matched: number;
  resumed: number;
  /** No longer failed when its turn came (resumed, deleted or paused meanwhile). */
  skipped: number;
  errors: number;
}

interface FailedRow {
  id: string;
  org_id: string;
  clerk_org_id: string;
  provider: Provider;
  failed_at: Date;
  last_error: { code?: string } | null;
}

/** The organization an operator named, by either id; a name that matches none is a usage error. */
async function resolveOrganization(ds: DataSource, org: string): Promise<{ id: string; clerkOrgId: string }> {
  const column = UUID.test(org) ? 'id' : 'clerk_org_id';
  const [row]: Array<{ id: string; clerk_org_id: string }> = await ds.query(`SELECT id, clerk_org_id FROM organizations WHERE ${column} = $1`, [org]);
  if (!row) throw new UsageError(`--org ${org}: no such organization (give its Clerk id, org_…, or its uuid)`);
  return { id: row.id, clerkOrgId: row.clerk_org_id };
}

const describeFilter = (filter: ResumeFilter, org?: { id: string; clerkOrgId: string }) => [
  org ? `organization ${org.clerkOrgId} (${org.id})` : 'every organization',
  filter.failedSince ? `failed since ${filter.failedSince.toISOString()}` : 'failed at any time',
].join(', ');

/**
 * Resumes failed connections in bulk (after an outage of ours failed them, for instance): each gets `resume`, or a
 * new poller when its workflow is gone, exactly as replacing the key does. "Failed at" is the connection's last
 * poll, which is the poll that failed it: a failed connection is not polled again until it is resumed.
 */
export async function resumeFailedConnections(deps: ResumeDeps, filter: ResumeFilter): Promise<ResumeSummary> {
  const org = filter.org === undefined ? undefined : await resolveOrganization(deps.dataSource, filter.org);
  const params: unknown[] = [];
  const conditions = [`c.status = 'failed'`];
  if (org) conditions.push(`c.org_id = $${params.push(org.id)}`);
  if (filter.failedSince) conditions.push(`COALESCE(c.last_polled_at, c.updated_at) >= $${params.push(filter.failedSince)}`);
  const rows: FailedRow[] = await deps.dataSource.query(
    `SELECT c.id, c.org_id, o.clerk_org_id, c.provider, COALESCE(c.last_polled_at, c.updated_at) AS failed_at, c.last_error
       FROM provider_connections c JOIN organizations o ON o.id = c.org_id
      WHERE ${conditions.join(' AND ')}
      ORDER BY failed_at, c.id`,
    params,
  );

  const requestId = `connections-resume-${randomUUID()}`;
  deps.print(`${rows.length} failed connection(s) match: ${describeFilter(filter, org)} (request id ${requestId})`);
  const summary: ResumeSummary = { matched: rows.length, resumed: 0, skipped: 0, errors: 0 };
  for (const row of rows) {
    const what = `${row.id} org=${row.clerk_org_id} provider=${row.provider} failed=${new Date(row.failed_at).toISOString()} lastError=${row.last_error?.code ?? '-'}`;
    try {
      // The user may have replaced the key or deleted the connection since the list was read: never restart a
      // poller for a deleted connection.
      const [current]: Array<{ status: string }> = await deps.dataSource.query(`SELECT status FROM provider_connections WHERE id = $1`, [row.id]);
      if (current?.status !== 'failed') {
        summary.skipped += 1;
        deps.print(`skipped ${what}: now ${current?.status ?? 'gone'}`);
        continue;
      }
      await deps.workflows.resumeOrStart({ connectionId: row.id, orgId: row.org_id, provider: row.provider, requestId });
      summary.resumed += 1;
      deps.print(`resumed ${what}`);
    } catch (err) {
      summary.errors += 1;
      deps.print(`error   ${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  deps.print(`resumed ${summary.resumed} of ${summary.matched} failed connection(s); ${summary.skipped} skipped, ${summary.errors} error(s)`);
  return summary;
}
