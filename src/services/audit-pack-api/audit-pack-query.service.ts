import type { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import type { AuditPack, AuditPackList, ListAuditPacksQuery } from '../../../contracts/audit-packs';
import { AppError } from '../../errors';
import { zipFileName, type AuditPackStorage } from '../audit-packs/audit-pack-storage';

interface Row { id: string; month: string; version: number; object_key: string; manifest_sha256: string; bytes: string; events: string; receipts: number; created_at: Date }

const COLUMNS = `id, to_char(month, 'YYYY-MM') AS month, version, object_key, manifest_sha256, bytes::text AS bytes, events::text AS events, receipts, created_at`;
/** Lifetime of a presigned S3 link handed out by the download endpoint. */
const PRESIGN_SECONDS = 300;

const toAuditPack = (r: Row): AuditPack => ({
  id: r.id, month: r.month, version: r.version, bytes: Number(r.bytes), manifestSha256: r.manifest_sha256, events: Number(r.events),
  receipts: r.receipts, createdAt: r.created_at.toISOString(), downloadUrl: `/api/v1/audit-packs/${r.id}/download`,
});

// Keyset over (month, version), unique per organization: `YYYY-MM|N`, base64url.
const CURSOR = /^(\d{4}-(?:0[1-9]|1[0-2]))\|([1-9]\d{0,8})$/;
const encodeCursor = (r: Row) => Buffer.from(`${r.month}|${r.version}`).toString('base64url');
function decodeCursor(cursor: string): { month: string; version: number } {
  const m = CURSOR.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new AppError('VALIDATION_FAILED', 'query.cursor: not a cursor returned by this endpoint', { field: 'query.cursor' });
  return { month: m[1], version: Number(m[2]) };
}

/** The organization's audit packs: every version listed, each zip streamed (local) or handed out as a short-lived link (S3). */
export class AuditPackQueryService {
  constructor(private readonly deps: { dataSource: DataSource; storage: AuditPackStorage }) {}

  /** Newest month first, then newest version first; `month` keeps one month's versions. */
  async list(orgId: string, query: ListAuditPacksQuery): Promise<AuditPackList> {
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const rows: Row[] = await this.deps.dataSource.query(
      `SELECT ${COLUMNS} FROM audit_packs WHERE org_id = $1
         AND ($2::date IS NULL OR month = $2::date)
         AND ($3::date IS NULL OR (month, version) < ($3::date, $4::int))
       ORDER BY month DESC, version DESC LIMIT $5`,
      [orgId, query.month ? `${query.month}-01` : null, after ? `${after.month}-01` : null, after?.version ?? null, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    return { data: page.map(toAuditPack), nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]) : null };
  }

  /** For GET /api/v1/audit-packs/{id}/download, scoped to `orgId` (another organization's id is not found). */
  async open(orgId: string, id: string): Promise<{ stream: Readable; filename: string } | { url: string }> {
    const [row]: Row[] = await this.deps.dataSource.query(`SELECT ${COLUMNS} FROM audit_packs WHERE id = $1 AND org_id = $2`, [id, orgId]);
    if (!row) throw new AppError('NOT_FOUND', 'audit pack not found');
    const { storage } = this.deps;
    if (storage.presignedUrl) return { url: await storage.presignedUrl(row.object_key, PRESIGN_SECONDS) };
    return { stream: await storage.read(row.object_key), filename: zipFileName(row.object_key) };
  }
}
