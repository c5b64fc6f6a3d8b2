import type { EntityManager } from 'typeorm';
import type { DisclosureReceipt } from '../../../contracts/disclosure';
import type { ReceiptPayload } from '../../../contracts/receipts';
import { monthOfSerial } from './months';

/** A receipt of the period with the parts of its signed payload a disclosure uses. */
export interface PeriodReceipt extends DisclosureReceipt {
  /** The month the receipt belongs to: its period receipt's serial month. */
  month: string;
  receiptKey: string | null;
  payload: ReceiptPayload;
}

interface Row {
  serial: string; kind: 'period' | 'adjustment'; adjusts_serial: string | null; payload_sha256: string; issued_at: Date;
  receipt_key: string | null; payload: string;
}

/**
 * The receipts "of" the months [from, to] (audit-pack design): period receipts whose billing period starts in one of
 * them (serial `CL-YYYYMM-…`), plus every adjustment receipt of one of those. Oldest first.
 */
export async function readPeriodReceipts(db: EntityManager, orgId: string, from: string, to: string): Promise<PeriodReceipt[]> {
  const ym = (m: string) => m.replace('-', '');
  const rows: Row[] = await db.query(
    `SELECT r.serial, r.kind, a.serial AS adjusts_serial, r.payload_sha256, r.issued_at, r.receipt_key, r.payload
       FROM carbon_receipts r LEFT JOIN carbon_receipts a ON a.id = r.adjusts_receipt_id AND a.org_id = r.org_id
      WHERE r.org_id = $1
        AND ((r.kind = 'period' AND substring(r.serial from 4 for 6) BETWEEN $2 AND $3)
          OR (r.kind = 'adjustment' AND a.kind = 'period' AND substring(a.serial from 4 for 6) BETWEEN $2 AND $3))
      ORDER BY r.issued_at, r.serial`,
    [orgId, ym(from), ym(to)],
  );
  return rows.map((r) => ({
    serial: r.serial, kind: r.kind, adjusts: r.adjusts_serial, payloadSha256: r.payload_sha256, issuedAt: r.issued_at.toISOString(),
    month: monthOfSerial(r.adjusts_serial ?? r.serial), receiptKey: r.receipt_key, payload: JSON.parse(r.payload) as ReceiptPayload,
  }));
}

export const toDisclosureReceipt = (r: PeriodReceipt): DisclosureReceipt =>
  ({ serial: r.serial, kind: r.kind, adjusts: r.adjusts, payloadSha256: r.payloadSha256, issuedAt: r.issuedAt });

/** Serials of the receipts whose signed model lines include this provider, model and factor version. */
export function receiptsSigning(receipts: PeriodReceipt[], month: string, provider: string, model: string, factorVersion: string): string[] {
  return receipts
    .filter((r) => r.month === month && r.payload.models.some((m) => m.provider === provider && m.model === model && m.factorVersion === factorVersion))
    .map((r) => r.serial);
}
