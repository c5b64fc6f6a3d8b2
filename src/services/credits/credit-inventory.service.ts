import type { DataSource, EntityManager } from 'typeorm';
import { InventoryFileError, parseInventoryFile, type InventoryRow } from './credit-inventory-file';
import { GRAMS_PER_TONNE } from './credit-serials';

// pg_advisory_xact_lock key: loaders run one at a time, so the overlap check and the inserts see the same inventory.
const LOAD_LOCK = 0x43524544; // "CRED"

export interface LoadInventoryInput {
  bytes: Buffer;
  /** For messages only. */
  fileName: string;
  now?: Date;
  print?(line: string): void;
}

export type LoadInventoryResult =
  | { outcome: 'loaded'; sha256: string; batches: number; tonnes: string }
  | { outcome: 'already-loaded'; sha256: string; batches: number; loadedAt: Date };

async function findOverlap(tx: EntityManager, row: InventoryRow): Promise<{ serial_start: string; source_line: number; loaded_at: Date } | undefined> {
  const [hit] = await tx.query(
    `SELECT serial_start, source_line, loaded_at FROM credit_batches
      WHERE registry = $1 AND series = $2 AND unit_start <= $4 AND unit_end >= $3
      ORDER BY unit_start LIMIT 1`,
    [row.registry, row.series, row.unitStart.toString(), row.unitEnd.toString()],
  );
  return hit;
}

/**
 * Loads an inventory file in one transaction: every row or none. A file already loaded (same SHA-256) is a no-op;
 * a bad row or a range overlapping the file itself or the loaded inventory throws InventoryFileError naming the line.
 */
export async function loadCreditInventory(ds: DataSource, input: LoadInventoryInput): Promise<LoadInventoryResult> {
  const print = input.print ?? (() => undefined);
  const file = parseInventoryFile(input.bytes, input.now ?? new Date());
  print(`${input.fileName}: ${file.rows.length} row(s), sha256 ${file.sha256}`);
  return ds.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1, 0)`, [LOAD_LOCK]);
    const [done] = await tx.query(`SELECT count(*)::int AS batches, min(loaded_at) AS loaded_at FROM credit_batches WHERE source_sha256 = $1`, [file.sha256]);
    if (done.batches > 0) return { outcome: 'already-loaded' as const, sha256: file.sha256, batches: done.batches, loadedAt: done.loaded_at };

    let units = 0n;
    for (const [i, row] of file.rows.entries()) {
      const hit = await findOverlap(tx, row);
      if (hit) {
        throw new InventoryFileError(`line ${row.line}: serial range overlaps a loaded batch (${hit.serial_start}, line ${hit.source_line} of a file loaded ${new Date(hit.loaded_at).toISOString()})`);
      }
      await tx.query(
        `INSERT INTO credit_batches (registry, project, vintage, serial_start, serial_end, series, unit_start, unit_end, unit_g,
           capacity_g, tonnes, retired_on, retirement_reference, source_sha256, source_line)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [row.registry, row.project, row.vintage, row.serialStart, row.serialEnd, row.series, row.unitStart.toString(), row.unitEnd.toString(),
          GRAMS_PER_TONNE, row.capacityG.toString(), row.tonnes, row.retiredOn, row.retirementReference, file.sha256, row.line],
      );
      units += row.unitEnd - row.unitStart + 1n;
      if ((i + 1) % 100 === 0) print(`  ${i + 1} of ${file.rows.length} rows checked and staged`);
    }
    return { outcome: 'loaded' as const, sha256: file.sha256, batches: file.rows.length, tonnes: units.toString() };
  });
}
