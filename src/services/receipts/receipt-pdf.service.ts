import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { ReceiptPayload } from '../../../contracts/receipts';
import { AppError, notFound } from '../../errors';
import type { DailyCo2e } from '../../receipts/pdf/daily-chart';
import { ChromiumMissingError, type PdfRenderer } from '../../receipts/pdf/pdf-renderer';
import { renderReceiptHtml, verifyUrlFor } from '../../receipts/pdf/receipt-html';
import { receiptPdfKey, type ReceiptStorage } from '../../receipts/pdf/receipt-storage';

export type RenderReceiptPdfResult = { objectKey: string } | { skipped: string };
export type ReceiptPdfStatus = 'pending' | 'rendered' | 'skipped' | 'failed';

export class ReceiptNotFoundError extends Error {
  constructor(readonly receiptId: string) { super(`receipt ${receiptId} not found`); this.name = 'ReceiptNotFoundError'; }
}

export interface ReceiptPdfServiceDeps {
  dataSource: DataSource;
  storage: ReceiptStorage;
  /** The worker's browser; the API has none (it only serves what the worker stored). */
  renderer?: PdfRenderer;
  /** Base of the public verify and methodology links printed on the PDF. */
  publicBaseUrl: string;
  logger: Logger;
  now?: () => Date;
  /**
   * The receipt's verify code, printed in the link and QR code (issuing keeps only its hash, the code itself is
   * derived from the signing key's secret). Without it the link goes to the public summary of the verify page.
   */
  verifyCode?: (receipt: { keyId: string; serial: string }) => Promise<string | null>;
  /** Lifetime of a presigned S3 link handed out by the PDF endpoint. */
  presignSeconds?: number;
}

interface ReceiptRow {
  id: string; org_id: string; serial: string; payload: string;
  pdf_status: ReceiptPdfStatus; pdf_object_key: string | null; pdf_error: string | null; key_id: string;
}

/**
 * Renders a receipt's PDF after it was issued and serves it. Never part of issuing: a missing browser records
 * `skipped` and returns, a render failure records `failed` and throws (the activity's retry policy retries it).
 * Idempotent: a rendered receipt keeps its first object key.
 */
export class ReceiptPdfService {
  private readonly now: () => Date;
  constructor(private readonly deps: ReceiptPdfServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async render(receiptId: string): Promise<RenderReceiptPdfResult> {
    const row = await this.row(receiptId);
    if (!row) throw new ReceiptNotFoundError(receiptId);
    if (row.pdf_status === 'rendered' && row.pdf_object_key) return { objectKey: row.pdf_object_key };
    const renderer = this.deps.renderer;
    const unavailable = renderer ? renderer.unavailableReason() : 'no PDF renderer in this process';
    if (!renderer || unavailable) return this.skip(row, unavailable ?? 'no PDF renderer in this process');

    let pdf: Buffer;
    try {
      const payload = ReceiptPayload.parse(JSON.parse(row.payload));
      pdf = await renderer.renderPdf(renderReceiptHtml({
        payload,
        daily: await this.dailyCo2e(row.org_id, payload.period.start, payload.period.end),
        verifyUrl: verifyUrlFor(this.deps.publicBaseUrl, row.serial, await this.deps.verifyCode?.({ keyId: row.key_id, serial: row.serial }) ?? null),
        methodologyUrl: `${this.deps.publicBaseUrl.replace(/\/+$/, '')}/methodology`,
      }));
    } catch (err) {
      if (err instanceof ChromiumMissingError) return this.skip(row, err.message);
      await this.setStatus(row.id, 'failed', err instanceof Error ? err.message.slice(0, 500) : String(err));
      throw err;
    }
    const key = receiptPdfKey(row.org_id, row.serial);
    await this.deps.storage.put(key, pdf);
    // A concurrent render of the same receipt stored the same key: whoever lands second changes nothing.
    await this.deps.dataSource.query(
      `UPDATE carbon_receipts SET pdf_status = 'rendered', pdf_object_key = $2, pdf_rendered_at = $3, pdf_error = NULL
        WHERE id = $1 AND pdf_status <> 'rendered'`,
      [row.id, key, this.now()],
    );
    const after = await this.row(receiptId);
    this.deps.logger.info({ receiptId, serial: row.serial, bytes: pdf.length }, 'receipt pdf rendered');
    return { objectKey: after?.pdf_object_key ?? key };
  }

  /** For GET /api/v1/receipts/{id}/pdf: a stream (local storage) or a short-lived link (S3), scoped to `orgId`. */
  async open(orgId: string, receiptId: string): Promise<{ stream: Readable; filename: string } | { url: string }> {
    const row = await this.row(receiptId);
    if (!row || row.org_id !== orgId) throw notFound('receipt');
    if (row.pdf_status === 'skipped') {
      throw new AppError('SERVICE_UNAVAILABLE', `the receipt PDF was not rendered: ${row.pdf_error ?? 'no browser'}; the receipt itself is issued and verifiable`, { details: { pdfStatus: 'skipped', reason: row.pdf_error } });
    }
    if (row.pdf_status !== 'rendered' || !row.pdf_object_key) {
      throw new AppError('CONFLICT', row.pdf_status === 'failed'
        ? 'the receipt PDF is not ready: the last rendering attempt failed and is being retried'
        : 'the receipt PDF is not ready yet; retry shortly', { details: { pdfStatus: row.pdf_status }, headers: { 'Retry-After': '5' } });
    }
    const { storage } = this.deps;
    if (storage.presignedUrl) return { url: await storage.presignedUrl(row.pdf_object_key, this.deps.presignSeconds ?? 300) };
    return { stream: await storage.read(row.pdf_object_key), filename: `${row.serial}.pdf` };
  }

  private async skip(row: ReceiptRow, reason: string): Promise<RenderReceiptPdfResult> {
    await this.setStatus(row.id, 'skipped', reason);
    this.deps.logger.warn({ receiptId: row.id, serial: row.serial, reason }, 'receipt pdf skipped; the receipt is issued without it');
    return { skipped: reason };
  }

  private async setStatus(id: string, status: 'skipped' | 'failed', error: string): Promise<void> {
    await this.deps.dataSource.query(
      `UPDATE carbon_receipts SET pdf_status = $2, pdf_error = $3 WHERE id = $1 AND pdf_status <> 'rendered'`, [id, status, error],
    );
  }

  private async row(id: string): Promise<ReceiptRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const [row] = await this.deps.dataSource.query(
      `SELECT id, org_id, serial, payload, pdf_status, pdf_object_key, pdf_error, key_id FROM carbon_receipts WHERE id = $1`, [id],
    );
    return row;
  }

  /**
   * The daily series for the chart. The signed payload (v1) has no daily figures, so they come from the
   * organization's daily rollups over the period's UTC days, as held at render time.
   */
  private async dailyCo2e(orgId: string, start: string, end: string): Promise<DailyCo2e[]> {
    const rows: Array<{ day: string; low: string; central: string; high: string }> = await this.deps.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, trim_scale(sum(co2e_g_low) / 1000)::text AS low,
              trim_scale(sum(co2e_g_central) / 1000)::text AS central, trim_scale(sum(co2e_g_high) / 1000)::text AS high
         FROM usage_rollups_org
        WHERE org_id = $1 AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date AND day <= (($3::timestamptz AT TIME ZONE 'UTC') - interval '1 millisecond')::date
        GROUP BY day ORDER BY day`,
      [orgId, start, end],
    );
    // Days without usage are drawn as zero, so a gap reads as a gap and not as a shorter period.
    const byDay = new Map(rows.map((r) => [r.day, r]));
    const days: DailyCo2e[] = [];
    for (let t = Date.parse(start.slice(0, 10)); t < Date.parse(end) && days.length < 400; t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      days.push(byDay.get(day) ?? { day, low: '0', central: '0', high: '0' });
    }
    return rows.length === 0 ? [] : days;
  }
}
