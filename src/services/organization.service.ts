import type { DataSource, EntityManager } from 'typeorm';
import { OrganizationEntity } from '../db/entities';
import { notFound } from '../errors';

export interface ResolveOrganizationInput { clerkOrgId: string; name?: string }

/** Organizations are created on first authenticated use, each with its one default project. */
export class OrganizationService {
  constructor(private readonly ds: DataSource) {}

  async getById(orgId: string): Promise<OrganizationEntity> {
    const org = await this.ds.getRepository(OrganizationEntity).findOneBy({ id: orgId });
    if (!org) throw notFound('organization');
    return org;
  }

  /** Finds or creates the organization for a Clerk org id; safe under concurrent first requests. */
  async resolve(input: ResolveOrganizationInput): Promise<OrganizationEntity> {
    const repo = this.ds.getRepository(OrganizationEntity);
    const existing = await repo.findOneBy({ clerkOrgId: input.clerkOrgId });
    if (existing) return existing;
    return this.ds.transaction(async (tx) => {
      const inserted: Array<{ id: string }> = await tx.query(
        `INSERT INTO organizations (clerk_org_id, name) VALUES ($1, $2) ON CONFLICT (clerk_org_id) DO NOTHING RETURNING id`,
        [input.clerkOrgId, input.name ?? input.clerkOrgId],
      );
      if (inserted[0]) await this.createDefaultProject(tx, inserted[0].id);
      return tx.getRepository(OrganizationEntity).findOneByOrFail({ clerkOrgId: input.clerkOrgId });
    });
  }

  private async createDefaultProject(tx: EntityManager, orgId: string): Promise<void> {
    await tx.query(`INSERT INTO projects (org_id, name, slug, is_default) VALUES ($1, 'Default', 'default', true) ON CONFLICT DO NOTHING`, [orgId]);
  }
}
