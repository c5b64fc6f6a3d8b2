// The pages' tenancy (the API's sweep covers /api routes only): signed in to one organization, nothing of another
// shows up on any page, and another organization's ids (receipt PDF, connection sync, project filter) find
// nothing. Plus the form rules: CSRF, plan and role.
import type { DataSource } from 'typeorm';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../src/services/telemetry/ingest.service';
import { createConnectionRow, createTenant, type TestTenant } from '../../factories/tenants';
import { bucket } from '../../factories/usage';
import { insertSignedReceiptRow } from '../../helpers/receipt-api';
import { cookiePair, csrfOf, get, post, startPagesServer, textOf, type PagesServer } from './pages-server';

const PAGES = ['/', '/?range=year', '/models?range=year', '/connections', '/receipts', '/billing'];
let server: PagesServer;
let ds: DataSource;
let mine: TestTenant;
let theirs: TestTenant;
let myConnection: string;
let theirConnection: string;
let theirProject: string;
let theirReceipt: { id: string; serial: string };
let cookie: string;

const hourAgo = () => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000).toISOString();
const lastManualSync = async (id: string) => (await ds.query(`SELECT last_manual_sync_at FROM provider_connections WHERE id = $1`, [id]))[0].last_manual_sync_at;
const page = async (path: string, c = cookie) => {
  const res = await get(`${server.url}${path}`, { Cookie: c });
  return { status: res.status, html: await res.text() };
};

beforeAll(async () => {
  server = await startPagesServer();
  ds = server.deps.dataSource;
  const ingest = new IngestService(ds, new FactorSetRepository(ds));
  mine = await createTenant(ds, 'Mine Org');
  theirs = await createTenant(ds, 'Theirs Org');
  await ds.query(`UPDATE organizations SET plan = 'pro' WHERE id IN ($1, $2)`, [mine.orgId, theirs.orgId]);
  const [project] = await ds.query(`INSERT INTO projects (org_id, name, slug) VALUES ($1, 'Theirs secret project', 'theirs-secret') RETURNING id`, [theirs.orgId]);
  theirProject = project.id;
  const a = await createConnectionRow(ds, mine);
  const b = await createConnectionRow(ds, theirs, 'anthropic', theirProject);
  myConnection = a.id;
  theirConnection = b.id;
  await ds.query(`UPDATE provider_connections SET status = 'active', secret_ref = 'pages-test/none', name = CASE WHEN org_id = $1 THEN 'Mine connection' ELSE 'Theirs hidden connection' END WHERE id IN ($2, $3)`, [mine.orgId, a.id, b.id]);
  await ingest.ingest(a, [bucket({ hour: hourAgo(), model: 'gpt-4o-mini', inputUncached: 5_000_000, outputTokens: 900_000 })]);
  await ingest.ingest(b, [bucket({ hour: hourAgo(), provider: 'anthropic', model: 'claude-theirs-only-9', inputUncached: 7_000_000, outputTokens: 100_000 })]);
  theirReceipt = await insertSignedReceiptRow(ds, server.deps.services.signingKeys, theirs.orgId, '2031-03');
  const res = await get(server.signInLink(mine.orgId));
  cookie = cookiePair(res, 'carbonplan_session')!;
});
afterAll(async () => server?.close());

describe('pages show one organization only', () => {
  it('no page of mine names their organization, project, connection, model or receipt', async () => {
    for (const path of PAGES) {
      const { status, html } = await page(path);
      expect({ path, status }).toEqual({ path, status: 200 });
      const text = textOf(html);
      for (const secret of ['Theirs Org', 'Theirs secret project', 'Theirs hidden connection', 'claude-theirs-only-9', theirReceipt.serial, theirProject, theirConnection]) {
        expect({ path, leaked: text.includes(secret) || html.includes(secret) ? secret : null }).toEqual({ path, leaked: null });
      }
    }
    expect(textOf((await page('/')).html)).toContain('gpt-4o-mini');
  });

  it('their project as a filter shows my figures for all projects, saying that project does not exist', async () => {
    const filtered = textOf((await page(`/?project=${theirProject}`)).html);
    expect(filtered).toContain('That project does not exist; showing all projects.');
    expect(filtered).toContain('gpt-4o-mini');
    expect(filtered).not.toContain('claude-theirs-only-9');
  });

  it('their receipt PDF is not found', async () => {
    const res = await page(`/receipts/${theirReceipt.id}/pdf`);
    expect(res.status).toBe(404);
    expect(textOf(res.html)).toContain('Not found');
  });

  it('syncing their connection is not found and changes nothing', async () => {
    const csrf = csrfOf((await page('/connections')).html);
    const res = await post(`${server.url}/connections/${theirConnection}/sync`, { _csrf: csrf }, { Cookie: cookie, Origin: server.url });
    expect(res.status).toBe(404);
    expect(await lastManualSync(theirConnection)).toBeNull();
  });
});

describe('form posts', () => {
  it('refuse a missing, wrong or foreign CSRF token and a cross-site origin, and sync nothing', async () => {
    const csrf = csrfOf((await page('/connections')).html);
    const other = cookiePair(await get(server.signInLink(mine.orgId)), 'carbonplan_session')!;
    const otherCsrf = csrfOf((await page('/connections', other)).html);
    expect(otherCsrf).not.toBe(csrf);
    const url = `${server.url}/connections/${myConnection}/sync`;
    const attempts: Array<[string, Record<string, string>, Record<string, string>]> = [
      ['no token', {}, { Origin: server.url }],
      ['wrong token', { _csrf: 'x'.repeat(csrf.length) }, { Origin: server.url }],
      ["another session's token", { _csrf: otherCsrf }, { Origin: server.url }],
      ['another origin', { _csrf: csrf }, { Origin: 'http://evil.example' }],
      ['a cross-site fetch', { _csrf: csrf }, { 'Sec-Fetch-Site': 'cross-site' }],
    ];
    for (const [what, fields, headers] of attempts) {
      const res = await post(url, fields, { Cookie: cookie, ...headers });
      expect({ what, status: res.status }).toEqual({ what, status: 403 });
      expect(textOf(await res.text())).toContain('this form is out of date or did not come from this site'.replace(/^t/, 'T'));
    }
    expect(await lastManualSync(myConnection)).toBeNull();

    const ok = await post(url, { _csrf: csrf }, { Cookie: cookie, Origin: server.url, 'Sec-Fetch-Site': 'same-origin' });
    expect({ status: ok.status, location: ok.headers.get('location') }).toEqual({ status: 303, location: `/connections?sync=requested&id=${myConnection}#connection-${myConnection}` });
    expect(await lastManualSync(myConnection)).not.toBeNull();
    const limited = await post(url, { _csrf: csrf }, { Cookie: cookie, Origin: server.url });
    expect(limited.headers.get('location')).toMatch(new RegExp(`^/connections\\?sync=limited&retry=(29\\d|300)&id=${myConnection}`));
    expect(textOf((await page(limited.headers.get('location')!)).html)).toMatch(/“Mine connection” was synced less than 5 minutes ago: ask again in 5 min/);
  });

  it('the upgrade button goes through the same checkout as the API: here, a server without billing says so', async () => {
    await ds.query(`UPDATE organizations SET plan = 'free' WHERE id = $1`, [mine.orgId]);
    try {
      const receipts = await page('/receipts');
      expect(textOf(receipts.html)).toContain('Carbon receipts come with the pro and enterprise plans');
      expect(receipts.html).toContain('action="/billing/checkout"');
      const pdf = await page(`/receipts/${theirReceipt.id}/pdf`);
      expect(pdf.status).toBe(403);
      const csrf = csrfOf(receipts.html);
      expect((await post(`${server.url}/billing/checkout`, { plan: 'pro' }, { Cookie: cookie })).status).toBe(403);
      const res = await post(`${server.url}/billing/checkout`, { plan: 'pro', _csrf: csrf }, { Cookie: cookie, Origin: server.url });
      expect(res.headers.get('location')).toBe('/billing?billing=not-configured');
      expect(textOf((await page('/billing?billing=not-configured')).html)).toContain('Billing is not configured on this server');
    } finally {
      await ds.query(`UPDATE organizations SET plan = 'pro' WHERE id = $1`, [mine.orgId]);
    }
  });

  it('a page answers a bad cursor or id with a page, never a stack', async () => {
    const bad = await page('/receipts?after=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain('The address of this page has a value that is not valid (query.cursor: not a cursor returned by this endpoint).');
    expect((await page('/receipts/not-a-uuid/pdf')).status).toBe(404);
    expect(server.logs()).not.toMatch(/"level":50/);
  });
});
