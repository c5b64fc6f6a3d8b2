// A whole audit pack on a scratch database with real receipts (issuer, PDFs in Chromium, public log), built by the
// real builder into local storage, unzipped with yauzl and checked the way an auditor would: every manifest hash,
// the manifest signature, the cover, and `node recalculate.mjs` -> "match"; a tampered row -> a mismatch naming it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { verifyStrict } from '../../../src/receipts/ed25519';
import type { AuditPackRecord } from '../../../src/services/audit-packs/audit-pack.repository';
import { bucket } from '../../factories/usage';
import { pdfText, recalculate, startPackHarness, unzip, type PackHarness, type Unzipped } from './pack-harness';
import { AuditPackQueryService } from '../../../src/services/audit-pack-api/audit-pack-query.service';

let h: PackHarness;
beforeAll(async () => { h = await startPackHarness('carbonplan_audit_packs'); }, 120_000);
afterAll(async () => h?.close());

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const M = (n: number) => ({ inputUncached: n * 1_000_000, outputTokens: n * 300_000 });

interface ManifestFile { path: string; bytes: number; sha256: string }
interface Manifest { schema: string; orgId: string; month: string; version: number; generatedAt: string; keyId: string; files: ManifestFile[] }

async function openPack(pack: AuditPackRecord): Promise<Unzipped & { manifest: Manifest }> {
  const zip = await unzip(await h.localStorage.read(pack.objectKey), h.tmp);
  return { ...zip, manifest: JSON.parse(zip.read('manifest.json').toString('utf8')) as Manifest };
}

/** Every listed file has the listed size and SHA-256, every other file is manifest.json/sig or cover.pdf, and the signature holds. */
async function expectSound(pack: AuditPackRecord, zip: Unzipped & { manifest: Manifest }): Promise<void> {
  const { manifest } = zip;
  expect(manifest).toMatchObject({ schema: 'carbonplan.audit-pack-manifest/v1', orgId: pack.orgId, month: pack.month, version: pack.version });
  for (const file of manifest.files) {
    const bytes = zip.read(file.path);
    expect({ path: file.path, bytes: bytes.length, sha256: sha256(bytes) }).toEqual(file);
  }
  expect(zip.entries.filter((e) => !manifest.files.some((f) => f.path === e)).sort()).toEqual(['cover.pdf', 'manifest.json', 'manifest.sig']);
  expect(zip.entries[zip.entries.length - 1]).toBe('cover.pdf');
  expect(sha256(zip.read('manifest.json'))).toBe(pack.manifestSha256);
  const key = await h.keys.findKey(manifest.keyId);
  const digest = createHash('sha256').update(zip.read('manifest.json')).digest();
  expect(verifyStrict(digest, Buffer.from(zip.read('manifest.sig').toString('utf8').trim(), 'base64'), key!.publicKey)).toBe(true);
  const stored = await h.localStorage.read(pack.objectKey);
  expect(Buffer.concat(await stored.toArray()).length).toBe(Number(pack.bytes));
}

describe('audit pack of a month with usage across providers, an unmatched model and a period receipt', () => {
  let tenant: Awaited<ReturnType<PackHarness['tenant']>>;
  let first: AuditPackRecord;
  let serial: string;

  beforeAll(async () => {
    tenant = await h.tenant('Pack Org, "Research" Ltd');
    await h.usage(tenant, [
      bucket({ hour: '2026-03-02T10:00:00Z', ...M(3) }),
      bucket({ hour: '2026-03-09T11:00:00Z', model: 'gpt-4o-mini', ...M(2), inputCacheRead: 500_000 }),
      bucket({ hour: '2026-03-10T12:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-20250514', ...M(1), inputCacheWrite: 20_000 }),
      bucket({ hour: '2026-03-11T13:00:00Z', provider: 'openrouter', model: 'acme/mystery-model-9000', ...M(1) }),
      bucket({ hour: '2026-03-31T23:00:00Z', ...M(1) }),
    ], '2026-04-01T02:00:00Z');
    const issued = await h.issuer.issuePeriodReceipt(await h.closePeriod(tenant, '2026-03'));
    serial = issued.serial;
    expect(await h.pdfs.render(issued.receiptId)).toEqual({ objectKey: expect.stringContaining(serial) });
  }, 60_000);

  it('builds version 1: every manifest hash and the signature hold, the cover prints the manifest hash, and recalculate.mjs says match', async () => {
    const result = await h.builder().build({ orgId: tenant.orgId, month: '2026-03' });
    expect(result.built).toBe(true);
    first = result.pack;
    expect(first).toMatchObject({ orgId: tenant.orgId, month: '2026-03', version: 1, events: 5, receipts: 1, objectKey: `audit-packs/${tenant.orgId}/2026-03/v1.zip` });
    const zip = await openPack(first);
    await expectSound(first, zip);

    expect(zip.entries).toEqual(expect.arrayContaining([
      'README.txt', 'calculations.csv', 'factor-sets/1.0.json', 'methodology.md', 'disclosure.json', 'disclosure.csv', 'public-keys.json',
      `receipts/${serial}/payload.json`, `receipts/${serial}/signature.txt`, `receipts/${serial}/public-key.txt`, `receipts/${serial}/receipt.pdf`,
      'transparency-log/checkpoint.txt', 'transparency-log/entries.json', 'recalculate.mjs',
    ]));
    const [row] = await h.ds.query(`SELECT payload, signature FROM carbon_receipts WHERE serial = $1`, [serial]);
    expect(zip.read(`receipts/${serial}/payload.json`).toString('utf8')).toBe(row.payload);
    expect(zip.read(`receipts/${serial}/signature.txt`).toString('utf8')).toBe(row.signature);
    expect(zip.read(`receipts/${serial}/receipt.pdf`).subarray(0, 5).toString()).toBe('%PDF-');

    const csv = zip.read('calculations.csv').toString('utf8').trimEnd().split('\r\n');
    expect(csv).toHaveLength(6);
    const mystery = csv.find((l) => l.includes('acme/mystery-model-9000'))!;
    expect(mystery).toContain(',fallback,');
    expect(csv.slice(1).every((l) => l.includes(`,${serial},`))).toBe(true);
    expect(zip.read('methodology.md').toString('utf8')).toMatch(/^# Emissions methodology: Pack Org, "Research" Ltd, March 2026/);
    const entries = JSON.parse(zip.read('transparency-log/entries.json').toString('utf8'));
    expect(entries).toEqual([expect.objectContaining({ serial, index: expect.any(Number), inclusionProof: expect.any(Array) })]);

    const cover = path.join(zip.dir, 'cover.pdf');
    const text = pdfText(cover).replace(/\s+/g, ' ');
    for (const needle of [first.manifestSha256, 'Pack Org, "Research" Ltd', '2026-03', 'version 1']) expect({ needle, found: text.includes(needle) }).toEqual({ needle, found: true });

    const run = recalculate(zip.dir);
    expect({ last: run.last, status: run.status, output: run.status === 0 ? '' : run.output }).toEqual({ last: 'match', status: 0, output: '' });
  });

  it('a tampered calculations.csv row makes recalculate.mjs report a mismatch naming that row', async () => {
    const zip = await openPack(first);
    const file = path.join(zip.dir, 'calculations.csv');
    const lines = fs.readFileSync(file, 'utf8').split('\r\n');
    const target = lines.findIndex((l) => l.includes('claude-sonnet-4'));
    const cells = lines[target].split(',');
    const eventId = cells[0];
    cells[cells.length - 2] = `${cells[cells.length - 2]}1`; // co2eGCentral gains a digit
    lines[target] = cells.join(',');
    fs.writeFileSync(file, lines.join('\r\n'));

    const run = recalculate(zip.dir);
    expect(run.status).toBe(1);
    expect(run.last).toMatch(/^mismatch: \d+ differences?$/);
    expect(run.output).toContain(`calculations.csv line ${target + 1} (event ${eventId} revision 1)`);
    expect(run.output).toContain('calculations.csv: SHA-256 expected');
  });

  it('builds nothing when the inputs did not change, and version 2 after late usage; version 1 stays stored and listed', async () => {
    const again = await h.builder().build({ orgId: tenant.orgId, month: '2026-03' });
    expect(again).toEqual({ pack: first, built: false });

    await h.usage(tenant, [bucket({ hour: '2026-03-20T09:00:00Z', provider: 'anthropic', model: 'claude-haiku-4-5', ...M(2) })], '2026-04-05T00:00:00Z');
    const second = await h.builder().build({ orgId: tenant.orgId, month: '2026-03' });
    expect(second.built).toBe(true);
    expect(second.pack).toMatchObject({ version: 2, events: 6, objectKey: `audit-packs/${tenant.orgId}/2026-03/v2.zip` });
    expect(second.pack.inputsSha256).not.toBe(first.inputsSha256);
    expect(await h.localStorage.exists(first.objectKey)).toBe(true);
    // Listed the way the API lists them: every version, newest first, in keyset pages; scoped to the organization.
    const packs = new AuditPackQueryService({ dataSource: h.ds, storage: h.localStorage });
    const listed = await packs.list(tenant.orgId, { limit: 10 });
    expect(listed.data.map((p) => [p.id, p.version])).toEqual([[second.pack.id, 2], [first.id, 1]]);
    const page1 = await packs.list(tenant.orgId, { limit: 1 });
    const page2 = await packs.list(tenant.orgId, { limit: 1, cursor: page1.nextCursor! });
    expect([page1.data[0].version, page2.data[0].version, page2.nextCursor]).toEqual([2, 1, null]);
    const other = await h.tenant('Other Org');
    await expect(packs.open(other.orgId, first.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const opened = await packs.open(tenant.orgId, first.id);
    if ('stream' in opened) opened.stream.destroy();
    expect(opened).toMatchObject({ filename: 'carbonplan-audit-pack-2026-03-v1.zip' });

    const zip = await openPack(second.pack);
    await expectSound(second.pack, zip);
    const run = recalculate(zip.dir);
    // The receipt signed 5 events; the sixth moved the month after it: information, not a difference.
    expect({ last: run.last, output: run.status === 0 ? '' : run.output }).toEqual({ last: 'match', output: '' });
    expect(run.output).toMatch(/restatement/i);
  });
});

describe('audit pack edge months', () => {
  it('a month without usage yields a valid pack that says so', async () => {
    const tenant = await h.tenant('Quiet Org');
    const { pack, built } = await h.builder().build({ orgId: tenant.orgId, month: '2026-02' });
    expect(built).toBe(true);
    expect(pack).toMatchObject({ version: 1, events: 0, receipts: 0 });
    const zip = await openPack(pack);
    await expectSound(pack, zip);
    expect(zip.read('calculations.csv').toString('utf8').trimEnd().split('\r\n')).toHaveLength(1);
    expect(zip.read('README.txt').toString('utf8')).toContain('No usage was recorded for 2026-02');
    expect(JSON.parse(zip.read('disclosure.json').toString('utf8')).totals.co2eKg).toEqual({ low: '0', central: '0', high: '0' });
    expect(pdfText(path.join(zip.dir, 'cover.pdf'))).toContain('No usage was recorded for this month');
    const run = recalculate(zip.dir);
    expect({ last: run.last, output: run.status === 0 ? '' : run.output }).toEqual({ last: 'match', output: '' });
    expect(run.output).toContain('no usage');
  });

  it('a month with an adjustment receipt carries both receipts and the earlier revisions they signed', async () => {
    const tenant = await h.tenant('Adjusted Org');
    await h.usage(tenant, [bucket({ hour: '2026-05-03T10:00:00Z', ...M(4) }), bucket({ hour: '2026-05-04T10:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-20250514', ...M(1) })],
      '2026-06-01T01:00:00Z');
    const may = await h.issuer.issuePeriodReceipt(await h.closePeriod(tenant, '2026-05'));
    // A correction of a May bucket (revision 2) and late May usage, then June closes with an adjustment for May.
    await h.usage(tenant, [bucket({ hour: '2026-05-03T10:00:00Z', ...M(6) }), bucket({ hour: '2026-05-20T10:00:00Z', ...M(1) }),
      bucket({ hour: '2026-06-02T10:00:00Z', ...M(1) })], '2026-06-03T00:00:00Z');
    const june = await h.closePeriod(tenant, '2026-06');
    await h.issuer.issuePeriodReceipt(june);
    const [adjustment] = await h.issuer.issueAdjustments(june);
    expect(adjustment).toMatchObject({ kind: 'adjustment' });

    const { pack } = await h.builder().build({ orgId: tenant.orgId, month: '2026-05' });
    expect(pack).toMatchObject({ events: 3, receipts: 2 });
    const zip = await openPack(pack);
    await expectSound(pack, zip);
    expect(zip.entries).toEqual(expect.arrayContaining([`receipts/${may.serial}/payload.json`, `receipts/${adjustment.serial}/payload.json`]));
    const csv = zip.read('calculations.csv').toString('utf8').trimEnd().split('\r\n').slice(1).map((l) => l.split(','));
    // The corrected event: revision 1 (signed by the period receipt, archived) and revision 2 (current, signed by the adjustment).
    const corrected = csv.filter((c) => c[1] === '1' && c[2] === 'false');
    expect(corrected).toHaveLength(1);
    expect(corrected[0][3]).toBe(may.serial);
    expect(csv.find((c) => c[0] === corrected[0][0] && c[1] === '2')?.slice(2, 4)).toEqual(['true', adjustment.serial]);
    const run = recalculate(zip.dir);
    expect({ last: run.last, output: run.status === 0 ? '' : run.output }).toEqual({ last: 'match', output: '' });
  });
});
