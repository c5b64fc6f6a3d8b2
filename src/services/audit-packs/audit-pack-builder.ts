import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryRunner } from 'typeorm';
import { AuditPackRepository, type AuditPackRecord } from './audit-pack.repository';
import { auditPackKey, type AuditPackStorage } from './audit-pack-storage';
import { packInputs, type PackInputs } from './pack-inputs';
import { monthRange, type MonthRange } from './pack-month';
import { ManifestKeyRotatedError, writePackContents, type PackWriterDeps } from './pack-writer';
import { PackZip } from './pack-zip';

export interface AuditPackBuilderDeps extends PackWriterDeps {
  storage: AuditPackStorage;
  now?: () => Date;
  /** How long a second build of the same organization and month waits for the first (default 15 minutes). */
  lockWaitMs?: number;
}

export interface BuildResult { pack: AuditPackRecord; built: boolean }

// pg_try_advisory_lock(PACK_LOCK, hashtext('{orgId}:{month}')): one builder per organization and month at a time.
const PACK_LOCK = 0x41504b47; // "APKG"
const LOCK_POLL_MS = 250;
const MAX_ATTEMPTS = 3;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Another build of the same month held the lock for longer than the wait: retry later. */
export class AuditPackBusyError extends Error {
  constructor(orgId: string, month: string) { super(`another build of ${orgId} ${month} is still running`); this.name = 'AuditPackBusyError'; }
}

/** The month's usage or receipts kept changing while the pack was written: retry later (the activity does). */
export class AuditPackInputsMovingError extends Error {
  constructor(orgId: string, month: string) { super(`the inputs of ${orgId} ${month} changed during each of ${MAX_ATTEMPTS} builds`); this.name = 'AuditPackInputsMovingError'; }
}

/**
 * Builds an organization's audit pack of a month as a new version, only when its inputs changed since the latest
 * version (otherwise that version is returned and nothing is written). The zip streams into storage as it is made;
 * the row is recorded after the upload, so a stored row always names a complete object. Two builds of the same
 * month are serialised by an advisory lock; the second then finds the first's version unchanged.
 */
export class AuditPackBuilder {
  readonly packs: AuditPackRepository;
  private readonly now: () => Date;

  constructor(private readonly deps: AuditPackBuilderDeps) {
    this.packs = new AuditPackRepository(deps.dataSource);
    this.now = deps.now ?? (() => new Date());
  }

  async build(input: { orgId: string; month: string }): Promise<BuildResult> {
    if (!UUID.test(input.orgId)) throw new RangeError(`not an organization id: ${input.orgId}`);
    const range = monthRange(input.month);
    const unchanged = await this.unchanged(input.orgId, range);
    if (unchanged.pack) return { pack: unchanged.pack, built: false };
    return this.locked(input.orgId, range.month, async () => {
      for (let attempt = 1; ; attempt++) {
        // Read again under the lock: a build that held it may have just recorded these very inputs.
        const { pack: latest, inputs, version } = await this.unchanged(input.orgId, range);
        if (latest) return { pack: latest, built: false };
        const objectKey = auditPackKey(input.orgId, range.month, version);
        let written: { manifestSha256: string; keyId: string; bytes: number };
        try {
          written = await this.write(objectKey, { orgId: input.orgId, range, version, generatedAt: this.now(), inputs });
        } catch (err) {
          if (err instanceof ManifestKeyRotatedError && attempt < MAX_ATTEMPTS) continue;
          throw err;
        }
        // Files were read over several statements: if anything moved meanwhile, they may disagree with each other.
        // The same key is written again on the next attempt (no row names it yet).
        const after = await packInputs(this.deps.dataSource.manager, input.orgId, range);
        if (after.sha256 !== inputs.sha256) {
          this.deps.logger.warn({ orgId: input.orgId, month: range.month, attempt }, 'audit pack inputs changed during the build; building again');
          if (attempt >= MAX_ATTEMPTS) throw new AuditPackInputsMovingError(input.orgId, range.month);
          continue;
        }
        const pack = await this.packs.insert({
          orgId: input.orgId, month: range.month, version, objectKey, manifestSha256: written.manifestSha256, bytes: String(written.bytes),
          inputsSha256: inputs.sha256, events: inputs.events, receipts: inputs.receipts.length, factorVersions: inputs.factorVersions, keyId: written.keyId,
        });
        this.deps.logger.info({ orgId: input.orgId, month: range.month, version, bytes: written.bytes, events: inputs.events }, 'audit pack stored');
        return { pack, built: true };
      }
    });
  }

  /** The latest version when its inputs equal the current ones; otherwise the current inputs and the next version number. */
  private async unchanged(orgId: string, range: MonthRange): Promise<{ pack: AuditPackRecord | null; inputs: PackInputs; version: number }> {
    const inputs = await packInputs(this.deps.dataSource.manager, orgId, range);
    const latest = await this.packs.latest(orgId, range.month);
    const isSame = latest !== null && latest.inputsSha256 === inputs.sha256;
    return { pack: isSame ? latest : null, inputs, version: (latest?.version ?? 0) + 1 };
  }

  private async write(objectKey: string, spec: Parameters<typeof writePackContents>[2]): Promise<{ manifestSha256: string; keyId: string; bytes: number }> {
    const zip = new PackZip(spec.generatedAt);
    const uploading = this.deps.storage.upload(objectKey, zip.output);
    // A failed upload stops the writer (it would otherwise wait for a reader that is gone).
    const uploadFailed = uploading.then(() => new Promise<never>(() => undefined));
    uploadFailed.catch(() => undefined);
    try {
      const written = await Promise.race([
        (async () => {
          const result = await writePackContents(zip, this.deps, spec);
          await zip.finalize();
          return result;
        })(),
        uploadFailed,
      ]);
      const { bytes } = await uploading;
      return { manifestSha256: written.manifestSha256, keyId: written.keyId, bytes };
    } catch (err) {
      zip.destroy(err instanceof Error ? err : new Error(String(err)));
      await uploading.catch(() => undefined);
      throw err;
    }
  }

  /** Runs `work` holding a session advisory lock on its own connection (released with it if the process dies). */
  private async locked<T>(orgId: string, month: string, work: () => Promise<T>): Promise<T> {
    const runner: QueryRunner = this.deps.dataSource.createQueryRunner();
    await runner.connect();
    const args = [PACK_LOCK, `${orgId}:${month}`];
    try {
      const deadline = Date.now() + (this.deps.lockWaitMs ?? 15 * 60_000);
      for (;;) {
        const [{ locked }]: Array<{ locked: boolean }> = await runner.query(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked`, args);
        if (locked) break;
        if (Date.now() >= deadline) throw new AuditPackBusyError(orgId, month);
        await sleep(LOCK_POLL_MS);
      }
      try {
        return await work();
      } finally {
        // Never hand a connection holding the lock back to the pool.
        await runner.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, args)
          .catch(() => runner.query(`SELECT pg_advisory_unlock_all()`)).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
