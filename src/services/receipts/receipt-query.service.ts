import type { DataSource } from 'typeorm';
import type { ReceiptDetail, ReceiptList, ReceiptSummary, VerifyReceiptFull, VerifyReceiptSummary } from '../../../contracts/receipt-api';
import { ReceiptPayload } from '../../../contracts/receipts';
import { canonicalize } from '../../receipts/canonical-json';
import { verifyReceiptFile, type PinnedKey } from '../../receipts/verify-receipt';
import { AppError } from '../../errors';
import { decodeCursorParts, encodeCursor } from '../pagination';
import { Uuid } from '../../../contracts/common';
import type { SigningKeyService } from '../signing-keys/signing-key.service';
import type { LogService } from '../transparency-log/log.service';
import { isVerifyCodeMatch, verifyCodeFor } from './verify-code';

interface ReceiptRow {
  id: string; serial: string; kind: 'period' | 'adjustment'; payload: string; payload_sha256: string; signature: string; key_id: string;
  issued_at: Date; pdf_status: string | null; pdf_object_key: string | null; verify_code_sha256: string | null;
}
// pdf_status belongs to the PDF step's migration; read through to_jsonb so this works with or without it.
const COLUMNS = `r.id, r.serial, r.kind, r.payload, r.payload_sha256, r.signature, r.key_id, r.issued_at, r.pdf_object_key, r.verify_code_sha256,
  to_jsonb(r) ->> 'pdf_status' AS pdf_status`;

export interface ReceiptQueryDeps { dataSource: DataSource; signingKeys: SigningKeyService; log: LogService; publicBaseUrl: string }

/** `reasons` says why a receipt is not valid (empty when valid): for the HTML page, never part of the JSON contract. */
export type VerifyOutcome =
  | { kind: 'full'; body: VerifyReceiptFull; payload: unknown; reasons: string[] }
  | { kind: 'summary'; body: VerifyReceiptSummary; reasons: string[] };

function summaryOf(row: ReceiptRow, payload: ReceiptPayload): ReceiptSummary {
  return {
    id: row.id, serial: row.serial, kind: row.kind, adjusts: payload.adjusts, period: payload.period, issuedAt: payload.issuedAt,
    co2eKg: payload.totals.co2eKg, keyId: row.key_id,
  };
}

const pdfState = (row: ReceiptRow): ReceiptDetail['pdf']['status'] => {
  const s = row.pdf_status;
  if (s === 'pending' || s === 'rendered' || s === 'skipped' || s === 'failed') return s;
  return row.pdf_object_key ? 'rendered' : 'pending';
};

/** Reading receipts: the organization's list and detail, and the public, strictly verified view by serial. */
export class ReceiptQueryService {
  constructor(private readonly deps: ReceiptQueryDeps) {}

  async list(orgId: string, query: { limit: number; cursor?: string }): Promise<ReceiptList> {
    const after = query.cursor ? decodeCursorParts(query.cursor, (id) => Uuid.safeParse(id).success) : null;
    const rows: ReceiptRow[] = await this.deps.dataSource.query(
      `SELECT ${COLUMNS} FROM carbon_receipts r WHERE r.org_id = $1
         AND ($2::timestamptz IS NULL OR (date_trunc('milliseconds', r.issued_at), r.id) < ($2::timestamptz, $3::uuid))
       ORDER BY date_trunc('milliseconds', r.issued_at) DESC, r.id DESC LIMIT $4`,
      [orgId, after?.at ?? null, after?.id ?? null, query.limit + 1],
    );
    const pageRows = rows.slice(0, query.limit);
    const last = pageRows[pageRows.length - 1];
    return {
      data: pageRows.map((r) => summaryOf(r, JSON.parse(r.payload) as ReceiptPayload)),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.issued_at, id: last.id }) : null,
    };
  }

  async get(orgId: string, id: string): Promise<ReceiptDetail> {
    const [row]: ReceiptRow[] = await this.deps.dataSource.query(`SELECT ${COLUMNS} FROM carbon_receipts r WHERE r.id = $1 AND r.org_id = $2`, [id, orgId]);
    if (!row) throw new AppError('NOT_FOUND', 'receipt not found');
    const payload = ReceiptPayload.parse(JSON.parse(row.payload));
    return {
      ...summaryOf(row, payload), payload, payloadSha256: row.payload_sha256, signature: row.signature, credits: payload.credits,
      pdf: { status: pdfState(row) }, verifyUrl: await this.verifyUrl(row.key_id, row.serial),
    };
  }

  async verifyUrl(keyId: string, serial: string): Promise<string> {
    const code = await verifyCodeFor(this.deps.signingKeys, keyId, serial);
    return `${this.deps.publicBaseUrl.replace(/\/$/, '')}/public/receipts/verify/${serial}?code=${code}`;
  }

  /**
   * Re-verifies the stored receipt strictly, trusting only our published keys (the revocation rule included) and
   * the log: the stored payload is re-canonicalized, never the stored canonical bytes believed. Without the right
   * code only the summary is answered. Null for an unknown serial.
   */
  async verify(serial: string, code: string | undefined): Promise<VerifyOutcome | null> {
    const [row]: ReceiptRow[] = await this.deps.dataSource.query(`SELECT ${COLUMNS} FROM carbon_receipts r WHERE r.serial = $1`, [serial]);
    if (!row) return null;
    let payload: Record<string, unknown>;
    try { payload = JSON.parse(row.payload) as Record<string, unknown>; } catch { payload = {}; }
    const keys = (await this.deps.signingKeys.publicKeys()) as unknown as PinnedKey[];
    const log = await this.deps.log.inclusionProof(serial).then(
      (p) => ({ index: p.index, treeSize: p.treeSize, inclusionProof: p.inclusionProof.map((h) => h.toString('base64')), checkpoint: p.checkpoint }),
      () => null,
    );
    let canonical = '';
    try { canonical = canonicalize(payload); } catch { canonical = ''; }
    const file = { serial, payload, canonical, payloadSha256: row.payload_sha256, signature: row.signature, keyId: row.key_id, log };
    const verdict = verifyReceiptFile(file, keys);
    // A receipt that is not in the public log is not genuine, whatever its signature says.
    const valid = verdict.isValid && log !== null;
    const reasons = log === null ? [...verdict.failures, 'the receipt is not in the public log'] : verdict.failures;
    const period = (payload.period ?? {}) as { start: string; end: string };
    if (!isVerifyCodeMatch(code, row.verify_code_sha256)) {
      return { kind: 'summary', body: { valid, serial, period: { start: String(period.start), end: String(period.end) }, issuedAt: row.issued_at.toISOString(), keyId: row.key_id }, reasons };
    }
    const publicKey = keys.find((k) => k.kid === row.key_id)?.x ?? null;
    return { kind: 'full', payload, body: { valid, serial, payload, canonical, payloadSha256: verdict.payloadSha256 ?? row.payload_sha256, signature: row.signature, keyId: row.key_id, publicKey, log }, reasons };
  }
}
