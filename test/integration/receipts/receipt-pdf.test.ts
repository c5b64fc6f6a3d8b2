// Receipt PDFs with the real Chromium, Postgres and moto: the activity renders, stores and records; pdftotext reads
// the result back; a screenshot of the same HTML proves the chart is drawn.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { createReceiptPdfActivities } from '../../../activities/receipt-pdf.activities';
import { createDataSource } from '../../../src/db/data-source';
import { PdfRenderer } from '../../../src/receipts/pdf/pdf-renderer';
import { renderReceiptHtml } from '../../../src/receipts/pdf/receipt-html';
import { LocalReceiptStorage, S3ReceiptStorage } from '../../../src/receipts/pdf/receipt-storage';
import { ReceiptPdfService } from '../../../src/services/receipts/receipt-pdf.service';
import { insertDailyUsage, insertReceiptRow } from '../../factories/receipts';
import { createTenant } from '../../factories/tenants';
import { MOTO_CLIENT, useMoto, type MotoEndpoint } from '../secrets/moto-endpoint';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const logger = pino({ level: 'silent' });
let ds: DataSource;
let renderer: PdfRenderer;
let localDir: string;
let moto: MotoEndpoint;

beforeAll(async () => {
  ds = await createDataSource({ url: process.env.DATABASE_URL!, poolSize: 4 }).initialize();
  renderer = new PdfRenderer({ chromiumPath: CHROMIUM, pages: 2, logger });
  localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-receipts-'));
  moto = await useMoto();
});
afterAll(async () => {
  await renderer?.close();
  await ds?.destroy();
  await moto?.stop();
  fs.rmSync(localDir, { recursive: true, force: true });
});

const mockEnv = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
const service = (over: Partial<ConstructorParameters<typeof ReceiptPdfService>[0]> = {}) => new ReceiptPdfService({
  dataSource: ds, logger, renderer, storage: new LocalReceiptStorage(localDir), publicBaseUrl: 'https://verify.example', ...over,
});
const pdfStatus = async (id: string) => (await ds.query(`SELECT pdf_status, pdf_object_key, pdf_error, pdf_rendered_at FROM carbon_receipts WHERE id = $1`, [id]))[0];

function pdfText(bytes: Buffer, mode = '-layout'): string {
  const file = path.join(localDir, `check-${Date.now()}.pdf`);
  fs.writeFileSync(file, bytes);
  return execFileSync('pdftotext', [mode, file, '-'], { encoding: 'utf8' });
}

/** Decodes an 8-bit RGB(A) PNG (what Chromium writes) into rows of pixels, enough to look at a region. */
function decodePng(png: Buffer): { width: number; height: number; pixel(x: number, y: number): [number, number, number] } {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const colorType = png[25];
  const channels = colorType === 6 ? 4 : 3;
  const chunks: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= channels ? out[y * stride + i - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= channels ? out[(y - 1) * stride + i - channels] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      out[y * stride + i] = (x + [0, a, b, (a + b) >> 1, paeth][filter]) & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [out[y * stride + x * channels], out[y * stride + x * channels + 1], out[y * stride + x * channels + 2]] };
}

describe('renderReceiptPdf', () => {
  it('renders a receipt: the PDF text holds the serial, totals, bounds, credits and verify link; stored locally and recorded', async () => {
    const tenant = await createTenant(ds, 'Acme Research');
    const receipt = await insertReceiptRow(ds, { ...tenant, name: 'Acme Research' });
    await insertDailyUsage(ds, tenant.orgId, [{ day: '2026-11-03', grams: 1200 }, { day: '2026-11-10', grams: 2500 }]);
    const activities = createReceiptPdfActivities({ receiptPdfs: service({ verifyCode: async ({ serial }) => `CODE${serial.slice(-5)}` }) });

    const result = await mockEnv().run(activities.renderReceiptPdf, { receiptId: receipt.id });

    expect(result).toEqual({ objectKey: `receipts/${tenant.orgId}/${receipt.serial}.pdf` });
    const row = await pdfStatus(receipt.id);
    expect(row).toMatchObject({ pdf_status: 'rendered', pdf_object_key: (result as { objectKey: string }).objectKey, pdf_error: null });
    expect(row.pdf_object_key).not.toContain(localDir);
    const bytes = fs.readFileSync(path.join(localDir, row.pdf_object_key));
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(bytes);
    const { totals, credits } = receipt.payload;
    for (const needle of [receipt.serial, 'Acme Research', totals.co2eKg.low, totals.co2eKg.central, totals.co2eKg.high,
      totals.energyKwh.central, '120,000,000', credits.retirements[0].serialStart, credits.retirements[0].retirementReference, '2026.1',
      'https://verify.example/methodology']) {
      expect({ needle, found: text.includes(needle) }).toEqual({ needle, found: true });
    }
    // The printed link may wrap across lines; the link annotation (what the QR code encodes too) is whole.
    const link = `https://verify.example/public/receipts/verify/${receipt.serial}?code=CODE${receipt.serial.slice(-5)}`;
    expect(pdfText(bytes, '-raw').replace(/\s+/g, '')).toContain(link);
    expect(bytes.toString('latin1')).toContain(`/URI (${link})`);
    expect(text).not.toMatch(/Shortfall/);
  });

  it('draws the daily chart: the rendered page has dark bars in the chart area', async () => {
    const tenant = await createTenant(ds);
    const receipt = await insertReceiptRow(ds, tenant);
    const days = Array.from({ length: 30 }, (_, i) => ({ day: `2026-11-${String(i + 1).padStart(2, '0')}`, central: String(1 + (i % 7)), low: '0.5', high: String(2 + (i % 7)) }));
    const html = renderReceiptHtml({ payload: receipt.payload, daily: days, verifyUrl: 'https://verify.example/x', methodologyUrl: 'https://verify.example/methodology' });
    const image = decodePng(await renderer.renderPng(html));
    // Bars are the only #1f7a4d on the page: count them, then compare with the same page without usage.
    let green = 0;
    for (let y = 0; y < image.height; y += 2) {
      for (let x = 0; x < image.width; x += 2) {
        const [r, g, b] = image.pixel(x, y);
        if (Math.abs(r - 0x1f) < 12 && Math.abs(g - 0x7a) < 12 && Math.abs(b - 0x4d) < 12) green++;
      }
    }
    expect(green).toBeGreaterThan(400);
    // The same page without usage draws no bars at all.
    const empty = decodePng(await renderer.renderPng(renderReceiptHtml({ payload: receipt.payload, daily: [], verifyUrl: 'https://verify.example/x', methodologyUrl: 'https://verify.example/m' })));
    let emptyGreen = 0;
    for (let y = 0; y < empty.height; y += 2) {
      for (let x = 0; x < empty.width; x += 2) {
        const [r, g, b] = empty.pixel(x, y);
        if (Math.abs(r - 0x1f) < 12 && Math.abs(g - 0x7a) < 12 && Math.abs(b - 0x4d) < 12) emptyGreen++;
      }
    }
    expect(emptyGreen).toBeLessThan(green / 10);
  });

  it('is idempotent: a second call returns the existing key without rendering again', async () => {
    const tenant = await createTenant(ds);
    const receipt = await insertReceiptRow(ds, tenant);
    const first = await service().render(receipt.id);
    const { pdf_rendered_at: renderedAt } = await pdfStatus(receipt.id);
    const spy = jest.spyOn(renderer, 'renderPdf');
    const second = await service().render(receipt.id);
    expect(second).toEqual(first);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect((await pdfStatus(receipt.id)).pdf_rendered_at).toEqual(renderedAt);
  });

  it('shows a shortfall as a shortfall, never as retired', async () => {
    const tenant = await createTenant(ds);
    const receipt = await insertReceiptRow(ds, tenant, {
      credits: { requiredTonnes: '0.010401', retirements: [], shortfallTonnes: '0.010401' },
    });
    await service().render(receipt.id);
    const text = pdfText(fs.readFileSync(path.join(localDir, (await pdfStatus(receipt.id)).pdf_object_key)));
    expect(text).toMatch(/Shortfall: 0\.010401 t/);
    expect(text).toMatch(/NOT retired/);
    expect(text).toMatch(/No credits retired/);
  });

  it('without a browser: skipped naming it, recorded, and a later worker with one renders it', async () => {
    const tenant = await createTenant(ds);
    const receipt = await insertReceiptRow(ds, tenant);
    const missing = new PdfRenderer({ chromiumPath: '/nowhere/chromium', pages: 1, logger });
    const activities = createReceiptPdfActivities({ receiptPdfs: service({ renderer: missing }) });

    const result = await mockEnv().run(activities.renderReceiptPdf, { receiptId: receipt.id });

    expect(result).toEqual({ skipped: 'chromium not found at /nowhere/chromium' });
    expect(await pdfStatus(receipt.id)).toMatchObject({ pdf_status: 'skipped', pdf_error: 'chromium not found at /nowhere/chromium', pdf_object_key: null });
    await expect(service().open(tenant.orgId, receipt.id)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('chromium not found at /nowhere/chromium') });
    expect(await service().render(receipt.id)).toEqual({ objectKey: expect.stringContaining(receipt.serial) });
  });

  it('a rendering failure is recorded and thrown for the retry policy; an unknown receipt is not retried', async () => {
    const tenant = await createTenant(ds);
    const receipt = await insertReceiptRow(ds, tenant);
    const spy = jest.spyOn(renderer, 'renderPdf').mockRejectedValueOnce(new Error('Target closed'));
    const activities = createReceiptPdfActivities({ receiptPdfs: service() });
    await expect(mockEnv().run(activities.renderReceiptPdf, { receiptId: receipt.id })).rejects.toThrow('Target closed');
    expect(await pdfStatus(receipt.id)).toMatchObject({ pdf_status: 'failed', pdf_error: 'Target closed' });
    spy.mockRestore();
    expect(await mockEnv().run(activities.renderReceiptPdf, { receiptId: receipt.id })).toEqual({ objectKey: expect.any(String) });

    const unknown = await mockEnv().run(activities.renderReceiptPdf, { receiptId: '00000000-0000-4000-8000-000000000000' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ApplicationFailure);
    expect(unknown).toMatchObject({ type: 'RECEIPT_NOT_FOUND', nonRetryable: true });
  });

  it('stores in S3 (moto) and hands out a short-lived presigned link', async () => {
    const bucket = `receipts-${Date.now()}`;
    const client = new S3Client({ ...MOTO_CLIENT, endpoint: moto.endpoint, forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const storage = new S3ReceiptStorage({ bucket, region: 'us-east-1', endpoint: moto.endpoint }, client);
    const tenant = await createTenant(ds);
    const receipt = await insertReceiptRow(ds, tenant);

    const result = await service({ storage }).render(receipt.id);

    const key = `receipts/${tenant.orgId}/${receipt.serial}.pdf`;
    expect(result).toEqual({ objectKey: key });
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(object.ContentType).toBe('application/pdf');
    expect(pdfText(Buffer.from(await object.Body!.transformToByteArray()))).toContain(receipt.serial);
    const opened = await service({ storage, presignSeconds: 120 }).open(tenant.orgId, receipt.id);
    expect(opened).toEqual({ url: expect.stringContaining(`/${bucket}/${key}?`) });
    const url = new URL((opened as { url: string }).url);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
  });
});
