import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import type { CreateProjectRequest, Project, UpdateProjectRequest } from '../../../contracts/projects';
import { AppError, notFound } from '../../errors';
import { decodeCursor, toPage } from '../pagination';

const SLUG_MAX = 60;
const SLUG_CONSTRAINT = 'projects_org_slug_key';
/** Attempts at a derived slug when concurrent creates keep taking the candidate. */
const DERIVE_ATTEMPTS = 5;

interface ProjectRow { id: string; name: string; slug: string; isDefault: boolean; createdAt: Date; updatedAt: Date; activeConnections: number }

// "Active" means not deleted: paused and failed connections still poll again once fixed, so they block deletion too.
const SELECT_PROJECTS = `
  SELECT p.id, p.name, p.slug, p.is_default AS "isDefault", p.created_at AS "createdAt", p.updated_at AS "updatedAt",
         (SELECT count(*)::int FROM provider_connections c WHERE c.project_id = p.id AND c.org_id = p.org_id AND c.status <> 'deleted') AS "activeConnections"
    FROM projects p`;

function toProjectContract(row: ProjectRow): Project {
  return {
    id: row.id, name: row.name, slug: row.slug, isDefault: row.isDefault, createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(), activeConnections: row.activeConnections,
  };
}

/** `Café Zürich & Co.` → `cafe-zurich-co`; names without a single latin letter or digit become `project`. */
export function slugFromName(name: string): string {
  const slug = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').slice(0, SLUG_MAX).replace(/^-+|-+$/g, '');
  return slug || 'project';
}

/** `base`, else the first free `base-N` (N ≥ 2), shortening `base` so the result stays within 60 characters. */
function firstFreeSlug(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, SLUG_MAX - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

const isViolation = (err: unknown, code: '23505' | '23503', constraint?: string): boolean => {
  if (!(err instanceof QueryFailedError)) return false;
  const driverError = err.driverError as { code?: string; constraint?: string };
  return driverError.code === code && (constraint === undefined || driverError.constraint === constraint);
};

const slugTaken = (slug: string) => new AppError('CONFLICT', `a project with slug "${slug}" already exists in this organization`, { field: 'body.slug', details: { slug } });

/**
 * Projects group connections and their usage. Every organization has exactly one default project (created with
 * the organization, enforced by a partial unique index); every lookup is scoped by organization, so another
 * organization's id is simply "not found".
 */
export class ProjectService {
  constructor(private readonly ds: DataSource) {}

  async list(orgId: string, limit: number, cursor?: string): Promise<{ data: Project[]; nextCursor: string | null }> {
    const after = decodeCursor(cursor);
    // The cursor carries milliseconds and Postgres keeps microseconds: compare and order on the same truncated
    // value, or the last row of a page would come back on the next one.
    const createdMs = `date_trunc('milliseconds', p.created_at)`;
    const params: unknown[] = [orgId, limit + 1];
    let where = 'p.org_id = $1';
    if (after) {
      params.push(after.createdAt, after.id);
      where += ` AND (${createdMs}, p.id) > ($3::timestamptz, $4::uuid)`;
    }
    const rows: ProjectRow[] = await this.ds.query(`${SELECT_PROJECTS} WHERE ${where} ORDER BY ${createdMs}, p.id LIMIT $2`, params);
    return toPage(rows, limit, toProjectContract);
  }

  async get(orgId: string, id: string): Promise<Project> {
    return toProjectContract(await this.findRow(this.ds.manager, orgId, id));
  }

  async create(orgId: string, input: CreateProjectRequest): Promise<Project> {
    if (input.slug) {
      try {
        return await this.insert(orgId, input.name, input.slug);
      } catch (err) {
        if (isViolation(err, '23505', SLUG_CONSTRAINT)) throw slugTaken(input.slug);
        throw err;
      }
    }
    const base = slugFromName(input.name);
    for (let attempt = 1; ; attempt++) {
      const taken: Array<{ slug: string }> = await this.ds.query(`SELECT slug FROM projects WHERE org_id = $1`, [orgId]);
      const slug = firstFreeSlug(base, new Set(taken.map((t) => t.slug)));
      try {
        return await this.insert(orgId, input.name, slug);
      } catch (err) {
        // A concurrent create took the same candidate: look again.
        if (!isViolation(err, '23505', SLUG_CONSTRAINT)) throw err;
        if (attempt === DERIVE_ATTEMPTS) throw new AppError('CONFLICT', `could not find a free slug for "${input.name}"; pass one explicitly`, { field: 'body.slug' });
      }
    }
  }

  /** Renames, re-slugs and/or makes the project the default; the slug is not re-derived on rename (links stay valid). */
  async update(orgId: string, id: string, input: UpdateProjectRequest): Promise<Project> {
    try {
      await this.ds.transaction(async (tx) => {
        // Serializes default switches per organization: two concurrent switches would otherwise each clear the
        // old default and collide on the one-default index.
        if (input.isDefault) await tx.query(`SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, [orgId]);
        const row = await this.findRow(tx, orgId, id, { lock: true });
        if (input.name !== undefined || input.slug !== undefined) {
          await tx.query(
            `UPDATE projects SET name = $3, slug = $4, updated_at = now() WHERE id = $1 AND org_id = $2`,
            [id, orgId, input.name ?? row.name, input.slug ?? row.slug],
          );
        }
        if (input.isDefault && !row.isDefault) {
          await tx.query(`UPDATE projects SET is_default = false, updated_at = now() WHERE org_id = $1 AND is_default`, [orgId]);
          await tx.query(`UPDATE projects SET is_default = true, updated_at = now() WHERE id = $1 AND org_id = $2`, [id, orgId]);
        }
      });
    } catch (err) {
      if (input.slug && isViolation(err, '23505', SLUG_CONSTRAINT)) throw slugTaken(input.slug);
      throw err;
    }
    return this.get(orgId, id);
  }

  /**
   * Deletes a project that has nothing attributed to it. Refused (409) for the default project, for a project
   * with connections that are not deleted, and for a project with usage history: usage_events and usage_rollups
   * must stay attributable to the project they were measured under, and moving them to another project would
   * silently rewrite reports, so nothing is moved. Deleted connections are tombstones with no history left
   * here, so they are re-pointed at the default project (their project_id FK would otherwise block the delete).
   */
  async delete(orgId: string, id: string): Promise<void> {
    try {
      await this.ds.transaction(async (tx) => {
        const project = await this.findRow(tx, orgId, id, { lock: true });
        if (project.isDefault) throw new AppError('CONFLICT', 'the default project cannot be deleted; make another project the default first');

        const connections: Array<{ id: string; name: string }> = await tx.query(
          `SELECT id, name FROM provider_connections WHERE project_id = $1 AND org_id = $2 AND status <> 'deleted' ORDER BY created_at, id`,
          [id, orgId],
        );
        if (connections.length > 0) {
          const named = connections.map((c) => `"${c.name}" (${c.id})`).join(', ');
          throw new AppError(
            'CONFLICT',
            `project "${project.name}" still has ${connections.length} connection(s): ${named}; delete them or move them to another project first`,
            { details: { connections } },
          );
        }

        const [usage]: Array<{ usageEvents: number; usageRollups: number }> = await tx.query(
          `SELECT (SELECT count(*)::int FROM usage_events WHERE project_id = $1 AND org_id = $2) AS "usageEvents",
                  (SELECT count(*)::int FROM usage_rollups WHERE project_id = $1 AND org_id = $2) AS "usageRollups"`,
          [id, orgId],
        );
        if (usage.usageEvents > 0 || usage.usageRollups > 0) {
          throw new AppError(
            'CONFLICT',
            `project "${project.name}" has usage history (${usage.usageEvents} usage event(s), ${usage.usageRollups} daily rollup(s)) that stays attributed to it, so it cannot be deleted; rename it instead`,
            { details: usage },
          );
        }

        const [defaultProject]: Array<{ id: string }> = await tx.query(`SELECT id FROM projects WHERE org_id = $1 AND is_default`, [orgId]);
        if (!defaultProject) throw new Error(`organization ${orgId} has no default project`);
        await tx.query(
          `UPDATE provider_connections SET project_id = $3, updated_at = now() WHERE project_id = $1 AND org_id = $2 AND status = 'deleted'`,
          [id, orgId, defaultProject.id],
        );
        await tx.query(`DELETE FROM projects WHERE id = $1 AND org_id = $2`, [id, orgId]);
      });
    } catch (err) {
      // Something was attributed to the project between the checks and the delete (the FKs are RESTRICT).
      if (isViolation(err, '23503')) throw new AppError('CONFLICT', 'the project gained connections or usage while it was being deleted; nothing was deleted, check and retry');
      throw err;
    }
  }

  private async insert(orgId: string, name: string, slug: string): Promise<Project> {
    const [inserted]: Array<{ id: string }> = await this.ds.query(
      `INSERT INTO projects (org_id, name, slug, is_default) VALUES ($1, $2, $3, false) RETURNING id`,
      [orgId, name, slug],
    );
    return this.get(orgId, inserted.id);
  }

  private async findRow(db: EntityManager, orgId: string, id: string, options: { lock?: boolean } = {}): Promise<ProjectRow> {
    const [row]: ProjectRow[] = await db.query(`${SELECT_PROJECTS} WHERE p.id = $1 AND p.org_id = $2${options.lock ? ' FOR UPDATE OF p' : ''}`, [id, orgId]);
    if (!row) throw notFound('project');
    return row;
  }
}
