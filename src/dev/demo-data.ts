// `npm run demo` (`npm start -- --demo`): a year of realistic usage in the local organization, so that every
// telemetry endpoint has something to show on first run. Everything is derived from the organization id and the
// absolute bucket time, never from a running random state or from "now": a re-run (even hours later) produces the
// very same buckets for the hours it shares with the previous run, which IngestService then leaves unchanged.
import type { DataSource } from 'typeorm';
import type { Provider, UsageBucket } from '../../contracts/usage';
import { FactorSetRepository } from '../services/telemetry/factor-sets';
import { IngestService, type IngestTarget } from '../services/telemetry/ingest.service';
import { CONNECTIONS, DAY_MS, demoConnectionId, generateDemoBuckets, PROJECTS, YEAR_DAYS, type ConnectionSpec, type ProjectSpec } from './demo-usage';

export { demoConnectionId, generateDemoBuckets } from './demo-usage';

export interface SeedDemoDataOptions {
  dataSource: DataSource;
  orgId: string;
  /** The data ends at the start of this hour (OpenRouter: of this UTC day); it starts 365 days earlier. */
  now: Date;
  log?: (line: string) => void;
  /** Checked between pages: an aborted seeding stops after the page in flight (each page is one transaction). */
  signal?: AbortSignal;
  pageSize?: number;
}

export interface DemoProject { id: string; name: string; slug: string }
export interface DemoConnection { id: string; provider: Provider; name: string; projectId: string }
export interface DemoDataResult {
  projects: DemoProject[];
  connections: DemoConnection[];
  /** Buckets generated and handed to IngestService (each is one usage event). */
  events: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** First day with data (YYYY-MM-DD), for a summary query that covers all of it. */
  fromDay: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness: every draw is a pure function of a string key.

// Math's functions as locals: hot loops under Jest's vm context pay for every global lookup.


// ---------------------------------------------------------------------------------------------------------------
// Rows: projects and connections, found again on a re-run.

async function ensureProject(ds: DataSource, orgId: string, spec: ProjectSpec): Promise<DemoProject> {
  type Row = { id: string; name: string; slug: string };
  const find = async (): Promise<Row | undefined> => {
    // The default project is whichever the organization has, even renamed; the others are found by slug.
    const rows: Row[] = spec.isDefault
      ? await ds.query(`SELECT id, name, slug FROM projects WHERE org_id = $1 AND is_default`, [orgId])
      : await ds.query(`SELECT id, name, slug FROM projects WHERE org_id = $1 AND slug = $2`, [orgId, spec.slug]);
    return rows[0];
  };
  const existing = await find();
  if (existing) return existing;
  await ds.query(
    `INSERT INTO projects (org_id, name, slug, is_default) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [orgId, spec.name, spec.slug, spec.isDefault],
  );
  const created = await find();
  if (!created) throw new Error(`could not create the demo project "${spec.name}" (slug ${spec.slug} is taken?)`);
  return created;
}

/**
 * A paused connection without a key: nothing polls it. Created once with a deterministic id; afterwards it is
 * left as the user made it (renamed, moved to another project, deleted).
 */
async function ensureConnection(ds: DataSource, orgId: string, spec: ConnectionSpec, projectId: string, createdAt: Date) {
  const id = demoConnectionId(orgId, spec.key);
  await ds.query(
    `INSERT INTO provider_connections (id, org_id, project_id, provider, name, key_hint, status, workflow_id, created_at)
     VALUES ($1, $2, $3, $4, $5, 'demo', 'paused', $6, $7) ON CONFLICT (id) DO NOTHING`,
    [id, orgId, projectId, spec.provider, spec.name, `demo:${id}`, createdAt],
  );
  const [row]: Array<{ id: string; org_id: string; project_id: string; name: string; status: string }> =
    await ds.query(`SELECT id, org_id, project_id, name, status FROM provider_connections WHERE id = $1`, [id]);
  if (row.org_id !== orgId) throw new Error(`demo connection ${id} belongs to another organization`);
  return row;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Fills the organization with the demo projects, connections and a year of usage. Safe to run again. */
export async function seedDemoData(options: SeedDemoDataOptions): Promise<DemoDataResult> {
  const { dataSource: ds, orgId, now, signal } = options;
  const log = options.log ?? (() => undefined);
  const pageSize = options.pageSize ?? 2000;
  const startedAt = Date.now();

  const projects = new Map<string, DemoProject>();
  for (const spec of PROJECTS) projects.set(spec.slug, await ensureProject(ds, orgId, spec));

  const firstDayMs = Math.floor(now.getTime() / DAY_MS) * DAY_MS - YEAR_DAYS * DAY_MS;
  const connections: DemoConnection[] = [];
  const work: Array<{ target: IngestTarget; buckets: UsageBucket[] }> = [];
  for (const spec of CONNECTIONS) {
    const row = await ensureConnection(ds, orgId, spec, projects.get(spec.projectSlug)!.id, new Date(firstDayMs));
    if (row.status === 'deleted') {
      log(`demo data: "${row.name}" was deleted; leaving it alone`);
      continue;
    }
    connections.push({ id: row.id, provider: spec.provider, name: row.name, projectId: row.project_id });
    // New usage goes where the connection is now, as the poller would do.
    work.push({ target: { id: row.id, orgId, projectId: row.project_id, provider: spec.provider }, buckets: generateDemoBuckets(orgId, spec.key, now) });
  }

  const total = work.reduce((n, w) => n + w.buckets.length, 0);
  log(`demo data: a year of usage for ${connections.length} connection(s) in ${projects.size} projects, ${fmt(total)} events`);
  const ingest = new IngestService(ds, new FactorSetRepository(ds));
  const result: DemoDataResult = {
    projects: [...projects.values()], connections, events: total, inserted: 0, updated: 0, unchanged: 0, fromDay: new Date(firstDayMs).toISOString().slice(0, 10),
  };
  let done = 0;
  let reported = 0;
  for (const { target, buckets } of work) {
    for (let i = 0; i < buckets.length; i += pageSize) {
      signal?.throwIfAborted();
      const page = buckets.slice(i, i + pageSize);
      const r = await ingest.ingest(target, page);
      result.inserted += r.inserted;
      result.updated += r.updated;
      result.unchanged += r.unchanged;
      done += page.length;
      const percent = Math.floor((done / total) * 10) * 10;
      if (percent > reported && percent < 100) {
        reported = percent;
        log(`demo data: ${percent}% (${fmt(done)} events)`);
      }
    }
  }
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  log(`demo data: done, ${fmt(total)} events (${fmt(result.inserted)} new, ${fmt(result.updated)} updated, ${fmt(result.unchanged)} unchanged) in ${seconds} s`);
  return result;
}
