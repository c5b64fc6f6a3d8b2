import { randomUUID } from 'node:crypto';
import type { Response } from 'superagent';
import { mintClerkToken, type ClerkTestKeys } from './clerk';
import type { TestApi } from './api';

export interface PackOrg { id: string; admin: string; member: string }

/** An organization on `plan`, created by its first request, with an admin's and a member's token. */
export async function packOrg(api: TestApi, keys: ClerkTestKeys, plan: 'free' | 'pro' | 'enterprise'): Promise<PackOrg> {
  const orgId = `org_packs_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = `Bearer ${mintClerkToken(keys, { orgId, orgRole: 'admin', expiresIn: 3600 })}`;
  const member = `Bearer ${mintClerkToken(keys, { orgId, orgRole: 'member', userId: 'user_member', expiresIn: 3600 })}`;
  const me = await api.http.get('/api/v1/me').set('Authorization', admin);
  expect({ status: me.status, body: me.body }).toMatchObject({ status: 200 });
  await api.deps.dataSource.query(`UPDATE organizations SET plan = $2 WHERE id = $1`, [me.body.organization.id, plan]);
  return { id: me.body.organization.id, admin, member };
}

/** supertest parser that keeps a binary body as one Buffer. */
export const binary = (res: Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};
