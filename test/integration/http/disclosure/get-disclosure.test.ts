import { Disclosure, MonthDisclosure, RangeDisclosure } from '../../../../contracts/disclosure';
import { DISCLOSURE_CSV_COLUMNS, DisclosureService } from '../../../../src/services/disclosure';
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startReceiptApi, type ReceiptApi } from '../../../helpers/receipt-api';

const keys = createClerkTestKeys();
let env: ReceiptApi;
let a: Awaited<ReturnType<ReceiptApi['org']>>;
let aSerial: string;

beforeAll(async () => {
  env = await startReceiptApi(keys, 'carbonplan_get_disclosure');
  a = await env.org('Disclosure HTTP Org');
  aSerial = (await env.issue(a, '2026-03')).serial;
  await env.issue(a, '2026-05');
}, 90_000);
afterAll(async () => env?.close());

const get = (query: string, auth: string | null = a.member) => {
  const req = env.api.http.get(`/api/v1/disclosure${query}`);
  return auth ? req.set('Authorization', auth) : req;
};
const withoutGeneratedAt = (doc: Disclosure) => ({ ...doc, generatedAt: '' });

describe('GET /api/v1/disclosure', () => {
  it('answers a year with the service\'s document: totals, months, the month\'s receipt', async () => {
    const res = await get('?year=2026');
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200 });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = RangeDisclosure.parse(res.body);
    expect(doc.period).toEqual({ kind: 'year', start: '2026-01-01', end: '2026-12-31', tz: 'UTC' });
    expect(doc.months.filter((m) => m.factorVersions.length > 0).map((m) => m.month)).toEqual(['2026-03', '2026-05']);
    expect(doc.months[2]).toMatchObject({ status: 'final', receipts: [aSerial] });
    expect(Number(doc.totals.co2eKg.central)).toBeGreaterThan(0);
    const direct = await new DisclosureService(env.api.deps.dataSource).range(a.orgId, '2026-01', '2026-12');
    expect(withoutGeneratedAt(doc)).toEqual(withoutGeneratedAt(direct));
  });

  it('answers one month with the month shape, and a range of months with the range shape', async () => {
    const month = await get('?from=2026-03&to=2026-03');
    expect(month.status).toBe(200);
    expect(MonthDisclosure.parse(month.body)).toMatchObject({ period: { kind: 'month', start: '2026-03-01', end: '2026-03-31' }, receipts: [{ serial: aSerial, kind: 'period' }] });
    const range = await get('?from=2025-11&to=2026-04');
    expect(range.status).toBe(200);
    expect(RangeDisclosure.parse(range.body)).toMatchObject({ period: { kind: 'range', start: '2025-11-01', end: '2026-04-30' }, coverage: { months: 6, monthsWithData: 1 } });
    expect(range.body.totals.co2eKg).toEqual(month.body.totals.co2eKg);
  });

  it('defaults to the current calendar year', async () => {
    const res = await get('');
    const year = new Date().getUTCFullYear();
    expect({ status: res.status, period: res.body.period }).toEqual({ status: 200, period: { kind: 'year', start: `${year}-01-01`, end: `${year}-12-31`, tz: 'UTC' } });
  });

  it('writes CSV with format=csv: the header and one row per line of the JSON', async () => {
    const json = await get('?year=2026');
    const res = await get('?year=2026&format=csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="carbonplan-disclosure-2026-01_2026-12.csv"');
    const rows = res.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe(DISCLOSURE_CSV_COLUMNS.join(','));
    expect(rows).toHaveLength(1 + json.body.lines.length);
    expect(rows.slice(1).map((r) => r.split(',')[DISCLOSURE_CSV_COLUMNS.indexOf('co2eKgHigh')])).toEqual(json.body.lines.map((l: { co2eKg: { high: string } }) => l.co2eKg.high));
  });

  it('serves every plan and every caller: a free member, an admin, an API key', async () => {
    const free = await env.org('Free Disclosure Org', 'free');
    const res = await get('?year=2026', free.member);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200, body: { totals: { co2eKg: { central: '0' } } } });
    const admin = `Bearer ${mintClerkToken(keys, { orgId: a.clerkOrgId, orgRole: 'admin' })}`;
    expect((await get('?year=2026', admin)).status).toBe(200);
    const key = await env.api.http.post('/api/v1/api-keys').set('Authorization', admin).send({ name: 'disclosure' });
    expect(key.status).toBe(201);
    const byKey = await get('?year=2026', `Bearer ${key.body.key}`);
    expect({ status: byKey.status, serials: byKey.body.receipts?.map((r: { serial: string }) => r.serial) }).toMatchObject({ status: 200, serials: expect.arrayContaining([aSerial]) });
  });

  it('shows another organization none of this one\'s usage or receipts', async () => {
    const b = await env.org('Other Disclosure Org');
    const bSerial = (await env.issue(b, '2026-03')).serial;
    const res = await get('?year=2026', b.member);
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(aSerial);
    expect(text).not.toContain(a.orgId);
    expect(res.body.receipts.map((r: { serial: string }) => r.serial)).toEqual([bSerial]);
    const csv = await get('?year=2026&format=csv', b.member);
    expect(csv.text).not.toContain(a.orgId);
  });

  it.each([
    ['?year=2026&from=2026-01&to=2026-02', 'query.year', /not both/],
    ['?from=2026-01', 'query.to', /required with from/],
    ['?to=2026-01', 'query.from', /required with to/],
    ['?from=2026-05&to=2026-04', 'query.to', /before from/],
    ['?from=2023-01&to=2026-01', 'query.to', /36 months/],
    ['?from=2026-13&to=2026-14', 'query.from', /YYYY-MM/],
    ['?year=26', 'query.year', /YYYY/],
    ['?year=2026&format=xml', 'query.format', /./],
    ['?year=2026&month=2026-01', 'query', /unknown field/],
  ])('%s answers 400 naming %s', async (query, field, message) => {
    const res = await get(query);
    expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({ status: 400, code: 'VALIDATION_FAILED', field });
    expect(res.body.error.message).toMatch(message);
  });

  it('answers 401 without credentials', async () => {
    const res = await get('?year=2026', null);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
  });
});
