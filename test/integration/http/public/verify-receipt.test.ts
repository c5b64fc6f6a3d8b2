import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { canonicalize } from '../../../../src/receipts/canonical-json';
import { verifyReceiptFile, type PinnedKey } from '../../../../src/receipts/verify-receipt';
import { renderVerifyPage } from '../../../../src/receipts/verify-page';
import { createClerkTestKeys } from '../../../helpers/clerk';
import { pathOf, startReceiptApi, type ReceiptApi } from '../../../helpers/receipt-api';
import type { TestTenant } from '../../../factories/tenants';

const keys = createClerkTestKeys();
const CHROMIUM = '/usr/bin/chromium';
let env: ReceiptApi;
let owner: TestTenant & { member: string };
let receipt: { receiptId: string; serial: string };
let verifyPath: string;

const http = () => env.api.http;
const html = (path: string) => http().get(path).set('Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8');

beforeAll(async () => {
  env = await startReceiptApi(keys, 'carbonplan_verify_route');
  owner = await env.org('Verify Org');
  receipt = await env.issue(owner, '2026-10');
  const detail = await http().get(`/api/v1/receipts/${receipt.receiptId}`).set('Authorization', owner.member);
  expect({ status: detail.status, body: detail.body }).toMatchObject({ status: 200 });
  verifyPath = pathOf(detail.body.verifyUrl);
}, 90_000);
afterAll(async () => env?.close());

/** Runs `change` on the stored row with the immutability trigger off (scratch database only), then restores it. */
async function whileTampered(change: (p: Record<string, unknown>) => Record<string, unknown>, check: () => Promise<void>): Promise<void> {
  const ds = env.api.deps.dataSource;
  await ds.query(`ALTER TABLE carbon_receipts DISABLE TRIGGER carbon_receipts_signed_immutable`);
  const [orig] = await ds.query(`SELECT payload FROM carbon_receipts WHERE id = $1`, [receipt.receiptId]);
  try {
    await ds.query(`UPDATE carbon_receipts SET payload = $2 WHERE id = $1`, [receipt.receiptId, canonicalize(change(JSON.parse(orig.payload)))]);
    await check();
  } finally {
    await ds.query(`UPDATE carbon_receipts SET payload = $2 WHERE id = $1`, [receipt.receiptId, orig.payload]);
    await ds.query(`ALTER TABLE carbon_receipts ENABLE TRIGGER carbon_receipts_signed_immutable`);
  }
}
const lowerCentral = (p: Record<string, any>) => ({ ...p, totals: { ...p.totals, co2eKg: { ...p.totals.co2eKg, central: '0.001' } } });

describe('GET /public/receipts/verify/:serial (JSON)', () => {
  it('answers the full, valid verification with the code, and it checks offline against the published keys', async () => {
    const res = await http().get(verifyPath);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200, body: { valid: true, serial: receipt.serial } });
    expect(Object.keys(res.body).sort()).toEqual(['canonical', 'keyId', 'log', 'payload', 'payloadSha256', 'publicKey', 'serial', 'signature', 'valid']);
    expect(res.body.canonical).toBe(canonicalize(res.body.payload));
    expect(res.body.payloadSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(res.body.log).toMatchObject({ index: 0, treeSize: 1, inclusionProof: [], checkpoint: expect.stringContaining('\n\n\u2014 ') });
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers.vary).toMatch(/Accept/);
    const published = JSON.parse((await http().get('/public/keys')).text) as { keys: PinnedKey[] };
    const offline = verifyReceiptFile(res.body, published.keys);
    expect(offline).toMatchObject({ isValid: true, log: 'verified' });
  });

  it('answers only the summary without the code or with a wrong one', async () => {
    for (const path of [`/public/receipts/verify/${receipt.serial}`, `/public/receipts/verify/${receipt.serial}?code=ABCDEFGHJKMNPQRSTVWX`]) {
      const res = await http().get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(Object.keys(res.body).sort()).toEqual(['issuedAt', 'keyId', 'period', 'serial', 'valid']);
      expect(res.body).toMatchObject({ valid: true, serial: receipt.serial, period: { start: '2026-10-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z' } });
      expect(res.text).not.toContain('Verify Org');
    }
  });

  it('answers 404 for an unknown serial (JSON and page) and 400 naming the field for a malformed one', async () => {
    const unknown = await http().get('/public/receipts/verify/CL-202610-ZZZZZ?code=ABC');
    expect({ status: unknown.status, code: unknown.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const page = await html('/public/receipts/verify/CL-202610-ZZZZZ');
    expect({ status: page.status, type: page.type }).toEqual({ status: 404, type: 'text/html' });
    expect(page.text).toContain('Receipt not found');
    for (const serial of ['CL-2026-ABCDE', 'CL-202610-ABCDI', 'cl-202610-abcde', '%3Cscript%3E']) {
      const bad = await http().get(`/public/receipts/verify/${serial}`);
      expect({ serial, status: bad.status, code: bad.body.error?.code, field: bad.body.error?.field })
        .toEqual({ serial, status: 400, code: 'VALIDATION_FAILED', field: 'params.serial' });
    }
  });

  it('detects a tampered payload: valid false in both forms', async () => {
    await whileTampered(lowerCentral, async () => {
      const full = await http().get(verifyPath);
      expect({ status: full.status, valid: full.body.valid, central: full.body.payload?.totals?.co2eKg?.central }).toEqual({ status: 200, valid: false, central: '0.001' });
      expect((await http().get(`/public/receipts/verify/${receipt.serial}`)).body).toMatchObject({ valid: false, serial: receipt.serial });
    });
    expect((await http().get(verifyPath)).body.valid).toBe(true);
  });

  it('is limited per IP like the other public routes', async () => {
    const limited = await startReceiptApi(keys, 'carbonplan_verify_limit', { RATE_LIMIT_PUBLIC_PER_MINUTE: '3' });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.api.http.get('/public/receipts/verify/CL-202610-ZZZZZ')).status);
      expect(statuses).toEqual([404, 404, 404, 429]);
    } finally {
      await limited.close();
    }
  }, 60_000);
});

describe('GET /public/receipts/verify/:serial (page)', () => {
  it('negotiates HTML for browsers, with a strict CSP and no external asset', async () => {
    const res = await html(verifyPath);
    expect({ status: res.status, type: res.type }).toEqual({ status: 200, type: 'text/html' });
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.text).not.toMatch(/<script|<link|src=|href="http/);
    expect(res.text).toContain(receipt.serial);
    // JSON stays the default for API clients.
    expect((await http().get(verifyPath).set('Accept', '*/*')).type).toBe('application/json');
  });

  it('escapes everything it shows', () => {
    const page = renderVerifyPage({
      valid: false, serial: 'CL-202610-ABCDE', period: { start: '<b>x</b>', end: '2026-11-01T00:00:00.000Z' }, issuedAt: '"onload="x', keyId: 'k',
      reasons: ['<img src=x onerror=alert(1)>'], payload: { organization: { name: '<script>alert(1)</script>' }, totals: { co2eKg: { central: '<i>1</i>' } } }, log: null,
    });
    expect(page).not.toMatch(/<script>alert|<img src=x|<b>x<\/b>|<i>1<\/i>/);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  const hasChromium = fs.existsSync(CHROMIUM);
  (hasChromium ? it : it.skip)('in headless Chromium: "Valid receipt" with its figures, "Not valid" when tampered, the summary without the code', async () => {
    // The real server on loopback: Chromium sends its own Accept header and applies the page's CSP.
    const server: Server = await new Promise((resolve) => { const s = env.api.app.listen(0, '127.0.0.1', () => resolve(s)); });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-page-'));
    const dom = async (target: string) => {
      const { stdout } = await promisify(execFile)(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${profile}`, '--dump-dom', `${base}${target}`], { timeout: 30_000 });
      return stdout.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    };
    try {
    const valid = await dom(verifyPath);
    expect(valid).toMatch(/Valid receipt/);
    expect(valid).not.toMatch(/Not valid/);
    expect(valid).toContain(receipt.serial);
    expect(valid).toMatch(/Log index 0/);
    expect(valid).toMatch(/Retired \d/);
    expect(valid).not.toMatch(/Shortfall/);

    const summary = await dom(`/public/receipts/verify/${receipt.serial}`);
    expect(summary).toMatch(/Valid receipt/);
    expect(summary).not.toMatch(/Verify Org|CO2e|Credits/);

    await whileTampered(lowerCentral, async () => {
      const tampered = await dom(verifyPath);
      expect(tampered).toMatch(/Not valid/);
      expect(tampered).not.toMatch(/Valid receipt/);
      expect(tampered).toMatch(/signature/);
    });
    } finally {
      await new Promise((resolve) => { server.close(resolve); });
      fs.rmSync(profile, { recursive: true, force: true });
    }
  }, 90_000);
});
