import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FactorSetDocument, TokenCounts } from '../../../contracts/emissions';
import { DISCLOSURE_SCHEMA, MonthDisclosure, type DisclosureLine, type DisclosureReceipt } from '../../../contracts/disclosure';
import { ReceiptPayload, type ReceiptFigures, type ReceiptModelLine } from '../../../contracts/receipts';
import type { PublicSigningKey } from '../../../contracts/signing-keys';
import { createCalculationsCsv, type CalculationRow } from '../../../src/audit-packs/calculations-csv';
import { packKeySetText, publicKeyFileText, PACK_KEYS_FILE } from '../../../src/audit-packs/pack-keys';
import { RECALCULATE_SCRIPT_PATH } from '../../../src/audit-packs/templates';
import { createEmissionsEngine, loadFactorSetV1 } from '../../../src/emissions';
import { add, parseDecimal, toCanonicalString } from '../../../src/emissions/exact-decimal';
import { canonicalize } from '../../../src/receipts/canonical-json';
import { keyPairFromSeed, signBytes, signPayload } from '../../../src/receipts/ed25519';
import { perThousand } from '../../../src/receipts/exact-decimal-string';
import { snapshotReference } from '../../../src/receipts/snapshot';
import { gramsToTonnes, kgToGramsCeil } from '../../../src/services/credits/grams';
import { disclosureBody } from '../../../src/services/disclosure/disclosure-body';
import { STATEMENTS } from '../../../src/services/disclosure/statements';
import { combineFigures, zeroFigures } from '../../../src/services/receipts/receipt-figures';
import { modelDeltas } from '../../../src/services/receipts/receipt-issuer';
import { signCheckpoint } from '../../../src/transparency-log/checkpoint';
import { leafHashOfPayload, MemoryTree } from '../../../src/transparency-log/merkle';

/**
 * Builds an unzipped audit pack in os.tmpdir() the way the design lays it out, with real figures (the emissions
 * engine), real receipts (payloads built and signed as the issuer does, adjustments as deltas via its
 * modelDeltas/combineFigures), a real log checkpoint, and a signed manifest; then runs recalculate.mjs with node.
 */

export interface FixtureEvent {
  id: string;
  revision: number;
  provider: string;
  model: string;
  /** ISO instant; the bucket is one hour. */
  bucketStart: string;
  tokens: Partial<TokenCounts>;
  projectId?: string;
  factorVersion?: string;
  /** The event row was deleted later: no revision of it is current. */
  isDeleted?: boolean;
}

export interface FixtureReceipt {
  serial: string;
  kind: 'period' | 'adjustment';
  adjusts?: string;
  /** [eventId, revision] pairs the receipt signed. */
  signs: Array<[string, number]>;
  issuedAt: string;
}

export interface PackSpec {
  month: string;
  events: FixtureEvent[];
  receipts: FixtureReceipt[];
  factorSets?: FactorSetDocument[];
  /** Edits before the manifest is written (a bug or a dishonest builder: the manifest still matches). */
  beforeManifest?: (pack: PackFiles) => void;
  /** Edits after the manifest is signed (tampering in transit). */
  afterManifest?: (pack: PackFiles) => void;
}

export interface PackFiles {
  dir: string;
  read(relative: string): string;
  write(relative: string, content: string | Buffer): void;
  /** calculations.csv lines without line ends; `edit` returns the new lines. */
  editCsv(edit: (lines: string[]) => string[]): void;
}

export interface RunResult { status: number | null; stdout: string; stderr: string; lines: string[] }

export const ORG_ID = '2d0c6d1e-5b8a-4c61-9a3e-0f6b1c2d3e4f';
const RECEIPT_KEY = keyPairFromSeed(Buffer.alloc(32, 7));
const LOG_KEY = keyPairFromSeed(Buffer.alloc(32, 9));
const LOG_ORIGIN = 'carbonplan.test/log';

const thumbprint = (x: string) => createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`, 'utf8').digest('base64url');
function jwk(publicKey: Uint8Array, purpose: 'receipt' | 'log'): PublicSigningKey {
  const x = Buffer.from(publicKey).toString('base64url');
  return { kty: 'OKP', crv: 'Ed25519', x, kid: thumbprint(x), alg: 'EdDSA', use: 'sig', purpose, createdAt: '2025-12-01T00:00:00.000Z', retiredAt: null, revokedAt: null };
}
export const RECEIPT_JWK = jwk(RECEIPT_KEY.publicKey, 'receipt');
const LOG_JWK = jwk(LOG_KEY.publicKey, 'log');

const HOUR_MS = 3_600_000;
const key = (id: string, revision: number) => `${id}#${revision}`;

function monthBounds(month: string): { start: string; end: string } {
  const [y, m] = month.split('-').map(Number);
  return { start: new Date(Date.UTC(y, m - 1, 1)).toISOString(), end: new Date(Date.UTC(y, m, 1)).toISOString() };
}

interface FigureRow { provider: string; model: string; factorVersion: string; row: CalculationRow }

/** The issuer's snapshotFigures/compute: one line per (provider, model, factor version), sorted, and their sum. */
function snapshotFigures(rows: FigureRow[]): { totals: ReceiptFigures; models: ReceiptModelLine[]; factorVersions: string[] } {
  const groups = new Map<string, FigureRow[]>();
  for (const r of rows) {
    const k = JSON.stringify([r.provider, r.model, r.factorVersion]);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const sum = (rs: FigureRow[], f: (r: CalculationRow) => string) => toCanonicalString(rs.reduce((s, r) => add(s, parseDecimal(f(r.row))), parseDecimal('0')));
  const models: ReceiptModelLine[] = [...groups.values()].map((rs) => ({
    provider: rs[0].provider, model: rs[0].model, factorVersion: rs[0].factorVersion,
    tokens: {
      inputUncached: sum(rs, (r) => r.inputUncached), inputCacheWrite: sum(rs, (r) => r.inputCacheWrite), inputCacheRead: sum(rs, (r) => r.inputCacheRead),
      output: sum(rs, (r) => r.outputTokens), reasoning: sum(rs, (r) => r.reasoningTokens),
    },
    energyKwh: { low: perThousand(sum(rs, (r) => r.energyWhLow)), central: perThousand(sum(rs, (r) => r.energyWhCentral)), high: perThousand(sum(rs, (r) => r.energyWhHigh)) },
    co2eKg: { low: perThousand(sum(rs, (r) => r.co2eGLow)), central: perThousand(sum(rs, (r) => r.co2eGCentral)), high: perThousand(sum(rs, (r) => r.co2eGHigh)) },
  }));
  const byLine = (a: ReceiptModelLine, b: ReceiptModelLine) => {
    for (const k of ['provider', 'model', 'factorVersion'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
    return 0;
  };
  models.sort(byLine);
  return {
    totals: models.reduce<ReceiptFigures>((s, m) => combineFigures(s, m), zeroFigures()),
    models,
    factorVersions: [...new Set(rows.map((r) => r.factorVersion))].sort(),
  };
}

function credits(highKg: string) {
  const grams = highKg.startsWith('-') ? 0 : kgToGramsCeil(highKg);
  const tonnes = gramsToTonnes(grams);
  return { requiredTonnes: tonnes, retirements: [], shortfallTonnes: tonnes };
}

/**
 * disclosure.json as the disclosure service writes it (its disclosureBody over lines grouped like its SQL, then the
 * MonthDisclosure contract), from the month's current rows.
 */
function disclosureOf(month: string, current: CalculationRow[], receipts: DisclosureReceipt[], factorSet: FactorSetDocument): MonthDisclosure {
  const groups = new Map<string, CalculationRow[]>();
  for (const r of current) {
    const k = JSON.stringify([r.provider, r.model, r.projectId, r.factorVersion, r.tier]);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const sum = (rs: CalculationRow[], f: (r: CalculationRow) => string) => toCanonicalString(rs.reduce((s, r) => add(s, parseDecimal(f(r))), parseDecimal('0')));
  const lines: DisclosureLine[] = [...groups.values()].map((rs) => ({
    month, provider: rs[0].provider, model: rs[0].model, tier: rs[0].tier, matched: rs[0].tier !== 'fallback',
    projectId: rs[0].projectId, project: `project ${rs[0].projectId.slice(0, 4)}`, region: 'unassigned', gridCiSource: 'CarbonFactors v1.0 grid default',
    factorVersion: rs[0].factorVersion, dqScore: rs[0].tier === 'fallback' ? 4 : 3,
    receipts: receipts.map((r) => r.serial),
    tokens: {
      prefill: (BigInt(sum(rs, (r) => r.inputUncached)) + BigInt(sum(rs, (r) => r.inputCacheWrite))).toString(),
      decode: sum(rs, (r) => r.outputTokens), cached: sum(rs, (r) => r.inputCacheRead), reasoning: sum(rs, (r) => r.reasoningTokens),
    },
    energyKwh: { low: perThousand(sum(rs, (r) => r.energyWhLow)), central: perThousand(sum(rs, (r) => r.energyWhCentral)), high: perThousand(sum(rs, (r) => r.energyWhHigh)) },
    co2eKg: { low: perThousand(sum(rs, (r) => r.co2eGLow)), central: perThousand(sum(rs, (r) => r.co2eGCentral)), high: perThousand(sum(rs, (r) => r.co2eGHigh)) },
  }));
  const { start, end } = monthBounds(month);
  return MonthDisclosure.parse({
    schema: DISCLOSURE_SCHEMA,
    org: { id: ORG_ID, name: 'Acme Research' },
    generatedAt: '2026-02-03T04:00:00.000Z',
    period: { kind: 'month', start: start.slice(0, 10), end: new Date(Date.parse(end) - 1).toISOString().slice(0, 10), tz: 'UTC' },
    factorSet: { name: factorSet.name, version: factorSet.version, sha256: createHash('sha256').update(canonicalize(factorSet)).digest('hex') },
    factorVersionsUsed: [...new Set(lines.map((l) => l.factorVersion))].sort(),
    ...STATEMENTS,
    ...disclosureBody(lines, { factorSetName: factorSet.name }),
    lines,
    credits: { netted: false, allocatedAt: 'high', requiredG: '0', allocatedG: '0', retiredG: '0', pendingG: '0', shortfallG: '0', lines: [] },
    receipts,
  });
}

export async function buildPack(spec: PackSpec): Promise<PackFiles> {
  const factorSets = spec.factorSets ?? [loadFactorSetV1()];
  const engines = new Map(factorSets.map((doc) => [doc.version, createEmissionsEngine(doc)]));
  const csv = createCalculationsCsv(factorSets);
  const month = monthBounds(spec.month);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'audit-pack-'));
  const files: PackFiles = {
    dir,
    read: (p) => readFileSync(path.join(dir, p), 'utf8'),
    write: (p, content) => { mkdirSync(path.dirname(path.join(dir, p)), { recursive: true }); writeFileSync(path.join(dir, p), content); },
    editCsv: (edit) => {
      const lines = files.read('calculations.csv').split('\r\n');
      const last = lines.pop();
      if (last !== '') throw new Error('calculations.csv does not end in CRLF');
      files.write('calculations.csv', `${edit(lines).join('\r\n')}\r\n`);
    },
  };

  // Rows: every revision's figures from the engine; current = the highest revision of an event not deleted.
  const latest = new Map<string, number>();
  for (const e of spec.events) latest.set(e.id, Math.max(latest.get(e.id) ?? 0, e.revision));
  const signedBy = new Map<string, string[]>();
  for (const r of spec.receipts) for (const [id, rev] of r.signs) signedBy.set(key(id, rev), [...(signedBy.get(key(id, rev)) ?? []), r.serial]);
  const rows = spec.events.map((e) => {
    const version = e.factorVersion ?? factorSets[0].version;
    const result = engines.get(version)!.computeExact({ provider: e.provider, model: e.model, tokens: e.tokens });
    const t = e.tokens;
    const row: CalculationRow = {
      eventId: e.id, revision: e.revision, isCurrent: !e.isDeleted && latest.get(e.id) === e.revision, signedBy: signedBy.get(key(e.id, e.revision)) ?? [],
      inMonth: e.bucketStart >= month.start && e.bucketStart < month.end,
      connectionId: '7f1d3a52-0b7e-4f0e-8a39-1c2d3e4f5a6b', projectId: e.projectId ?? 'b6c1e7a0-3f24-4d8e-9c15-2a3b4c5d6e7f',
      provider: e.provider, model: e.model, bucketStart: e.bucketStart, bucketEnd: new Date(Date.parse(e.bucketStart) + HOUR_MS),
      inputUncached: String(t.inputUncached ?? 0), inputCacheWrite: String(t.inputCacheWrite ?? 0), inputCacheRead: String(t.inputCacheRead ?? 0),
      outputTokens: String(t.outputTokens ?? 0), reasoningTokens: String(t.reasoningTokens ?? 0),
      factorVersion: result.factorVersion, tier: result.tier, matchedRule: result.matchedRule,
      energyWhLow: result.energyWh.low, energyWhCentral: result.energyWh.central, energyWhHigh: result.energyWh.high,
      co2eGLow: result.co2eG.low, co2eGCentral: result.co2eG.central, co2eGHigh: result.co2eG.high,
    };
    return { provider: e.provider, model: e.model, factorVersion: result.factorVersion, row };
  });
  const included = rows.filter((r) => (r.row.isCurrent && r.row.inMonth) || r.row.signedBy.length > 0);
  files.write('calculations.csv', csv.header + included.map((r) => csv.formatRow(r.row)).join(''));
  for (const doc of factorSets) files.write(`factor-sets/${doc.version}.json`, `${JSON.stringify(doc, null, 2)}\n`);

  // Receipts in issue order, each built and signed as the issuer does.
  const byKey = new Map(rows.map((r) => [key(r.row.eventId, r.row.revision), r]));
  const issued: Array<{ serial: string; kind: 'period' | 'adjustment'; payload: ReceiptPayload; payloadSha256: string; adjusts: string | null }> = [];
  for (const r of [...spec.receipts].sort((a, b) => (a.issuedAt < b.issuedAt ? -1 : 1))) {
    const snapshot = snapshotFigures(r.signs.map(([id, rev]) => byKey.get(key(id, rev))!));
    let totals = snapshot.totals;
    let models = snapshot.models;
    if (r.kind === 'adjustment') {
      const earlier = issued.filter((p) => p.serial === r.adjusts || p.adjusts === r.adjusts).map((p) => p.payload);
      const signedTotals = earlier.slice(1).reduce((s, p) => combineFigures(s, p.totals), earlier[0].totals);
      totals = combineFigures(snapshot.totals, signedTotals, -1);
      models = modelDeltas(snapshot.models, modelDeltas(earlier.flatMap((p) => p.models), []));
    }
    const payload = ReceiptPayload.parse({
      version: 1, serial: r.serial, kind: r.kind, adjusts: r.adjusts ?? null,
      organization: { id: ORG_ID, name: 'Acme Research' }, period: month,
      totals, models, factorVersions: snapshot.factorVersions, credits: credits(totals.co2eKg.high),
      snapshot: snapshotReference(r.signs.map(([id, revision]) => ({ id, revision }))), issuedAt: r.issuedAt, keyId: RECEIPT_JWK.kid,
    });
    const signed = signPayload(payload, RECEIPT_KEY.secretKey);
    files.write(`receipts/${r.serial}/payload.json`, signed.canonical);
    files.write(`receipts/${r.serial}/signature.txt`, `${signed.signature}\n`);
    files.write(`receipts/${r.serial}/public-key.txt`, publicKeyFileText(RECEIPT_JWK));
    issued.push({ serial: r.serial, kind: r.kind, payload, payloadSha256: signed.payloadSha256, adjusts: r.adjusts ?? null });
  }

  // The public log: other organisations' leaves first, then these receipts; one signed checkpoint covering them.
  if (issued.length > 0) {
    const others = [1, 2, 3].map((i) => createHash('sha256').update(`other ${i}`).digest('hex'));
    const tree = new MemoryTree([...others, ...issued.map((r) => r.payloadSha256)].map(leafHashOfPayload));
    const signer = { publicKey: LOG_KEY.publicKey, sign: async (m: Uint8Array) => ({ keyId: LOG_JWK.kid, signature: signBytes(m, LOG_KEY.secretKey) }) };
    files.write('transparency-log/checkpoint.txt', await signCheckpoint({ origin: LOG_ORIGIN, treeSize: tree.size, root: tree.root() }, LOG_ORIGIN, signer));
    files.write('transparency-log/entries.json', `${JSON.stringify(issued.map((r, i) => ({
      serial: r.serial, index: others.length + i, leafHash: leafHashOfPayload(r.payloadSha256).toString('hex'),
      inclusionProof: tree.inclusionProof(others.length + i).map((h) => h.toString('base64')),
    })), null, 2)}\n`);
  }

  const current = included.filter((r) => r.row.isCurrent && r.row.inMonth).map((r) => r.row);
  const disclosureReceipts = issued.map((r) => ({ serial: r.serial, kind: r.kind, adjusts: r.adjusts, payloadSha256: r.payloadSha256, issuedAt: r.payload.issuedAt }));
  files.write('disclosure.json', `${JSON.stringify(disclosureOf(spec.month, current, disclosureReceipts, factorSets[factorSets.length - 1]), null, 2)}\n`);
  files.write(PACK_KEYS_FILE, packKeySetText([RECEIPT_JWK, LOG_JWK]));
  files.write('README.txt', 'Run: node recalculate.mjs\n');
  copyFileSync(RECALCULATE_SCRIPT_PATH, path.join(dir, 'recalculate.mjs'));
  spec.beforeManifest?.(files);
  writeManifest(files, spec.month);
  files.write('cover.pdf', '%PDF-1.4 (not in the manifest)\n');
  spec.afterManifest?.(files);
  return files;
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const p = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(dir, p) : [p];
  });
}

/** manifest.json over every other file, signed like a receipt (Ed25519 over the 32 raw SHA-256 bytes). */
export function writeManifest(files: PackFiles, month: string): void {
  const entries = listFiles(files.dir).filter((p) => !['manifest.json', 'manifest.sig', 'cover.pdf'].includes(p)).sort().map((p) => {
    const bytes = readFileSync(path.join(files.dir, p));
    return { path: p, bytes: statSync(path.join(files.dir, p)).size, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  const manifest = `${JSON.stringify({
    schema: 'carbonplan.audit-pack-manifest/v1', orgId: ORG_ID, month, version: 1, generatedAt: '2026-02-03T04:00:00.000Z',
    keyId: RECEIPT_JWK.kid, files: entries,
  }, null, 2)}\n`;
  files.write('manifest.json', manifest);
  const digest = createHash('sha256').update(manifest, 'utf8').digest();
  files.write('manifest.sig', `${Buffer.from(signBytes(digest, RECEIPT_KEY.secretKey)).toString('base64')}\n`);
}

/** `node recalculate.mjs` from another working directory: the script must find its pack by its own location. */
export function runRecalculate(pack: PackFiles, args: string[] = []): RunResult {
  const result = spawnSync(process.execPath, [path.join(pack.dir, 'recalculate.mjs'), ...args], { cwd: os.tmpdir(), encoding: 'utf8', timeout: 120_000 });
  const stdout = result.stdout ?? '';
  return { status: result.status, stdout, stderr: result.stderr ?? '', lines: stdout.trimEnd().split('\n') };
}

export function removePack(pack: PackFiles): void {
  rmSync(pack.dir, { recursive: true, force: true });
}
