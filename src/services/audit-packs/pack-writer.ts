import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { FactorSetDocument } from '../../../contracts/emissions';
import type { PublicSigningKey } from '../../../contracts/signing-keys';
import { createCalculationsCsv } from '../../audit-packs/calculations-csv';
import { renderMethodology } from '../../audit-packs/methodology';
import { packKeySetText, publicKeyFileText, PACK_KEYS_FILE } from '../../audit-packs/pack-keys';
import { RECALCULATE_SCRIPT_PATH } from '../../audit-packs/templates';
import type { PdfRenderer } from '../../receipts/pdf/pdf-renderer';
import type { ReceiptStorage } from '../../receipts/pdf/receipt-storage';
import { leafHashOfPayload } from '../../transparency-log/merkle';
import { DisclosureService, disclosureCsv } from '../disclosure';
import type { SigningKeyService } from '../signing-keys/signing-key.service';
import type { LogService } from '../transparency-log/log.service';
import { calculationCsvChunks } from './calculation-rows';
import { renderCoverHtml } from './pack-cover';
import type { PackInputs } from './pack-inputs';
import type { MonthRange } from './pack-month';
import { packReadme } from './pack-readme';
import type { PackZip } from './pack-zip';

export const MANIFEST_SCHEMA = 'carbonplan.audit-pack-manifest/v1';

export interface PackWriterDeps {
  dataSource: DataSource;
  receiptStorage: ReceiptStorage;
  signingKeys: SigningKeyService;
  log: LogService;
  /** The worker's browser, for cover.pdf; without one the pack has no cover (README says so). */
  renderer?: PdfRenderer;
  logger: Logger;
}

export interface PackSpec { orgId: string; range: MonthRange; version: number; generatedAt: Date; inputs: PackInputs }

/** The receipt key changed between listing the manifest key and signing: the build starts over. */
export class ManifestKeyRotatedError extends Error {
  constructor() { super('the receipt signing key rotated while the pack was built'); this.name = 'ManifestKeyRotatedError'; }
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

async function factorSets(ds: DataSource, versions: string[]): Promise<FactorSetDocument[]> {
  const rows: Array<{ version: string; document: unknown }> = versions.length > 0
    ? await ds.query(`SELECT version, document FROM carbon_factor_sets WHERE version = ANY($1) ORDER BY version`, [versions])
    // A month without usage still says which factor set new usage would be computed with.
    : await ds.query(`SELECT version, document FROM carbon_factor_sets ORDER BY published_at DESC, version DESC LIMIT 1`);
  const missing = versions.filter((v) => !rows.some((r) => r.version === v));
  if (missing.length > 0) throw new Error(`factor set(s) ${missing.join(', ')} are not published`);
  return rows.map((r) => FactorSetDocument.parse(r.document));
}

/**
 * calculations.csv through a server-side cursor on a connection of its own. A month of millions of rows is sorted
 * by Postgres before the first row comes, so the API's statement and idle timeouts are lifted for this session
 * (and restored before the connection goes back to the pool).
 */
async function addCalculations(zip: PackZip, deps: PackWriterDeps, spec: PackSpec, docs: FactorSetDocument[]): Promise<number> {
  const runner = deps.dataSource.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  try {
    await client.query(`SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0`);
    const { chunks, counts } = calculationCsvChunks(client, spec.orgId, spec.range, createCalculationsCsv(docs));
    await zip.add('calculations.csv', chunks);
    return counts.rows;
  } finally {
    await client.query('RESET statement_timeout; RESET idle_in_transaction_session_timeout').catch(() => undefined);
    await runner.release();
  }
}

/** entries.json: each logged receipt's index, leaf hash and inclusion proof in the newest checkpoint's tree. */
async function addLog(zip: PackZip, deps: PackWriterDeps, spec: PackSpec): Promise<void> {
  const checkpoint = await deps.log.latestCheckpoint();
  if (!checkpoint) return;
  const entries = [];
  for (const r of spec.inputs.receipts) {
    if (r.logIndex === null || r.logIndex >= checkpoint.treeSize) continue;
    const proof = await deps.log.inclusionProof(r.serial, checkpoint.treeSize);
    entries.push({
      serial: r.serial, index: proof.index, leafHash: leafHashOfPayload(r.payloadSha256).toString('hex'),
      treeSize: proof.treeSize, inclusionProof: proof.inclusionProof.map((h) => h.toString('base64')),
    });
  }
  await zip.add('transparency-log/checkpoint.txt', checkpoint.note);
  await zip.add('transparency-log/entries.json', json(entries));
}

/**
 * Writes every file of the pack into `zip`, in the layout of the design (manifest.json, manifest.sig, then cover.pdf
 * last), and returns the manifest's SHA-256 and the key that signed it. Only calculations.csv is large; it streams.
 */
export async function writePackContents(zip: PackZip, deps: PackWriterDeps, spec: PackSpec): Promise<{ manifestSha256: string; keyId: string; rows: number }> {
  const { orgId, range, version, generatedAt, inputs } = spec;
  const ds = deps.dataSource;
  const docs = await factorSets(ds, inputs.factorVersions);
  const disclosure = await new DisclosureService(ds).month(orgId, range.month, { generatedAt });
  const receipts = await Promise.all(inputs.receipts.map(async (r) => ({
    ...r, hasPdf: r.pdfObjectKey !== null && await deps.receiptStorage.exists(r.pdfObjectKey).catch(() => false),
  })));
  const hasCover = deps.renderer !== undefined && deps.renderer.unavailableReason() === null;

  await zip.add('README.txt', packReadme({
    orgName: inputs.orgName, month: range.month, version, events: inputs.events, factorVersions: docs.map((d) => d.version),
    receipts: receipts.map((r) => ({ serial: r.serial, kind: r.kind, hasPdf: r.hasPdf, pdfStatus: r.pdfStatus })), hasCover,
  }));
  const rows = await addCalculations(zip, deps, spec, docs);
  for (const doc of docs) await zip.add(`factor-sets/${doc.version}.json`, json(doc));
  await zip.add('methodology.md', renderMethodology({ factorSets: docs, month: range.month, org: { id: orgId, name: inputs.orgName }, generatedAt }));
  await zip.add('disclosure.json', json(disclosure));
  await zip.add('disclosure.csv', disclosureCsv(disclosure));

  // The manifest key first: on a fresh deployment this creates it, and the published list below then holds it.
  const manifestKey = await deps.signingKeys.activeKey('receipt');
  const published = new Map((await deps.signingKeys.publicKeys()).map((k) => [k.kid, k]));
  const keyOf = (kid: string): PublicSigningKey => {
    const key = published.get(kid);
    if (!key) throw new Error(`signing key ${kid} is not published`);
    return key;
  };
  for (const r of receipts) {
    const dir = `receipts/${r.serial}`;
    await zip.add(`${dir}/payload.json`, r.payload);
    await zip.add(`${dir}/signature.txt`, r.signature);
    await zip.add(`${dir}/public-key.txt`, publicKeyFileText(keyOf(r.keyId)));
    if (r.hasPdf && r.pdfObjectKey) await zip.add(`${dir}/receipt.pdf`, await deps.receiptStorage.read(r.pdfObjectKey));
  }
  const keys = [...receipts.map((r) => keyOf(r.keyId)), keyOf(manifestKey.keyId), ...[...published.values()].filter((k) => k.purpose === 'log')];
  await zip.add(PACK_KEYS_FILE, packKeySetText(keys));
  await addLog(zip, deps, spec);
  await zip.add('recalculate.mjs', fs.createReadStream(RECALCULATE_SCRIPT_PATH));

  const manifest = Buffer.from(json({
    schema: MANIFEST_SCHEMA, orgId, month: range.month, version, generatedAt: generatedAt.toISOString(), keyId: manifestKey.keyId, files: zip.files,
  }), 'utf8');
  const digest = createHash('sha256').update(manifest).digest();
  const signed = await deps.signingKeys.sign('receipt', digest);
  if (signed.keyId !== manifestKey.keyId) throw new ManifestKeyRotatedError();
  await zip.add('manifest.json', manifest, false);
  await zip.add('manifest.sig', `${Buffer.from(signed.signature).toString('base64')}\n`, false);

  const manifestSha256 = digest.toString('hex');
  if (hasCover && deps.renderer) {
    const kinds = { period: receipts.filter((r) => r.kind === 'period').length, adjustment: receipts.filter((r) => r.kind === 'adjustment').length };
    const pdf = await deps.renderer.renderPdf(renderCoverHtml({
      orgId, orgName: inputs.orgName, month: range.month, version, generatedAt: generatedAt.toISOString(), events: inputs.events, receipts: kinds,
      co2eKg: disclosure.totals.co2eKg, energyKwh: disclosure.totals.energyKwh, factorVersions: docs.map((d) => d.version), manifestSha256,
      keyId: manifestKey.keyId, periodStart: range.start.toISOString(), periodEnd: range.end.toISOString(),
    }));
    await zip.add('cover.pdf', pdf, false);
  } else {
    deps.logger.warn({ orgId, month: range.month, version }, 'audit pack built without cover.pdf: no PDF renderer available');
  }
  return { manifestSha256, keyId: manifestKey.keyId, rows };
}
