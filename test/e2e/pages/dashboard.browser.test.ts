// The dashboard in headless Chromium over demo data: a year of usage seeded through the real ingest service
// (`npm run demo`'s own seeding), the organization on pro with a signed receipt (and its PDF) for every past month,
// and one live connection. Signs in with the one-time link, visits every page at laptop and phone width, fails on
// any console error or failed request, checks accessibility with axe-core, compares the figures shown with the
// API's, clicks "Sync now", and saves a screenshot of each page (test-output/pages/).
import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { ModelUsageList, TelemetrySummary } from '../../../contracts/telemetry';
import { seedDemoData, type DemoDataResult } from '../../../src/dev/demo-data';
import { issueDemoReceipts, type DemoReceiptsResult } from '../../../src/dev/demo-receipts';
import { LOCAL_ORGANIZATION } from '../../../src/dev/launcher-api-key';
import { createLogger } from '../../../src/logger';
import { PdfRenderer } from '../../../src/receipts/pdf/pdf-renderer';
import { createReceiptStorage } from '../../../src/receipts/pdf/receipt-storage';
import { ReceiptIssuer } from '../../../src/services/receipts/receipt-issuer';
import { ReceiptPdfService } from '../../../src/services/receipts/receipt-pdf.service';
import { createScratchDatabase } from '../../helpers/scratch-database';
import { startPagesServer, type PagesServer } from '../../integration/pages/pages-server';
import { CHROMIUM, launchDashboardBrowser, OUTPUT_DIR, screenshots, seriousAccessibilityViolations, type DashboardBrowser } from './browser';

jest.setTimeout(120_000);

const SAMPLE_CREDITS = path.resolve(__dirname, '../../../deploy/sample-credits.csv');
const DOCS_SCREENSHOT = path.resolve(__dirname, '../../../docs/dashboard-overview.png');
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let server: PagesServer;
let ds: DataSource;
let orgId: string;
let apiKey: string;
let demo: DemoDataResult;
let receipts: DemoReceiptsResult;
let liveConnectionId: string;
let b: DashboardBrowser;

/** The API's answer for the same filters, with the org's API key. */
async function api<T>(pathAndQuery: string): Promise<T> {
  const res = await fetch(`${server.url}${pathAndQuery}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${pathAndQuery}: ${res.status} ${body}`);
  return JSON.parse(body) as T;
}

/** The filters the page says it shows (the range label carries them), as the API's query string. */
async function shownFilters(): Promise<string> {
  const f = await b.page.$eval('.range-label', (el) => ({ from: el.getAttribute('data-from')!, to: el.getAttribute('data-to')!, project: el.getAttribute('data-project') }));
  return `from=${f.from}&to=${f.to}${f.project ? `&projectId=${f.project}` : ''}`;
}

/** Every figure of a card: `name.part` → exact value, read from the page's <data> elements. */
async function figuresIn(selector: string): Promise<Record<string, string>> {
  return b.page.$$eval(`${selector} data`, (nodes) => Object.fromEntries(nodes.map((n) => {
    const figure = n.closest('[data-figure]')?.getAttribute('data-figure') ?? n.getAttribute('data-figure');
    const part = n.getAttribute('data-part');
    return [part ? `${figure}.${part}` : String(figure), n.getAttribute('value') ?? ''];
  })));
}

async function expectOverviewMatchesApi(): Promise<TelemetrySummary> {
  const summary = await api<TelemetrySummary>(`/api/v1/telemetry/summary?${await shownFilters()}`);
  const shown = {
    ...(await figuresIn('#total-co2e')), ...(await figuresIn('#total-energy')), ...(await figuresIn('#total-requests')), ...(await figuresIn('#cached-share')),
  };
  const t = summary.totals.tokens;
  expect(shown).toEqual({
    'co2eG.central': summary.totals.co2eG.central, 'co2eG.low': summary.totals.co2eG.low, 'co2eG.high': summary.totals.co2eG.high,
    'energyWh.central': summary.totals.energyWh.central, 'energyWh.low': summary.totals.energyWh.low, 'energyWh.high': summary.totals.energyWh.high,
    requests: summary.totals.requests,
    tokens: String([t.inputUncached, t.inputCacheWrite, t.inputCacheRead, t.output, t.reasoning].reduce((s, v) => s + BigInt(v), 0n)),
    cachedInputShare: summary.cache.cachedInputShare,
  });
  const topModels = await b.page.$$eval('#top-models tbody tr', (rows) => rows.map((r) => ({
    model: r.getAttribute('data-model'), central: r.querySelector('[data-part="central"]')?.getAttribute('value'),
  })));
  expect(topModels).toEqual(summary.models.slice(0, 5).map((m) => ({ model: `${m.provider}/${m.model}`, central: m.co2eG.central })));
  return summary;
}

beforeAll(async () => {
  scratch = await createScratchDatabase('carbonplan_pages_browser', 8);
  // A person clicks through pages far slower than this test: the per-organization limit is not what it checks.
  server = await startPagesServer({ env: { DATABASE_URL: scratch.url, DATABASE_POOL_SIZE: '10', RATE_LIMIT_API_PER_MINUTE: '1000' } });
  ds = server.deps.dataSource;
  const services = server.deps.services;
  orgId = (await services.organizations.resolve(LOCAL_ORGANIZATION)).id;
  const now = new Date();
  demo = await seedDemoData({ dataSource: ds, orgId, now });

  // `npm run demo`'s receipts: pro, the SAMPLE credits, every past month closed with a signed receipt and its PDF.
  const logger = createLogger({ level: 'silent', name: 'pages-test' });
  const renderer = new PdfRenderer({ chromiumPath: CHROMIUM, pages: 2, logger });
  const pdfs = new ReceiptPdfService({ dataSource: ds, logger, storage: createReceiptStorage(server.config.receipts, server.config.aws), publicBaseUrl: server.url, renderer });
  const issuer = new ReceiptIssuer({ dataSource: ds, signingKeys: services.signingKeys, log: services.log, adjustmentThresholdKg: '0.001' });
  try {
    receipts = await issueDemoReceipts({
      dataSource: ds, orgId, now, fromDay: demo.fromDay,
      credits: { fileName: 'deploy/sample-credits.csv', bytes: fs.readFileSync(SAMPLE_CREDITS) },
      issuePeriodReceipt: (id) => issuer.issuePeriodReceipt(id), renderPdf: (id) => pdfs.render(id),
      verifyUrl: (keyId, serial) => services.receipts.verifyUrl(keyId, serial),
    });
  } finally {
    await renderer.close();
  }

  // One live connection (the demo's are paused and keyless) whose last poll failed once, to sync and to read.
  const [live] = await ds.query(
    `INSERT INTO provider_connections (org_id, project_id, provider, name, key_hint, status, workflow_id, secret_ref, consecutive_failures, last_error, last_polled_at, last_success_at)
     SELECT $1, id, 'openai', 'Product API (live)', 'x9Qz', 'active', 'connection:pages-live-' || gen_random_uuid(), 'pages-test/none', 1,
            jsonb_build_object('code', 'ProviderTransient', 'message', 'OpenAI did not answer in time; polling retries automatically', 'at', now() - interval '20 minutes'),
            now() - interval '20 minutes', now() - interval '80 minutes'
       FROM projects WHERE org_id = $1 AND is_default RETURNING id`, [orgId]);
  liveConnectionId = live.id;
  apiKey = (await services.apiKeys.create(orgId, { name: 'pages test', environment: 'live' }, null)).key;
  b = await launchDashboardBrowser();
}, 600_000);

afterAll(async () => {
  if (b) {
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUTPUT_DIR, 'timings.json'), `${JSON.stringify(b.timings, null, 2)}\n`);
    const pages = b.timings.filter((t) => Number.isFinite(t.serverMs));
    console.log(`dashboard server time per page (ms), over ${demo?.events.toLocaleString('en-US')} demo events:\n${pages.map((t) => `  ${t.path.padEnd(60)} ${String(t.serverMs).padStart(7)}   (browser ${t.totalMs})`).join('\n')}`);
    await b.close();
  }
  await server?.close();
  await scratch?.drop();
});

afterEach(() => {
  expect(b.takeProblems()).toEqual([]);
});

describe('the dashboard in a browser, over the demo data', () => {
  it('signs in with the one-time link and lands on the overview of the local organization', async () => {
    const res = await b.open(server.signInLink(orgId));
    expect({ status: res.status(), url: b.page.url() }).toEqual({ status: 200, url: `${server.url}/` });
    expect(await b.page.$eval('h1', (h) => h.textContent)).toBe('Overview');
    expect(await b.page.$eval('.org', (e) => e.textContent)).toBe('Local organization');
    const cookies = await b.page.cookies();
    expect(cookies.find((c) => c.name === 'carbonplan_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });

  it.each([
    ['/', 'Overview', 'overview'],
    ['/models', 'Models', 'models'],
    ['/connections', 'Connections', 'connections'],
    ['/receipts', 'Receipts', 'receipts'],
    ['/billing', 'Billing', 'billing'],
  ])('%s: renders without console errors or failed requests, reads at phone width, and axe finds nothing serious', async (pagePath, heading, name) => {
    const res = await b.open(`${server.url}${pagePath}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(await b.page.$eval('h1', (h) => h.textContent)).toBe(heading);
    const shots = await screenshots(b.page, name);
    expect(shots.phoneOverflowPx).toBeLessThanOrEqual(0);
    expect(await seriousAccessibilityViolations(b.page)).toEqual([]);
  });

  it('overview: the totals, bounds, cached share and top models equal GET /api/v1/telemetry/summary for the same filters', async () => {
    await b.open(`${server.url}/`);
    const last30 = await expectOverviewMatchesApi();
    expect(Number(last30.totals.co2eG.central)).toBeGreaterThan(0);
    expect(await b.page.$$eval('svg.chart polygon.band, svg.chart polyline.central', (n) => n.length)).toBe(2);
    expect(await b.page.$eval('#total-co2e .bounded', (e) => e.textContent)).toMatch(/^\d[\d,.]* (g|kg|t) \([\d,.]+–[\d,.]+ (g|kg|t)\)$/);

    // The picker is a plain GET form: this year, then one project.
    await b.page.select('#range', 'year');
    await Promise.all([b.page.waitForNavigation(), b.page.click('.filters button[type="submit"]')]);
    expect(b.page.url()).toContain('range=year');
    const year = await expectOverviewMatchesApi();
    expect(BigInt(year.totals.events)).toBeGreaterThan(BigInt(last30.totals.events));

    const project = demo.projects.find((p) => p.slug !== 'default') ?? demo.projects[0];
    await b.page.select('#project', project.id);
    await Promise.all([b.page.waitForNavigation(), b.page.click('.filters button[type="submit"]')]);
    expect(b.page.url()).toContain(`project=${project.id}`);
    const oneProject = await expectOverviewMatchesApi();
    expect(BigInt(oneProject.totals.events)).toBeLessThan(BigInt(year.totals.events));

    // A custom range: both days included.
    await b.open(`${server.url}/?range=custom&from=${demo.fromDay}&to=${demo.fromDay}`);
    expect(await shownFilters()).toBe(`from=${demo.fromDay}&to=${new Date(Date.parse(`${demo.fromDay}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)}`);
    await expectOverviewMatchesApi();
  });

  it('overview: top projects are ranked by CO2e with the same figures as the summary of each project', async () => {
    await b.open(`${server.url}/?range=year`);
    const rows = await b.page.$$eval('#top-projects tbody tr', (trs) => trs.map((r) => ({ id: r.getAttribute('data-project')!, central: r.querySelector('[data-part="central"]')!.getAttribute('value')! })));
    expect(rows.length).toBeGreaterThan(1);
    const filters = await shownFilters();
    for (const row of rows) {
      const s = await api<TelemetrySummary>(`/api/v1/telemetry/summary?${filters}&projectId=${row.id}`);
      expect({ id: row.id, central: row.central }).toEqual({ id: row.id, central: s.totals.co2eG.central });
    }
    const centrals = rows.map((r) => Number(r.central));
    expect(centrals).toEqual([...centrals].sort((x, y) => y - x));
  });

  it('models: every model with tier, matched rule, tokens by class, energy and CO2e as GET /api/v1/telemetry/models', async () => {
    await b.open(`${server.url}/models?range=year`);
    const list = await api<ModelUsageList>(`/api/v1/telemetry/models?${await shownFilters()}`);
    const shown = await b.page.$$eval('#models tbody tr', (trs) => trs.map((r) => ({
      model: r.getAttribute('data-model'), tier: r.querySelector('.tier')?.textContent, rule: r.querySelector('code')?.textContent,
      co2e: r.querySelector('[data-figure="co2eG"] [data-part="central"]')?.getAttribute('value'),
      energy: r.querySelector('[data-figure="energyWh"] [data-part="central"]')?.getAttribute('value'),
      unmapped: r.querySelector('.badge-warn') !== null,
    })));
    const expected = [...list.data].sort((x, y) => Number(y.co2eG.central) - Number(x.co2eG.central)).map((m) => ({
      model: `${m.provider}/${m.model}`, tier: m.tier, rule: m.matchedRule, co2e: m.co2eG.central, energy: m.energyWh.central, unmapped: m.isUnmatched,
    }));
    expect(shown).toEqual(expected);
    expect(list.data.length).toBeGreaterThan(3);
  });

  it('connections: "Sync now" asks for a sync once, then shows the 5-minute limit; paused ones cannot be synced', async () => {
    await b.open(`${server.url}/connections`);
    const row = `#connection-${liveConnectionId}`;
    expect(await b.page.$eval(`${row} .error-words`, (e) => e.textContent)).toMatch(/^The provider was unavailable: OpenAI did not answer in time; polling retries automatically \(20 min ago\)\.$/);
    expect(await b.page.$eval(row, (e) => e.textContent)).toContain('1 of 5');
    const paused = demo.connections[0].id;
    expect(await b.page.$eval(`#connection-${paused} button`, (e) => e.hasAttribute('disabled'))).toBe(true);

    await Promise.all([b.page.waitForNavigation(), b.page.click(`${row} button`)]);
    expect(await b.page.$eval('.notice', (e) => e.textContent)).toMatch(/^Sync requested for “Product API \(live\)”/);
    const [claimed] = await ds.query(`SELECT last_manual_sync_at FROM provider_connections WHERE id = $1`, [liveConnectionId]);
    expect(claimed.last_manual_sync_at).not.toBeNull();

    await Promise.all([b.page.waitForNavigation(), b.page.click(`${row} button`)]);
    expect(await b.page.$eval('.notice', (e) => e.textContent)).toMatch(/was synced less than 5 minutes ago: ask again in 5 min/);
    const [after] = await ds.query(`SELECT last_manual_sync_at FROM provider_connections WHERE id = $1`, [liveConnectionId]);
    expect(after.last_manual_sync_at).toEqual(claimed.last_manual_sync_at);
  });

  it('receipts: each past month with its PDF and a public verify link that says "Valid receipt"', async () => {
    await b.open(`${server.url}/receipts`);
    const rows = await b.page.$$eval('#receipts tbody tr', (trs) => trs.map((r) => ({
      serial: r.getAttribute('data-receipt'), pdf: r.querySelector('a[data-pdf]')!.getAttribute('href')!, verify: r.querySelector('a[data-verify]')!.getAttribute('href')!,
    })));
    expect(rows.map((r) => r.serial).sort()).toEqual(receipts.receipts.map((r) => r.serial).sort());
    const pdf = await b.page.evaluate(async (href) => {
      const res = await fetch(href);
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, type: res.headers.get('content-type'), head: String.fromCharCode(...bytes.slice(0, 5)) };
    }, rows[0].pdf);
    expect(pdf).toEqual({ status: 200, type: 'application/pdf', head: '%PDF-' });
    expect(rows[0].verify).toContain(`/public/receipts/verify/${rows[0].serial}?code=`);
    await b.open(rows[0].verify);
    expect(await b.page.$eval('#verdict h1', (e) => e.textContent)).toBe('Valid receipt');
  });

  it('billing: the plan, every closed period and when the next receipt is due', async () => {
    await b.open(`${server.url}/billing`);
    expect(await b.page.$eval('#plan .big', (e) => e.textContent)).toBe('Pro');
    const periods = await b.page.$$eval('#periods tbody tr', (trs) => trs.map((r) => r.querySelector('.status')!.textContent));
    expect(periods).toEqual(receipts.receipts.map(() => 'closed'));
  });

  it('keeps the overview screenshot for the README when asked (UPDATE_DOCS_SCREENSHOT=1)', async () => {
    await b.open(`${server.url}/?range=year`);
    const file = path.join(OUTPUT_DIR, 'overview-readme.png');
    await b.page.setViewport({ width: 1200, height: 900 });
    await b.page.screenshot({ path: file as `${string}.png` });
    expect(fs.statSync(file).size).toBeLessThan(300_000);
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') fs.copyFileSync(file, DOCS_SCREENSHOT);
  });
});
