import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

export interface TestTenant { orgId: string; clerkOrgId: string; projectId: string }

/** An organization with its default project, as the API creates them on first use. */
export async function createTenant(ds: DataSource, name = 'Test org'): Promise<TestTenant> {
  const clerkOrgId = `org_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const [org] = await ds.query(`INSERT INTO organizations (clerk_org_id, name) VALUES ($1, $2) RETURNING id`, [clerkOrgId, name]);
  const [project] = await ds.query(`INSERT INTO projects (org_id, name, slug, is_default) VALUES ($1, 'Default', 'default', true) RETURNING id`, [org.id]);
  return { orgId: org.id, clerkOrgId, projectId: project.id };
}

export interface TestConnection { id: string; orgId: string; projectId: string; provider: string }

/** A connection row (no secret, no workflow): for services that only need the row. */
export async function createConnectionRow(ds: DataSource, tenant: TestTenant, provider = 'openai', projectId = tenant.projectId): Promise<TestConnection> {
  const id = randomUUID();
  await ds.query(
    `INSERT INTO provider_connections (id, org_id, project_id, provider, name, key_hint, workflow_id) VALUES ($1, $2, $3, $4, $5, '1234', $6)`,
    [id, tenant.orgId, projectId, provider, `${provider} test`, `connection:${id}`],
  );
  return { id, orgId: tenant.orgId, projectId, provider };
}
