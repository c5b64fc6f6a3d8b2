// Shared setup of the audit pack integration tests: a scratch database (the public log, the credit inventory and the
// signing keys are global), real receipts from the ReceiptIssuer, real PDFs from Chromium, the real builder.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import yauzl from 'yauzl';
import { LocalSecretStore } from '../../../src/integrations/secrets/local-secret-store';
import { PdfRenderer } from '../../../src/receipts/pdf/pdf-renderer';
import { LocalReceiptStorage } from '../../../src/receipts/pdf/receipt-storage';
import { AuditPackBuilder } from '../../../src/services/audit-packs/audit-pack-builder';
import { LocalAuditPackStorage, type AuditPackStorage } from '../../../src/services/audit-packs/audit-pack-storage';
import { BillingPeriodRepository } from '../../../src/services/billing/billing-periods';
import { loadCreditInventory } from '../../../src/services/credits/credit-inventory.service';
import { ReceiptIssuer } from '../../../src/services/receipts/receipt-issuer';
import { ReceiptPdfService } from '../../../src/services/receipts/receipt-pdf.service';
import { SigningKeyService } from '../../../src/services/signing-keys/signing-key.service';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../src/services/telemetry/ingest.service';
import { LogService } from '../../../src/services/transparency-log/log.service';
import type { UsageBucket } from '../../../contracts/usage';
import { createConnectionRow, createTenant, type TestConnection, type TestTenant } from '../../factories/tenants';
import { createScratchDatabase } from '../../helpers/scratch-database';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HEADER = 'registry,project,vintage,serial_start,serial_end,tonnes,retired_on,retirement_reference';
const logger = pino({ level: 'silent' });

export interface PackHarness {
  ds: DataSource;
  keys: SigningKeyService;
  issuer: ReceiptIssuer;
  ingest: IngestService;
  pdfs: ReceiptPdfService;
  renderer: PdfRenderer;
  tmp: string;
  localStorage: LocalAuditPackStorage;
  builder(storage?: AuditPackStorage, now?: () => Date): AuditPackBuilder;
  tenant(name: string): Promise<TestTenant & { connections: Record<string, TestConnection> }>;
  /** Ingests buckets for the tenant through its connection of each bucket's provider. */
  usage(tenant: TestTenant & { connections: Record<string, TestConnection> }, buckets: UsageBucket[], fetchedAt: string): Promise<void>;
  /** Records the billing period of `month` closing, finalizes it, closes it; returns its id. */
  closePeriod(tenant: TestTenant, month: string): Promise<string>;
  close(): Promise<void>;
}

export async function startPackHarness(prefix: string): Promise<PackHarness> {
  const scratch = await createScratchDatabase(prefix, 8);
  const ds = scratch.dataSource;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-packs-'));
  const secrets = new LocalSecretStore({ dir: path.join(tmp, 'secrets'), masterKey: randomBytes(32) });
  const keys = new SigningKeyService({ dataSource: ds, secrets, prefix: 'test/packs', logKeyName: 'test.local/receipts' });
  const log = new LogService({ dataSource: ds, origin: 'test.local/receipts', signer: () => keys.logSigner() });
  const issuer = new ReceiptIssuer({ dataSource: ds, signingKeys: keys, log, adjustmentThresholdKg: '0.001' });
  const ingest = new IngestService(ds, new FactorSetRepository(ds));
  const renderer = new PdfRenderer({ chromiumPath: CHROMIUM, pages: 2, logger });
  const receiptStorage = new LocalReceiptStorage(path.join(tmp, 'receipts'));
  const pdfs = new ReceiptPdfService({ dataSource: ds, logger, renderer, storage: receiptStorage, publicBaseUrl: 'https://verify.example' });
  const localStorage = new LocalAuditPackStorage(path.join(tmp, 'packs'));
  const loaded = await loadCreditInventory(ds, {
    fileName: 'test.csv',
    bytes: Buffer.from([HEADER, 'gold-standard,GS99901 Test,2021,GS1-1-XX-GS99901-12-2021-1-1-1,GS1-1-XX-GS99901-12-2021-1-500-500,500,2025-01-01,R-2021'].join('\n')),
  });
  if (loaded.outcome !== 'loaded') throw new Error(`credit inventory: ${JSON.stringify(loaded)}`);
  const periods = new BillingPeriodRepository(ds);
  return {
    ds, keys, issuer, ingest, pdfs, renderer, tmp, localStorage,
    builder: (storage = localStorage, now) => new AuditPackBuilder({ dataSource: ds, storage, receiptStorage, signingKeys: keys, log, renderer, logger, now }),
    tenant: async (name) => {
      const tenant = await createTenant(ds, name);
      await ds.query(`UPDATE organizations SET plan = 'pro' WHERE id = $1`, [tenant.orgId]);
      const connections: Record<string, TestConnection> = {};
      for (const provider of ['openai', 'anthropic', 'openrouter']) connections[provider] = await createConnectionRow(ds, tenant, provider);
      return { ...tenant, connections };
    },
    usage: async (tenant, buckets, fetchedAt) => {
      for (const provider of [...new Set(buckets.map((b) => b.provider))]) {
        await ingest.ingest(tenant.connections[provider], buckets.filter((b) => b.provider === provider), { fetchedAt: new Date(fetchedAt) });
      }
    },
    closePeriod: async (tenant, month) => {
      const start = new Date(`${month}-01T00:00:00.000Z`);
      const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
      const common = { orgId: tenant.orgId, periodStart: start.toISOString(), periodEnd: end.toISOString(), invoiceId: null, workflowId: `billing-period:${tenant.orgId}:${month}`, receiptDueAt: end.toISOString() };
      await periods.record({ ...common, status: 'closing' });
      const { id } = await periods.finalize(tenant.orgId, start, end);
      await periods.record({ ...common, status: 'closed' });
      return id;
    },
    close: async () => {
      await renderer.close();
      await scratch.drop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export interface Unzipped { dir: string; entries: string[]; read(name: string): Buffer }

/** Unzips a pack with yauzl into a fresh folder; `entries` in the zip's order. */
export async function unzip(zip: Buffer | Readable, into: string): Promise<Unzipped> {
  const bytes = Buffer.isBuffer(zip) ? zip : Buffer.concat(await zip.toArray());
  const dir = fs.mkdtempSync(path.join(into, 'unzipped-'));
  const entries: string[] = [];
  await new Promise<void>((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, file) => {
      if (err || !file) return reject(err ?? new Error('no zip'));
      file.on('error', reject);
      file.on('end', () => resolve());
      file.on('entry', (entry: yauzl.Entry) => {
        entries.push(entry.fileName);
        const target = path.join(dir, entry.fileName);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const out = fs.createWriteStream(target);
          stream.pipe(out).on('finish', () => file.readEntry()).on('error', reject);
        });
      });
      file.readEntry();
    });
  });
  return { dir, entries, read: (name) => fs.readFileSync(path.join(dir, name)) };
}

/** `node recalculate.mjs` in the unzipped pack, as an auditor runs it: its output lines and exit code. */
export function recalculate(dir: string): { lines: string[]; last: string; status: number | null; output: string } {
  const run = spawnSync(process.execPath, ['recalculate.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const output = `${run.stdout}${run.stderr}`;
  const lines = run.stdout.trim().split('\n');
  return { lines, last: lines[lines.length - 1], status: run.status, output };
}

export function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}
