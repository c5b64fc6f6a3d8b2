import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Response } from 'superagent';
import { createReceiptStorage, S3ReceiptStorage } from '../../../../src/receipts/pdf/receipt-storage';
import { insertReceiptRow, storeRenderedPdf } from '../../../factories/receipts';
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { MOTO_CLIENT } from '../../secrets/moto-endpoint';

const keys = createClerkTestKeys();
let api: TestApi;

const binary = (res: Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

/** An organization on `plan`, with a member's token. */
async function org(on: TestApi, plan: 'free' | 'pro'): Promise<{ id: string; member: string }> {
  const member = `Bearer ${mintClerkToken(keys, { orgId: `org_pdf_${Date.now()}_${Math.floor(Math.random() * 1e6)}`, orgRole: 'member' })}`;
  const me = await on.http.get('/api/v1/me').set('Authorization', member);
  expect({ status: me.status, body: me.body }).toMatchObject({ status: 200 });
  await on.deps.dataSource.query(`UPDATE organizations SET plan = $2 WHERE id = $1`, [me.body.organization.id, plan]);
  return { id: me.body.organization.id, member };
}

beforeAll(async () => { api = await startTestApi(testConfig({}, keys)); });
afterAll(async () => api?.close());

describe('GET /api/v1/receipts/:id/pdf', () => {
  it('streams a rendered PDF from local storage', async () => {
    const a = await org(api, 'pro');
    const receipt = await insertReceiptRow(api.deps.dataSource, { orgId: a.id });
    await storeRenderedPdf(api.deps.dataSource, createReceiptStorage(api.deps.config.receipts, api.deps.config.aws), receipt, a.id);
    const res = await api.http.get(`/api/v1/receipts/${receipt.id}/pdf`).set('Authorization', a.member).buffer(true).parse(binary);
    expect({ status: res.status, type: res.type }).toEqual({ status: 200, type: 'application/pdf' });
    expect(res.headers['content-disposition']).toBe(`inline; filename="${receipt.serial}.pdf"`);
    expect((res.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('answers 409 while the PDF is pending or being retried, and 503 naming the missing browser when skipped', async () => {
    const a = await org(api, 'pro');
    const pending = await insertReceiptRow(api.deps.dataSource, { orgId: a.id });
    const res = await api.http.get(`/api/v1/receipts/${pending.id}/pdf`).set('Authorization', a.member);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT', details: { pdfStatus: 'pending' } } } });
    expect(res.headers['retry-after']).toBe('5');

    const skipped = await insertReceiptRow(api.deps.dataSource, { orgId: a.id }, { period: { start: '2026-10-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z' }, serial: 'CL-202610-00000' });
    await api.deps.dataSource.query(`UPDATE carbon_receipts SET pdf_status = 'skipped', pdf_error = 'chromium not found at /nowhere/chromium' WHERE id = $1`, [skipped.id]);
    const unavailable = await api.http.get(`/api/v1/receipts/${skipped.id}/pdf`).set('Authorization', a.member);
    expect({ status: unavailable.status, body: unavailable.body }).toMatchObject({
      status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('chromium not found at /nowhere/chromium'), details: { pdfStatus: 'skipped' } } },
    });
  });

  it('is 404 for another organization\'s receipt or an unknown id, 403 PLAN_REQUIRED on free, 401 without credentials', async () => {
    const a = await org(api, 'pro');
    const b = await org(api, 'pro');
    const receiptOfB = await insertReceiptRow(api.deps.dataSource, { orgId: b.id });
    await storeRenderedPdf(api.deps.dataSource, createReceiptStorage(api.deps.config.receipts, api.deps.config.aws), receiptOfB, b.id);
    const other = await api.http.get(`/api/v1/receipts/${receiptOfB.id}/pdf`).set('Authorization', a.member);
    expect({ status: other.status, code: other.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const unknown = await api.http.get('/api/v1/receipts/00000000-0000-4000-8000-000000000000/pdf').set('Authorization', a.member);
    expect(unknown.status).toBe(404);
    const free = await org(api, 'free');
    const gated = await api.http.get(`/api/v1/receipts/${receiptOfB.id}/pdf`).set('Authorization', free.member);
    expect({ status: gated.status, code: gated.body.error?.code }).toEqual({ status: 403, code: 'PLAN_REQUIRED' });
    expect((await api.http.get(`/api/v1/receipts/${receiptOfB.id}/pdf`)).status).toBe(401);
  });

  it('redirects to a presigned S3 link valid for five minutes (moto)', async () => {
    const bucket = `receipt-pdfs-${Date.now()}`;
    const s3api = await startTestApi(testConfig({ RECEIPT_STORAGE: 's3', S3_BUCKET: bucket }, keys));
    try {
      const client = new S3Client({ ...MOTO_CLIENT, endpoint: process.env.AWS_ENDPOINT_URL, forcePathStyle: true });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const a = await org(s3api, 'pro');
      const receipt = await insertReceiptRow(s3api.deps.dataSource, { orgId: a.id });
      const key = await storeRenderedPdf(s3api.deps.dataSource, new S3ReceiptStorage({ bucket, region: 'us-east-1', endpoint: process.env.AWS_ENDPOINT_URL }, client), receipt, a.id);
      const res = await s3api.http.get(`/api/v1/receipts/${receipt.id}/pdf`).set('Authorization', a.member).redirects(0);
      expect(res.status).toBe(302);
      const location = new URL(res.headers.location);
      expect(location.pathname).toBe(`/${bucket}/${key}`);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('300');
      const pdf = await fetch(location);
      expect({ status: pdf.status, head: Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString() }).toEqual({ status: 200, head: '%PDF-' });
    } finally {
      await s3api.close();
    }
  });
});
