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
import { BoundedCache, Refreshing, verdictKey } from './verify-cache';
import { isVerifyCodeMatch, verifyCodeFor } from './verify-code';

interface ReceiptRow {
  id: string; serial: string; kind: 'period' | 'adjustment'; payload: string; payload_sha256: string; signature: string; key_id: string;
  issued_at: Date; pdf_status: string | null; pdf_object_key: string | null; verify_code_sha256: string | null;
}
// pdf_status belongs to the PDF step's migration; read through to_jsonb so this works with or without it.
const COLUMNS = `r.id, r.serial, r.kind, r.payload, r.payload_sha256, r.signature, r.key_id, r.issued_at, r.pdf_object_key, r.verify_code_sha256,
  to_jsonb(r) ->> 'pdf_status' AS pdf_status`;

const KEYS_TTL_MS = 5_000;
/** New log entries are seen at once (see logSection); the head is read at most once a second otherwise. */
const HEAD_TTL_MS = 1_000;
const MAX_CACHED = 10_000;
type LogSection = { index: number; treeSize: number; inclusionProof: string[]; checkpoint: string };

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
  /** Published keys, read again every few seconds (a revocation reaches verification within KEYS_TTL_MS; a new key at once). */
  private readonly keys = new Refreshing(KEYS_TTL_MS, async () => {
    const keys = (await this.deps.signingKeys.publicKeys()) as unknown as PinnedKey[];
    return { keys, fingerprint: verdictKey(JSON.stringify(keys)) };
  });
  private readonly head = new Refreshing(HEAD_TTL_MS, () => this.deps.log.latestCheckpoint());
  private readonly proofs = new BoundedCache<LogSection>(MAX_CACHED);
  private readonly verdicts = new BoundedCache<{ payload: Record<string, unknown>; canonical: string; verdict: ReturnType<typeof verifyReceiptFile> }>(MAX_CACHED);

  constructor(private readonly deps: ReceiptQueryDeps) {}

  /** The receipt's inclusion proof in the newest tree, or null when it is not in the log. Proofs of a tree never change. */
  private async logSection(serial: string): Promise<LogSection | null> {
    const head = await this.head.get();
    const cached = head ? this.proofs.get(`${serial}|${head.treeSize}`) : undefined;
    if (cached) return cached;
    const read = (treeSize?: number) => this.deps.log.inclusionProof(serial, treeSize).catch(() => null);
    let proof = head ? await read(head.treeSize) : null;
    if (!proof) {
      // Appended after the head we hold (or not logged at all): ask once more against the newest tree.
      this.head.invalidate();
      proof = await read();
    }
    if (!proof) return null;
    const section = { index: proof.index, treeSize: proof.treeSize, inclusionProof: proof.inclusionProof.map((h) => h.toString('base64')), checkpoint: proof.checkpoint };
    this.proofs.set(`${serial}|${section.treeSize}`, section);
    return section;
  }

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
    const [published, log] = await Promise.all([this.keys.get(), this.logSection(serial)]);
    let { keys, fingerprint } = published;
    if (!keys.some((k) => k.kid === row.key_id)) {
      // Signed by a key newer than the set we hold (a rotation moments ago): read the published keys again.
      this.keys.invalidate();
      ({ keys, fingerprint } = await this.keys.get());
    }
    // The verdict is a pure function of the stored row, the key set and the tree: verified once per combination.
    const cacheKey = verdictKey(row.payload, row.signature, row.key_id, row.payload_sha256, fingerprint, String(log?.treeSize ?? -1));
    let checked = this.verdicts.get(cacheKey);
    if (!checked) {
      let payload: Record<string, unknown>;
      try { payload = JSON.parse(row.payload) as Record<string, unknown>; } catch { payload = {}; }
      let canonical = '';
      try { canonical = canonicalize(payload); } catch { canonical = ''; }
      const verdict = verifyReceiptFile({ serial, payload, canonical, payloadSha256: row.payload_sha256, signature: row.signature, keyId: row.key_id, log }, keys);
      checked = { payload, canonical, verdict };
      this.verdicts.set(cacheKey, checked);
    }
    const { payload, canonical, verdict } = checked;
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
