import { canonicalize } from '../../../../src/receipts/canonical-json';
import { createClerkTestKeys } from '../../../helpers/clerk';
import { pathOf, RECEIPT_API_BASE_URL, startReceiptApi, type ReceiptApi } from '../../../helpers/receipt-api';

const keys = createClerkTestKeys();
let env: ReceiptApi;

beforeAll(async () => { env = await startReceiptApi(keys, 'carbonplan_get_receipt'); }, 90_000);
afterAll(async () => env?.close());

describe('GET /api/v1/receipts/:id', () => {
  it('answers the signed payload, signature, key id, credits, PDF status and a working verifyUrl', async () => {
    const a = await env.org('Detail Org');
    const issued = await env.issue(a, '2026-10');
    const res = await env.api.http.get(`/api/v1/receipts/${issued.receiptId}`).set('Authorization', a.member);
    expect({ status: res.status, body: res.body }).toMatchObject({
      status: 200,
      body: { id: issued.receiptId, serial: issued.serial, kind: 'period', pdf: { status: 'pending' }, payload: { serial: issued.serial, organization: { name: 'Detail Org' } } },
    });
    const { body } = res;
    expect(body.keyId).toBe(body.payload.keyId);
    expect(body.credits).toEqual(body.payload.credits);
    expect(body.credits.retirements.length).toBeGreaterThan(0);
    expect(body.signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(body.verifyUrl).toMatch(new RegExp(`^${RECEIPT_API_BASE_URL}/public/receipts/verify/${issued.serial}\\?code=[0-9A-Z]{20}$`));
    const verified = await env.api.http.get(pathOf(body.verifyUrl));
    expect({ status: verified.status, valid: verified.body.valid, payloadSha256: verified.body.payloadSha256, canonical: verified.body.canonical })
      .toEqual({ status: 200, valid: true, payloadSha256: body.payloadSha256, canonical: canonicalize(body.payload) });
  });

  it('is 404 for another organization\'s receipt or an unknown id, 400 for a malformed id', async () => {
    const a = await env.org('Tenant A');
    const b = await env.org('Tenant B');
    const ofB = await env.issue(b, '2026-10');
    const other = await env.api.http.get(`/api/v1/receipts/${ofB.receiptId}`).set('Authorization', a.member);
    expect({ status: other.status, code: other.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(other.text).not.toContain(ofB.serial);
    const unknown = await env.api.http.get('/api/v1/receipts/00000000-0000-4000-8000-000000000000').set('Authorization', a.member);
    expect(unknown.status).toBe(404);
    const malformed = await env.api.http.get('/api/v1/receipts/nope').set('Authorization', a.member);
    expect({ status: malformed.status, field: malformed.body.error?.field }).toEqual({ status: 400, field: 'params.id' });
  });

  it('is 403 PLAN_REQUIRED on the free plan and 401 without credentials', async () => {
    const free = await env.org('Free Detail Org', 'free');
    const issued = await env.issue(free, '2026-10');
    const gated = await env.api.http.get(`/api/v1/receipts/${issued.receiptId}`).set('Authorization', free.member);
    expect({ status: gated.status, code: gated.body.error?.code, upgradeUrl: gated.body.error?.details?.upgradeUrl })
      .toEqual({ status: 403, code: 'PLAN_REQUIRED', upgradeUrl: expect.any(String) });
    expect((await env.api.http.get(`/api/v1/receipts/${issued.receiptId}`)).status).toBe(401);
  });
});
