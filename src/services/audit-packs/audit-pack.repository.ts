import type { DataSource, EntityManager } from 'typeorm';

/** One stored version of an organization's monthly audit pack. */
export interface AuditPackRecord {
  id: string;
  orgId: string;
  /** YYYY-MM */
  month: string;
  version: number;
  objectKey: string;
  manifestSha256: string;
  /** Size of the zip; bigint, as text. */
  bytes: string;
  inputsSha256: string;
  events: number;
  receipts: number;
  createdAt: Date;
}

export interface NewAuditPack extends Omit<AuditPackRecord, 'id' | 'createdAt'> {
  factorVersions: string[];
  keyId: string;
}

interface Row {
  id: string; org_id: string; month: string; version: number; object_key: string; manifest_sha256: string; bytes: string;
  inputs_sha256: string; events: string; receipts: number; created_at: Date;
}

const COLUMNS = `id, org_id, to_char(month, 'YYYY-MM') AS month, version, object_key, manifest_sha256, bytes::text AS bytes,
  inputs_sha256, events::text AS events, receipts, created_at`;

const toRecord = (r: Row): AuditPackRecord => ({
  id: r.id, orgId: r.org_id, month: r.month, version: r.version, objectKey: r.object_key, manifestSha256: r.manifest_sha256,
  bytes: r.bytes, inputsSha256: r.inputs_sha256, events: Number(r.events), receipts: r.receipts, createdAt: r.created_at,
});

const firstDay = (month: string) => `${month}-01`;

/** What the builder reads and records; the API lists and opens packs through AuditPackQueryService. */
export class AuditPackRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The newest version of the organization's month, or null when none was built. */
  async latest(orgId: string, month: string, db: Pick<EntityManager, 'query'> = this.dataSource.manager): Promise<AuditPackRecord | null> {
    const [row]: Row[] = await db.query(
      `SELECT ${COLUMNS} FROM audit_packs WHERE org_id = $1 AND month = $2::date ORDER BY version DESC LIMIT 1`, [orgId, firstDay(month)]);
    return row ? toRecord(row) : null;
  }

  /** Records a built version; the unique (org_id, month, version) refuses a second row of the same version. */
  async insert(pack: NewAuditPack, db: Pick<EntityManager, 'query'> = this.dataSource.manager): Promise<AuditPackRecord> {
    const [row]: Row[] = await db.query(
      `INSERT INTO audit_packs (org_id, month, version, object_key, manifest_sha256, bytes, inputs_sha256, events, receipts, factor_versions, key_id)
       VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
      [pack.orgId, firstDay(pack.month), pack.version, pack.objectKey, pack.manifestSha256, pack.bytes, pack.inputsSha256, pack.events,
        pack.receipts, pack.factorVersions, pack.keyId],
    );
    return toRecord(row);
  }
}
