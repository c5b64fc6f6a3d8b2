import type { EntityManager } from 'typeorm';

type Queryable = Pick<EntityManager, 'query'>;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A calendar month M = [M-01T00:00Z, first of the next month). */
export interface MonthRange { month: string; start: Date; end: Date }

export function monthRange(month: string): MonthRange {
  const m = MONTH.exec(month);
  if (!m) throw new RangeError(`not a month (YYYY-MM): ${month}`);
  const start = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  const end = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
  return { month, start, end };
}

/**
 * The receipts "of the month" ($1 org, $2 month start, $3 month end): period receipts whose billing period starts in
 * the month, plus every adjustment receipt adjusting one of them (issued later, but about that period).
 */
export const MONTH_RECEIPTS = `
  SELECT r.* FROM carbon_receipts r
   WHERE r.org_id = $1 AND (r.id IN (SELECT p.id FROM carbon_receipts p JOIN billing_periods bp ON bp.id = p.billing_period_id
                                      WHERE p.org_id = $1 AND p.kind = 'period' AND bp.period_start >= $2 AND bp.period_start < $3)
                            OR r.adjusts_receipt_id IN (SELECT p.id FROM carbon_receipts p JOIN billing_periods bp ON bp.id = p.billing_period_id
                                      WHERE p.org_id = $1 AND p.kind = 'period' AND bp.period_start >= $2 AND bp.period_start < $3))`;

export interface MonthReceipt {
  id: string;
  serial: string;
  kind: 'period' | 'adjustment';
  /** The canonical JSON exactly as signed. */
  payload: string;
  payloadSha256: string;
  /** base64url, as stored. */
  signature: string;
  keyId: string;
  /** Set when the PDF was rendered and stored. */
  pdfObjectKey: string | null;
  pdfStatus: string;
  /** Index in the public log, or null when not (yet) appended. */
  logIndex: number | null;
}

/** The month's receipts with their log index, in issue order (a handful per month: read whole). */
export async function loadMonthReceipts(db: Queryable, orgId: string, range: MonthRange): Promise<MonthReceipt[]> {
  const rows: Array<{ id: string; serial: string; kind: 'period' | 'adjustment'; payload: string; payload_sha256: string; signature: string;
    key_id: string; pdf_object_key: string | null; pdf_status: string; log_index: string | null }> = await db.query(
    `SELECT r.id, r.serial, r.kind, r.payload, r.payload_sha256, r.signature, r.key_id, r.pdf_status,
            CASE WHEN r.pdf_status = 'rendered' THEN r.pdf_object_key END AS pdf_object_key, l.idx::text AS log_index
       FROM (${MONTH_RECEIPTS}) r LEFT JOIN log_entries l ON l.serial = r.serial
      ORDER BY r.issued_at, r.serial`,
    [orgId, range.start, range.end],
  );
  return rows.map((r) => ({
    id: r.id, serial: r.serial, kind: r.kind, payload: r.payload, payloadSha256: r.payload_sha256, signature: r.signature, keyId: r.key_id,
    pdfObjectKey: r.pdf_object_key, pdfStatus: r.pdf_status, logIndex: r.log_index === null ? null : Number(r.log_index),
  }));
}
