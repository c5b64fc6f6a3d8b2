// DisclosureService on a scratch database (the credit inventory and the public log are global): usage from the real
// ingest service (two providers, two projects, an unmatched model), a period receipt and an adjustment from the real
// issuer, every figure checked against sums the test computes itself from the buckets it ingested.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { Disclosure, DisclosureQuery, MonthDisclosure, RangeDisclosure, type DisclosureFigures } from '../../../contracts/disclosure';
import type { UsageBucket } from '../../../contracts/usage';
import { defaultEngine } from '../../../src/emissions';
import { LocalSecretStore } from '../../../src/integrations/secrets/local-secret-store';
import { BillingPeriodRepository } from '../../../src/services/billing/billing-periods';
import { loadCreditInventory } from '../../../src/services/credits/credit-inventory.service';
import { DisclosureService, disclosureCsv, disclosureViolations, DISCLOSURE_CSV_COLUMNS } from '../../../src/services/disclosure';
import { ReceiptIssuer } from '../../../src/services/receipts/receipt-issuer';
import { SigningKeyService } from '../../../src/services/signing-keys/signing-key.service';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../src/services/telemetry/ingest.service';
import { LogService } from '../../../src/services/transparency-log/log.service';
import { createConnectionRow, createTenant, type TestConnection, type TestTenant } from '../../factories/tenants';
import { bucket } from '../../factories/usage';
import { createScratchDatabase } from '../../helpers/scratch-database';

const HEADER = 'registry,project,vintage,serial_start,serial_end,tonnes,retired_on,retirement_reference';
const GENERATED_AT = new Date('2026-06-03T04:00:00.000Z');
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let ds: DataSource;
let issuer: ReceiptIssuer;
let ingest: IngestService;
let service: DisclosureService;
let a: TestTenant;
let supportProject: string;
let openai: TestConnection;
let anthropic: TestConnection;
const engine = defaultEngine();

// ---- An independent ledger of what was ingested: the current reading of each bucket, recomputed with the engine.
interface Ingested { provider: string; model: string; projectId: string; month: string; tokens: [bigint, bigint, bigint]; wh: string[]; g: string[] }
const ingested = new Map<string, Ingested>();

async function put(conn: TestConnection, buckets: UsageBucket[]): Promise<void> {
  await ingest.ingest(conn, buckets);
  for (const b of buckets) {
    const e = engine.computeExact({ provider: conn.provider, model: b.model, tokens: b });
    ingested.set(`${conn.id}|${b.model}|${b.bucketStart.toISOString()}`, {
      provider: conn.provider, model: b.model, projectId: conn.projectId, month: b.bucketStart.toISOString().slice(0, 7),
      tokens: [BigInt(b.inputUncached + b.inputCacheWrite), BigInt(b.outputTokens), BigInt(b.inputCacheRead)],
      wh: [e.energyWh.low, e.energyWh.central, e.energyWh.high], g: [e.co2eG.low, e.co2eG.central, e.co2eG.high],
    });
  }
}

// Fixed point with 24 fraction digits: far more than any stored figure (12) plus the /1000.
const SCALE = 24;
const fixed = (s: string) => { const [w, f = ''] = s.split('.'); return BigInt(w + f.padEnd(SCALE, '0')); };
function text(n: bigint, extraScale = 0): string {
  const scale = SCALE + extraScale;
  const digits = n.toString().padStart(scale + 1, '0');
  const fraction = digits.slice(-scale).replace(/0+$/, '');
  return `${digits.slice(0, -scale)}${fraction ? `.${fraction}` : ''}`;
}
/** The expected figures of the ingested buckets passing `keep`, in the disclosure's units (kWh, kg). */
function expected(keep: (i: Ingested) => boolean): DisclosureFigures {
  const rows = [...ingested.values()].filter(keep);
  const sumAt = (pick: (i: Ingested) => string[], k: number) => text(rows.reduce((n, i) => n + fixed(pick(i)[k]), 0n), 3);
  const tok = (k: number) => rows.reduce((n, i) => n + i.tokens[k], 0n).toString();
  return {
    tokens: { prefill: tok(0), decode: tok(1), cached: tok(2), reasoning: '0' },
    energyKwh: { low: sumAt((i) => i.wh, 0), central: sumAt((i) => i.wh, 1), high: sumAt((i) => i.wh, 2) },
    co2eKg: { low: sumAt((i) => i.g, 0), central: sumAt((i) => i.g, 1), high: sumAt((i) => i.g, 2) },
  };
}
const withoutReasoning = (f: DisclosureFigures) => ({ tokens: { ...f.tokens, reasoning: '0' }, energyKwh: f.energyKwh, co2eKg: f.co2eKg });
const inMarch = (i: Ingested) => i.month === '2026-03';

const periods = () => new BillingPeriodRepository(ds);
async function closePeriod(tenant: TestTenant, month: string): Promise<string> {
  const start = `${month}-01T00:00:00.000Z`;
  const next = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1)).toISOString();
  const common = { orgId: tenant.orgId, periodStart: start, periodEnd: next, invoiceId: null, workflowId: `billing-period:${tenant.orgId}:${month}`, receiptDueAt: next };
  await periods().record({ ...common, status: 'closing' });
  const { id } = await periods().finalize(tenant.orgId, new Date(start), new Date(next));
  await periods().record({ ...common, status: 'closed' });
  return id;
}
const payloadOf = async (serial: string) => JSON.parse((await ds.query(`SELECT payload FROM carbon_receipts WHERE serial = $1`, [serial]))[0].payload);
const gramsCeil = (kg: string) => { const n = fixed(kg) * 1000n; const unit = 10n ** BigInt(SCALE); return n / unit + (n % unit === 0n ? 0n : 1n); };

let marchSerial: string;
let adjustmentSerial: string;

beforeAll(async () => {
  scratch = await createScratchDatabase('carbonplan_disclosure', 6);
  ds = scratch.dataSource;
  const secrets = new LocalSecretStore({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-disclosure-')), masterKey: randomBytes(32) });
  const keys = new SigningKeyService({ dataSource: ds, secrets, prefix: 'test/disclosure', logKeyName: 'test.local/receipts' });
  const log = new LogService({ dataSource: ds, origin: 'test.local/receipts', signer: () => keys.logSigner() });
  issuer = new ReceiptIssuer({ dataSource: ds, signingKeys: keys, log, adjustmentThresholdKg: '0.001' });
  ingest = new IngestService(ds, new FactorSetRepository(ds));
  service = new DisclosureService(ds);
  const loaded = await loadCreditInventory(ds, {
    fileName: 'test.csv',
    bytes: Buffer.from([HEADER, 'gold-standard,GS99901 Test,2021,GS1-1-XX-GS99901-12-2021-1-1-1,GS1-1-XX-GS99901-12-2021-1-50-50,50,2025-01-01,R-2021'].join('\n')),
  });
  expect(loaded.outcome).toBe('loaded');

  a = await createTenant(ds, 'Disclosing Org');
  [{ id: supportProject }] = await ds.query(`INSERT INTO projects (org_id, name, slug) VALUES ($1, 'Support bot', 'support-bot') RETURNING id`, [a.orgId]);
  openai = await createConnectionRow(ds, a, 'openai');
  anthropic = await createConnectionRow(ds, a, 'anthropic', supportProject);
  await put(openai, [
    bucket({ hour: '2026-03-02T10:00:00Z', model: 'gpt-4o-mini', inputUncached: 3_000_000, outputTokens: 900_000, inputCacheRead: 5_000_000 }),
    bucket({ hour: '2026-03-15T08:00:00Z', model: 'gpt-4o-2024-08-06', inputUncached: 2_000_000, outputTokens: 700_000 }),
    bucket({ hour: '2026-03-20T00:00:00Z', model: 'mystery-model-x', inputUncached: 400_000, outputTokens: 100_000 }),
    bucket({ hour: '2026-03-31T23:00:00Z', model: 'gpt-4o-mini', inputUncached: 1_000_000, outputTokens: 200_000 }),
    bucket({ hour: '2026-04-01T00:00:00Z', model: 'gpt-4o-mini', inputUncached: 1_500_000, outputTokens: 300_000 }),
  ]);
  await put(anthropic, [
    bucket({ hour: '2026-03-05T12:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputUncached: 1_000_000, inputCacheWrite: 500_000, inputCacheRead: 4_000_000, outputTokens: 600_000, reasoningTokens: 200_000 }),
  ]);
  marchSerial = (await issuer.issuePeriodReceipt(await closePeriod(a, '2026-03'))).serial;
  // Late March usage after the receipt; April closes and its close adjusts March.
  await put(anthropic, [bucket({ hour: '2026-03-25T09:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputUncached: 2_000_000, outputTokens: 800_000 })]);
  const aprilId = await closePeriod(a, '2026-04');
  await issuer.issuePeriodReceipt(aprilId);
  const adjustments = await issuer.issueAdjustments(aprilId);
  expect(adjustments).toHaveLength(1);
  adjustmentSerial = adjustments[0].serial;
}, 120_000);
afterAll(async () => scratch?.drop());

describe('DisclosureService.month', () => {
  let doc: MonthDisclosure;
  beforeAll(async () => { doc = await service.month(a.orgId, '2026-03', { generatedAt: GENERATED_AT }); });

  it('totals are the exact sums of the month\'s usage, in kWh, kg and t, and April stays out', () => {
    expect(MonthDisclosure.parse(doc)).toEqual(doc);
    expect(doc).toMatchObject({
      schema: 'carbonplan.disclosure/v1', org: { id: a.orgId, name: 'Disclosing Org' }, generatedAt: '2026-06-03T04:00:00.000Z',
      period: { kind: 'month', start: '2026-03-01', end: '2026-03-31', tz: 'UTC' },
      factorSet: { version: '1.0', name: 'CarbonFactors v1.0' }, factorVersionsUsed: ['1.0'],
      boundary: { minimumBoundaryMet: false }, method: { ghgProtocol: 'average-data', gridBasis: 'location' }, marketBased: null,
    });
    const want = expected(inMarch);
    expect(withoutReasoning(doc.totals)).toEqual(want);
    expect(doc.totals.tokens.reasoning).toBe('200000');
    expect(doc.totals.co2eT).toEqual({ low: text(fixed(want.co2eKg.low), 3), central: text(fixed(want.co2eKg.central), 3), high: text(fixed(want.co2eKg.high), 3) });
    expect(doc.lines.every((l) => l.month === '2026-03')).toBe(true);
  });

  it('every breakdown sums exactly to the totals, low <= central <= high everywhere', () => {
    expect(disclosureViolations(doc)).toEqual([]);
    const providers = doc.breakdown.byProvider.map((p) => [p.provider, withoutReasoning(p)]);
    expect(providers).toEqual([
      ['anthropic', expected((i) => inMarch(i) && i.provider === 'anthropic')],
      ['openai', expected((i) => inMarch(i) && i.provider === 'openai')],
    ]);
    expect(doc.breakdown.byProject.map((p) => [p.project, p.projectId, withoutReasoning(p)])).toEqual([
      ['Default', a.projectId, expected((i) => inMarch(i) && i.projectId === a.projectId)],
      ['Support bot', supportProject, expected((i) => inMarch(i) && i.projectId === supportProject)],
    ]);
    expect(doc.breakdown.byRegion).toHaveLength(1);
    expect(doc.breakdown.byRegion[0]).toMatchObject({ region: 'unassigned', gridCiSource: expect.stringContaining('grid.default') });
    expect(withoutReasoning(doc.breakdown.byRegion[0])).toEqual(expected(inMarch));
  });

  it('flags the unmatched model: fallback tier, score 4, its token share and the weighted score', () => {
    const byModel = Object.fromEntries(doc.breakdown.byModel.map((m) => [m.model, m]));
    expect(byModel['mystery-model-x']).toMatchObject({ tier: 'fallback', matched: false, dqScore: 4 });
    expect(byModel['gpt-4o-mini']).toMatchObject({ tier: engine.classify('gpt-4o-mini').tier, matched: true, dqScore: 3 });
    expect(withoutReasoning(byModel['mystery-model-x'])).toEqual(expected((i) => inMarch(i) && i.model === 'mystery-model-x'));
    const march = expected(inMarch);
    const all = BigInt(march.tokens.prefill) + BigInt(march.tokens.decode) + BigInt(march.tokens.cached);
    // 500,000 of the month's tokens: 100 * 500000 / all, to two digits half to even (no tie at these counts).
    const pct = (Number(500_000n * 100_000_000_000n / all) / 1e9).toFixed(2);
    expect(doc.dataSources).toEqual({
      activityDataFromSuppliersPct: '100.00', emissionsReportedBySuppliersPct: '0.00', estimatedPct: '100.00', unmatchedModelSharePct: pct, spendBasedSharePct: '0.00',
    });
    const unmatched = fixed(byModel['mystery-model-x'].co2eKg.central);
    const total = fixed(march.co2eKg.central);
    const score = (Number(((3n * total + unmatched) * 100_000n) / total) / 100_000).toFixed(2);
    expect(doc.dataQuality.weightedScore).toBe(score);
    expect(doc.dataQuality.notes.join('\n')).toMatch(/mystery-model-x/);
    expect(doc.dataQuality.notes.join('\n')).toMatch(/Region unknown/);
  });

  it('lists the month\'s receipts (period and adjustment) with their hashes, and the credits they retired, never netted', async () => {
    const rows = await ds.query(`SELECT serial, kind, payload_sha256 FROM carbon_receipts WHERE serial = ANY($1) ORDER BY issued_at`, [[marchSerial, adjustmentSerial]]);
    expect(doc.receipts.map((r) => [r.serial, r.kind, r.payloadSha256])).toEqual(rows.map((r: any) => [r.serial, r.kind, r.payload_sha256]));
    expect(doc.receipts[1].adjusts).toBe(marchSerial);
    expect(doc.receipts.some((r) => r.serial.startsWith('CL-202604'))).toBe(false);

    const period = await payloadOf(marchSerial);
    const adjustment = await payloadOf(adjustmentSerial);
    const required = gramsCeil(period.totals.co2eKg.high) + gramsCeil(adjustment.totals.co2eKg.high);
    expect(doc.credits).toMatchObject({ netted: false, allocatedAt: 'high', requiredG: String(required), retiredG: String(required), pendingG: '0', shortfallG: '0' });
    expect(doc.credits.lines.length).toBeGreaterThanOrEqual(2);
    for (const line of doc.credits.lines) expect(line).toMatchObject({ registry: 'gold-standard', serialStart: expect.stringMatching(/^GS1-/), retirementReference: 'R-2021' });
    // Credits never reduce the emissions.
    expect(withoutReasoning(doc.totals)).toEqual(expected(inMarch));

    const claude = doc.lines.find((l) => l.model === 'claude-sonnet-4-20250514')!;
    expect(claude.receipts).toEqual([marchSerial, adjustmentSerial]);
    expect(doc.lines.find((l) => l.model === 'mystery-model-x')!.receipts).toEqual([marchSerial]);
  });

  it('range(m, m) is the month document', async () => {
    expect(await service.range(a.orgId, '2026-03', '2026-03', { generatedAt: GENERATED_AT })).toEqual(doc);
  });

  it('writes the CSV: the §10 columns in camelCase, one row per line, exact decimals, rows summing to the totals', () => {
    const csv = disclosureCsv(doc);
    const [head, ...rows] = csv.trimEnd().split('\r\n').map((r) => r.split(','));
    expect(head).toEqual([...DISCLOSURE_CSV_COLUMNS]);
    expect(head).toHaveLength(28);
    expect(rows).toHaveLength(doc.lines.length);
    const col = (name: string) => rows.map((r) => r[head.indexOf(name)]);
    expect(new Set(col('region'))).toEqual(new Set(['unassigned']));
    expect(new Set(col('periodStart'))).toEqual(new Set(['2026-03-01']));
    expect(new Set(col('periodEnd'))).toEqual(new Set(['2026-03-31']));
    for (const [column, total] of [['co2eKgLow', doc.totals.co2eKg.low], ['co2eKgCentral', doc.totals.co2eKg.central], ['co2eKgHigh', doc.totals.co2eKg.high],
      ['energyKwhHigh', doc.totals.energyKwh.high], ['tokensCached', doc.totals.tokens.cached]] as const) {
      expect(text(col(column).reduce((n, v) => n + fixed(v), 0n))).toBe(total);
    }
    expect(col('dqScore').sort()).toEqual(doc.lines.map((l) => String(l.dqScore)).sort());
    expect(rows.find((r) => r[head.indexOf('model')] === 'claude-sonnet-4-20250514')![head.indexOf('receiptSerial')]).toBe(`${marchSerial};${adjustmentSerial}`);
  });
});

describe('DisclosureService.range', () => {
  it('a year: months sum to the totals, the month equals its month document, March restated by its adjustment', async () => {
    const year = await service.range(a.orgId, '2026-01', '2026-12', { generatedAt: GENERATED_AT });
    expect(RangeDisclosure.parse(year)).toEqual(year);
    expect(disclosureViolations(year)).toEqual([]);
    if (!('months' in year)) throw new Error('expected the year shape');
    expect(year.period).toEqual({ kind: 'year', start: '2026-01-01', end: '2026-12-31', tz: 'UTC' });
    expect(withoutReasoning(year.totals)).toEqual(expected(() => true));
    expect(year.months).toHaveLength(12);
    const march = await service.month(a.orgId, '2026-03', { generatedAt: GENERATED_AT });
    expect(year.months[2]).toEqual({ month: '2026-03', co2eKg: march.totals.co2eKg, factorVersions: ['1.0'], status: 'restated', receipts: [marchSerial, adjustmentSerial] });
    expect(year.lines.filter((l) => l.month === '2026-03')).toEqual(march.lines);
    expect(year.months[3]).toMatchObject({ month: '2026-04', status: 'final', co2eKg: expected((i) => i.month === '2026-04').co2eKg });
    expect(year.months[0]).toEqual({ month: '2026-01', co2eKg: { low: '0', central: '0', high: '0' }, factorVersions: [], status: 'unsigned', receipts: [] });

    const issued = (await payloadOf(marchSerial)).totals.co2eKg.high;
    expect(year.restatements).toEqual([{
      month: '2026-03', issuedHighKg: issued, signedHighKg: march.totals.co2eKg.high, currentHighKg: march.totals.co2eKg.high,
      adjustmentReceipt: adjustmentSerial, adjustmentReceipts: [adjustmentSerial], reason: expect.stringMatching(/adjustment receipt/),
    }]);
    expect(year.coverage).toEqual({ months: 12, monthsWithData: 2, connections: [`anthropic:${anthropic.id}`, `openai:${openai.id}`].sort() });
    expect(year.factorVersionsUsed).toEqual(['1.0']);
  });

  it('a move below the adjustment threshold shows as changed, with what was signed and what is current', async () => {
    await put(openai, [bucket({ hour: '2026-03-26T00:00:00Z', model: 'gpt-4o-mini', inputUncached: 10, outputTokens: 1 })]);
    const range = await service.range(a.orgId, '2026-02', '2026-04', { generatedAt: GENERATED_AT });
    if (!('months' in range)) throw new Error('expected the range shape');
    expect(range.period.kind).toBe('range');
    expect(range.months.map((m) => m.status)).toEqual(['unsigned', 'changed', 'final']);
    const [restated] = range.restatements;
    expect(restated.currentHighKg).toBe(expected(inMarch).co2eKg.high);
    expect(restated.signedHighKg).not.toBe(restated.currentHighKg);
    expect(restated).toMatchObject({ month: '2026-03', adjustmentReceipt: adjustmentSerial });
    expect(withoutReasoning(range.totals)).toEqual(expected((i) => i.month >= '2026-02' && i.month <= '2026-04'));
  });
});

describe('empty months, tenancy and bad input', () => {
  it('a month without usage is a valid document with zero totals that says so', async () => {
    const doc = await service.month(a.orgId, '2026-06', { generatedAt: GENERATED_AT });
    expect(Disclosure.parse(doc)).toEqual(doc);
    expect(disclosureViolations(doc)).toEqual([]);
    expect(doc.totals).toEqual({
      tokens: { prefill: '0', decode: '0', cached: '0', reasoning: '0' }, energyKwh: { low: '0', central: '0', high: '0' },
      co2eKg: { low: '0', central: '0', high: '0' }, co2eT: { low: '0', central: '0', high: '0' },
    });
    expect(doc.lines).toEqual([]);
    expect(doc.breakdown).toEqual({ byProvider: [], byModel: [], byProject: [], byRegion: [] });
    expect(doc.dataSources.activityDataFromSuppliersPct).toBe('0.00');
    expect(doc.dataQuality.weightedScore).toBeNull();
    expect(doc.dataQuality.notes).toEqual([expect.stringMatching(/No usage was recorded/)]);
    expect(doc.factorSet.version).toBe('1.0');
    expect(doc.credits).toMatchObject({ requiredG: '0', retiredG: '0', lines: [] });
    expect(disclosureCsv(doc)).toBe(`${DISCLOSURE_CSV_COLUMNS.join(',')}\r\n`);
  });

  it('another organization sees none of it, and its own usage stays out of ours', async () => {
    const b = await createTenant(ds, 'Other Org');
    const connB = await createConnectionRow(ds, b, 'openai');
    await ingest.ingest(connB, [bucket({ hour: '2026-03-10T00:00:00Z', model: 'b-secret-model', inputUncached: 9_000_000 })]);
    const bSerial = (await issuer.issuePeriodReceipt(await closePeriod(b, '2026-03'))).serial;
    const ours = JSON.stringify(await service.range(a.orgId, '2026-01', '2026-12'));
    expect(ours).not.toContain('b-secret-model');
    expect(ours).not.toContain(bSerial);
    expect(ours).not.toContain(b.orgId);
    const theirs = await service.month(b.orgId, '2026-03');
    const text = JSON.stringify(theirs);
    for (const secret of [marchSerial, adjustmentSerial, 'mystery-model-x', 'Support bot', a.orgId, openai.id]) expect(text).not.toContain(secret);
    expect(theirs.lines.map((l) => l.model)).toEqual(['b-secret-model']);
    expect(theirs.receipts.map((r) => r.serial)).toEqual([bSerial]);
  });

  it('refuses bad months and ranges with a message naming the field', async () => {
    await expect(service.month(a.orgId, '2026-13')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', extra: { field: 'month' } });
    await expect(service.range(a.orgId, '2026-05', '2026-04')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', extra: { field: 'to' } });
    await expect(service.range(a.orgId, '2020-01', '2023-01')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/36 months/) });
    await expect(service.month('00000000-0000-4000-8000-000000000000', '2026-03')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const issue = (q: object) => { const r = DisclosureQuery.safeParse(q); return r.success ? null : { path: r.error.issues[0].path.join('.'), message: r.error.issues[0].message }; };
    expect(issue({ year: '2026' })).toBeNull();
    expect(issue({ from: '2024-01', to: '2026-12' })).toBeNull();
    expect(issue({})).toBeNull();
    expect(issue({ year: '2026', from: '2026-01' })).toMatchObject({ path: 'year', message: expect.stringMatching(/not both/) });
    expect(issue({ from: '2026-01' })).toMatchObject({ path: 'to' });
    expect(issue({ to: '2026-01' })).toMatchObject({ path: 'from' });
    expect(issue({ from: '2026-04', to: '2026-03' })).toMatchObject({ path: 'to', message: expect.stringMatching(/before from/) });
    expect(issue({ from: '2024-01', to: '2027-01' })).toMatchObject({ path: 'to', message: expect.stringMatching(/36 months/) });
    expect(issue({ year: '26' })).toMatchObject({ path: 'year' });
    expect(issue({ year: '1969' })).toMatchObject({ path: 'year' });
    expect(issue({ from: '2026-1', to: '2026-02' })).toMatchObject({ path: 'from', message: expect.stringMatching(/YYYY-MM/) });
    expect(issue({ year: '2026', format: 'xml' })).toMatchObject({ path: 'format' });
    expect(issue({ year: '2026', extra: '1' })).toMatchObject({ path: '' });
  });
});
