import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createAuditPackStorage, S3AuditPackStorage } from '../../../../src/services/audit-packs/audit-pack-storage';
import { storeAuditPack } from '../../../factories/audit-packs';
import { createClerkTestKeys } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { binary, packOrg } from '../../../helpers/audit-pack-api';
import { MOTO_CLIENT } from '../../secrets/moto-endpoint';

const keys = createClerkTestKeys();
let api: TestApi;

beforeAll(async () => { api = await startTestApi(testConfig({ AUDIT_PACK_STORAGE: 'local' }, keys)); });
afterAll(async () => api?.close());

const storeLocal = (orgId: string, month: string, version: number) =>
  storeAuditPack(api.deps.dataSource, createAuditPackStorage(api.deps.config.auditPacks, api.deps.config.aws), orgId, month, version);

describe('GET /api/v1/audit-packs/:id/download', () => {
  it('streams the stored zip, byte for byte, as an attachment named after the month and version', async () => {
    const org = await packOrg(api, keys, 'pro');
    await storeLocal(org.id, '2025-05', 1);
    const pack = await storeLocal(org.id, '2025-05', 2);
    const res = await api.http.get(`/api/v1/audit-packs/${pack.id}/download`).set('Authorization', org.member).buffer(true).parse(binary);
    expect({ status: res.status, type: res.type }).toEqual({ status: 200, type: 'application/zip' });
    expect(res.headers['content-disposition']).toBe('attachment; filename="carbonplan-audit-pack-2025-05-v2.zip"');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(Buffer.compare(res.body as Buffer, pack.bytes)).toBe(0);
  });

  it('is 404 for another organization\'s pack or an unknown id, 403 PLAN_REQUIRED on free, 401 without credentials', async () => {
    const a = await packOrg(api, keys, 'pro');
    const b = await packOrg(api, keys, 'pro');
    const ofB = await storeLocal(b.id, '2025-05', 1);
    const other = await api.http.get(`/api/v1/audit-packs/${ofB.id}/download`).set('Authorization', a.admin);
    expect({ status: other.status, code: other.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const unknown = await api.http.get('/api/v1/audit-packs/00000000-0000-4000-8000-000000000000/download').set('Authorization', a.member);
    expect({ status: unknown.status, code: unknown.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const notAnId = await api.http.get('/api/v1/audit-packs/not-an-id/download').set('Authorization', a.member);
    expect({ status: notAnId.status, field: notAnId.body.error?.field }).toEqual({ status: 400, field: 'params.id' });
    const free = await packOrg(api, keys, 'free');
    const gated = await api.http.get(`/api/v1/audit-packs/${ofB.id}/download`).set('Authorization', free.member);
    expect({ status: gated.status, code: gated.body.error?.code }).toEqual({ status: 403, code: 'PLAN_REQUIRED' });
    expect((await api.http.get(`/api/v1/audit-packs/${ofB.id}/download`)).status).toBe(401);
    // B itself gets its pack: the 404 above was tenancy, not a missing file.
    expect((await api.http.get(`/api/v1/audit-packs/${ofB.id}/download`).set('Authorization', b.member)).status).toBe(200);
  });

  it('redirects to a presigned S3 link valid for five minutes that serves the zip (moto)', async () => {
    const bucket = `audit-packs-${Date.now()}`;
    const s3api = await startTestApi(testConfig({ AUDIT_PACK_STORAGE: 's3', S3_BUCKET: bucket }, keys));
    try {
      const client = new S3Client({ ...MOTO_CLIENT, endpoint: process.env.AWS_ENDPOINT_URL, forcePathStyle: true });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const org = await packOrg(s3api, keys, 'enterprise');
      const storage = new S3AuditPackStorage({ bucket, region: 'us-east-1', endpoint: process.env.AWS_ENDPOINT_URL }, client);
      const pack = await storeAuditPack(s3api.deps.dataSource, storage, org.id, '2025-08', 1);
      const res = await s3api.http.get(`/api/v1/audit-packs/${pack.id}/download`).set('Authorization', org.member).redirects(0);
      expect(res.status).toBe(302);
      const location = new URL(res.headers.location);
      expect(location.pathname).toBe(`/${bucket}/${pack.objectKey}`);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('300');
      const zip = await fetch(location);
      expect(zip.status).toBe(200);
      expect(Buffer.compare(Buffer.from(await zip.arrayBuffer()), pack.bytes)).toBe(0);
      // Another organization of the same server gets no link.
      const other = await packOrg(s3api, keys, 'pro');
      const refused = await s3api.http.get(`/api/v1/audit-packs/${pack.id}/download`).set('Authorization', other.member).redirects(0);
      expect({ status: refused.status, location: refused.headers.location }).toEqual({ status: 404, location: undefined });
    } finally {
      await s3api.close();
    }
  });
});
