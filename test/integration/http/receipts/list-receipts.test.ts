import { createClerkTestKeys } from '../../../helpers/clerk';
import { RECEIPT_API_BASE_URL, startReceiptApi, type ReceiptApi } from '../../../helpers/receipt-api';

const keys = createClerkTestKeys();
let env: ReceiptApi;

beforeAll(async () => { env = await startReceiptApi(keys, 'carbonplan_list_receipts'); }, 90_000);
afterAll(async () => env?.close());

describe('GET /api/v1/receipts', () => {
  it('lists the organization\'s receipts newest first, page by page', async () => {
    const a = await env.org('List Org');
    const issued = [];
    for (const month of ['2026-07', '2026-08', '2026-09']) issued.push(await env.issue(a, month));
    const first = await env.api.http.get('/api/v1/receipts?limit=2').set('Authorization', a.member);
    expect({ status: first.status, body: first.body }).toMatchObject({ status: 200 });
    expect(first.body.data.map((r: { serial: string }) => r.serial)).toEqual([issued[2].serial, issued[1].serial]);
    expect(first.body.data[0]).toEqual({
      id: issued[2].receiptId, serial: issued[2].serial, kind: 'period', adjusts: null,
      period: { start: '2026-09-01T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z' }, issuedAt: expect.any(String),
      co2eKg: { low: expect.any(String), central: expect.any(String), high: expect.any(String) }, keyId: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const next = await env.api.http.get(`/api/v1/receipts?limit=2&cursor=${first.body.nextCursor}`).set('Authorization', a.member);
    expect({ status: next.status, body: next.body }).toMatchObject({ status: 200, body: { data: [{ serial: issued[0].serial }], nextCursor: null } });
  });

  it('shows no other organization\'s receipt', async () => {
    const a = await env.org('Quiet Org');
    const b = await env.org('Other Org');
    await env.issue(b, '2026-07');
    const res = await env.api.http.get('/api/v1/receipts').set('Authorization', a.member);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { data: [], nextCursor: null } });
  });

  it('refuses a free organization with 403 PLAN_REQUIRED and an upgrade link, a bad cursor with 400, no credentials with 401', async () => {
    const free = await env.org('Free Org', 'free');
    const gated = await env.api.http.get('/api/v1/receipts').set('Authorization', free.member);
    expect({ status: gated.status, body: gated.body }).toMatchObject({
      status: 403, body: { error: { code: 'PLAN_REQUIRED', details: { upgradeUrl: expect.stringContaining(RECEIPT_API_BASE_URL) } } },
    });
    const a = await env.org('Cursor Org');
    const bad = await env.api.http.get('/api/v1/receipts?cursor=not-a-cursor').set('Authorization', a.member);
    expect({ status: bad.status, code: bad.body.error?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect((await env.api.http.get('/api/v1/receipts')).status).toBe(401);
  });
});
