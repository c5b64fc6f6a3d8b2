import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DISCLOSURE_SCHEMA } from '../../../contracts/disclosure';
import { loadMonthReceipts, type MonthRange, type MonthReceipt } from './pack-month';

type Queryable = Pick<EntityManager, 'query'>;

/**
 * The pack's own format. Bump it when the builder writes different files from the same data: every month's inputs
 * then differ from the stored ones and the next build makes a new version.
 */
export const PACK_FORMAT = 'carbonplan.audit-pack/v1';

export interface PackInputs {
  /** SHA-256 (hex) over everything below and the formats: equal inputs, equal pack content. */
  sha256: string;
  /** Usage events of the month (current revisions). */
  events: number;
  receipts: MonthReceipt[];
  /** Factor set versions the pack's rows and receipts use, sorted. */
  factorVersions: string[];
  orgName: string;
}

// The month's events digested in SQL, in id order, a chunk of ids at a time (bounded memory in Postgres as well):
// each event's id, revision (bumped by every change of its numbers), project and factor version.
const EVENTS_DIGEST = `
  WITH ev AS MATERIALIZED (SELECT id, revision, project_id, factor_version FROM usage_events
                            WHERE org_id = $1 AND bucket_start >= $2 AND bucket_start < $3),
       chunks AS (SELECT id / 100000 AS c, count(*) AS n,
                         sha256(convert_to(string_agg(id::text || ':' || revision || ':' || project_id || ':' || factor_version, ',' ORDER BY id), 'UTF8')) AS h
                    FROM ev GROUP BY 1)
  SELECT (SELECT coalesce(sum(n), 0) FROM chunks)::text AS events,
         encode(sha256(coalesce((SELECT string_agg(h, ''::bytea ORDER BY c) FROM chunks), ''::bytea)), 'hex') AS digest,
         coalesce((SELECT array_agg(DISTINCT factor_version) FROM ev), '{}') AS versions`;

/**
 * What an organization's pack of a month depends on, and its fingerprint: the month's events (exact digest of
 * id and revision), its receipts (serial, payload digest, whether the PDF is stored, log index), the factor set
 * versions, the organization's and projects' names (printed in the disclosure), and the formats. Not the log's
 * newest checkpoint: other organizations' receipts move it, and any checkpoint covering the receipts will do.
 */
export async function packInputs(db: Queryable, orgId: string, range: MonthRange): Promise<PackInputs> {
  const [org]: Array<{ name: string }> = await db.query(`SELECT name FROM organizations WHERE id = $1`, [orgId]);
  if (!org) throw new Error(`organization ${orgId} does not exist`);
  const [events]: Array<{ events: string; digest: string; versions: string[] }> = await db.query(EVENTS_DIGEST, [orgId, range.start, range.end]);
  const receipts = await loadMonthReceipts(db, orgId, range);
  const projects: Array<{ id: string; name: string; slug: string }> = await db.query(`SELECT id, name, slug FROM projects WHERE org_id = $1 ORDER BY id`, [orgId]);
  const signedVersions = receipts.flatMap((r) => (JSON.parse(r.payload) as { factorVersions?: string[] }).factorVersions ?? []);
  const factorVersions = [...new Set([...events.versions, ...signedVersions])].sort();
  const described = {
    format: PACK_FORMAT,
    // A new disclosure schema is a new pack.
    disclosure: DISCLOSURE_SCHEMA,
    org: { id: orgId, name: org.name },
    projects: projects.map((p) => [p.id, p.name, p.slug]),
    events: { count: events.events, digest: events.digest },
    factorVersions,
    receipts: receipts.map((r) => [r.serial, r.payloadSha256, r.pdfObjectKey !== null, r.logIndex]),
  };
  return {
    sha256: createHash('sha256').update(JSON.stringify(described), 'utf8').digest('hex'),
    events: Number(events.events),
    receipts,
    factorVersions,
    orgName: org.name,
  };
}
