import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { AuditPackInput, type AuditPackResult, type PaidOrganizationPageInput } from '../contracts/workflows';

/** What the activity needs of the pack builder (src/services/audit-packs): build or find the month's latest version. */
export interface AuditPackBuilding {
  build(input: { orgId: string; month: string }): Promise<{ pack: { id: string; month: string; version: number; manifestSha256: string }; built: boolean }>;
}

export interface AuditPackDeps {
  dataSource: DataSource;
  logger: Logger;
  auditPacks: AuditPackBuilding;
}

/** Failure type of a request that can never succeed (not an organization id, not a month): never retried. */
export const AUDIT_PACK_BAD_INPUT = 'AuditPackBadInput';

/** Heartbeats every 10 s while `work` runs: building a large month takes minutes, a dead worker must not. */
async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), 10_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export function createAuditPackActivities(deps: AuditPackDeps) {
  return {
    /** One keyset page of paid organizations (plan pro or enterprise, the plan the API gates on), by id. */
    async listPaidOrganizationsPage(input: PaidOrganizationPageInput): Promise<string[]> {
      const rows: Array<{ id: string }> = await deps.dataSource.query(
        `SELECT id FROM organizations WHERE plan IN ('pro', 'enterprise') AND ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
        [input.after, input.limit],
      );
      return rows.map((r) => r.id);
    },

    /**
     * Builds the organization's pack of the month as a new version when its inputs changed, or returns the latest
     * version untouched; ids and figures only. Idempotent: a retry after a crash finds the version it wrote.
     */
    async buildAuditPack(input: AuditPackInput): Promise<AuditPackResult> {
      const parsed = AuditPackInput.safeParse(input);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`not an audit pack request: ${parsed.error.issues[0].message}`, AUDIT_PACK_BAD_INPUT);
      const exists = await deps.dataSource.query(`SELECT 1 FROM organizations WHERE id = $1`, [parsed.data.orgId]);
      if (exists.length === 0) throw ApplicationFailure.nonRetryable(`organization ${parsed.data.orgId} does not exist`, AUDIT_PACK_BAD_INPUT);
      const { pack, built } = await withHeartbeat(() => deps.auditPacks.build(parsed.data)).catch((err: unknown) => {
        // The builder refuses what no retry can fix (not an id, not a month) with a RangeError.
        if (err instanceof RangeError) throw ApplicationFailure.nonRetryable(err.message, AUDIT_PACK_BAD_INPUT);
        throw err;
      });
      deps.logger.info({ orgId: parsed.data.orgId, month: parsed.data.month, packId: pack.id, version: pack.version, built }, built ? 'audit pack built' : 'audit pack unchanged');
      return { packId: pack.id, month: parsed.data.month, version: pack.version, built, manifestSha256: pack.manifestSha256 };
    },
  };
}

export type AuditPackActivities = ReturnType<typeof createAuditPackActivities>;
